import { describe, expect, it } from "vitest";
import { evaluateGate, parseRule } from "./gates";

const run = { bleu: { score: 31.2 }, rougeL: { fmeasure: 0.42 }, exact_match: { mean: 0.5 } };
const baseline = { bleu: { score: 31.9 }, rougeL: { fmeasure: 0.45 } };

describe("gates", () => {
  it("parses thresholds and baseline rules", () => {
    expect(parseRule("rougeL.fmeasure >= 0.40")).toEqual({
      text: "rougeL.fmeasure >= 0.40",
      left: "rougeL.fmeasure",
      op: ">=",
      right: { kind: "number", value: 0.4 },
    });
    expect(parseRule("bleu.score >= baseline.bleu.score - 1.0").right).toEqual({ kind: "baseline", path: "bleu.score", offset: -1 });
    expect(() => parseRule("bleu.score ~ 3")).toThrow(/expected "figure OP number"/);
  });

  it("passes when every rule holds, and reports each figure", () => {
    const g = evaluateGate(["rougeL.fmeasure >= 0.40", "bleu.score >= baseline.bleu.score - 1.0"], run, baseline);
    expect(g.passed).toBe(true);
    expect(g.results[1]).toEqual({ rule: "bleu.score >= baseline.bleu.score - 1.0", actual: 31.2, threshold: 30.9, passed: true });
  });

  it("fails when one rule fails", () => {
    const g = evaluateGate(["rougeL.fmeasure >= baseline.rougeL.fmeasure", "exact_match.mean > 0.4"], run, baseline);
    expect(g.passed).toBe(false);
    expect(g.results.map((r) => r.passed)).toEqual([false, true]);
  });

  it("names a missing figure or a missing baseline", () => {
    expect(() => evaluateGate(["bleu.scor >= 1"], run)).toThrow("run has no figure bleu.scor");
    expect(() => evaluateGate(["bleu.score >= baseline.bleu.score"], run, null)).toThrow(/needs a baseline run/);
  });
});
