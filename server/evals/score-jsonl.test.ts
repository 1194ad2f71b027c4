import { describe, expect, it } from "vitest";
import { figuresOf } from "./figures";
import { exactMatch } from "./metrics";
import { parseMetricOptions, scoreOne } from "./score-jsonl";

describe("exact_match as a run metric", () => {
  it("is a figure only when asked for, scored as the metric scores it, with its normalize option", () => {
    const refs = ["Paris", "paris, France"];
    expect(figuresOf(scoreOne("Paris", refs, parseMetricOptions({ bleu: {} })))).not.toHaveProperty("exact_match.score");
    for (const [prediction, normalize] of [
      ["Paris", undefined],
      [" Paris ", undefined],
      [" Paris ", "strip"],
      ["PARIS", "lower"],
      ["Lyon", "lower"],
    ] as const) {
      const opts = parseMetricOptions({ exact_match: normalize ? { normalize } : {} });
      const f = figuresOf(scoreOne(prediction, refs, opts));
      expect(f).toEqual({ "exact_match.score": exactMatch(prediction, refs, { normalize: normalize ?? "none" }) });
    }
    // the options' own checks, named under the metric
    expect(() => parseMetricOptions({ exact_match: { normalize: "upper" } })).toThrow(/^metrics\.exact_match: .*normalize/);
    expect(() => parseMetricOptions({ exact_match: { strip: true } })).toThrow('metrics.exact_match: Unknown exact_match option "strip"');
  });

  it("sits beside the other metrics in one item's figures", () => {
    const f = figuresOf(scoreOne("the cat sat", ["the cat sat"], parseMetricOptions({ rouge: {}, exact_match: {} })));
    expect(f["exact_match.score"]).toBe(1);
    expect(f["rougeL.fmeasure"]).toBe(1);
  });
});
