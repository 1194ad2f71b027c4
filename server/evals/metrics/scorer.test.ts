import { describe, expect, it } from "vitest";
import { rougeScore } from "./rouge";
import { getScorer, listScorers, registerScorer, type Scorer } from "./scorer";

describe("scorer registry", () => {
  it("has the built-in scorers", () => {
    expect(listScorers()).toEqual(expect.arrayContaining(["exact_match", "rouge"]));
  });

  it("throws an Error naming an unknown scorer", () => {
    expect(() => getScorer("bleurt")).toThrow(/"bleurt"/);
  });

  it("runs exact_match through parseOptions and score", async () => {
    const s = getScorer("exact_match");
    const opts = s.parseOptions({ normalize: "lower" });
    expect(await s.score({ prediction: " Yes", references: ["no", "yes"] }, opts)).toEqual({ exact_match: 1 });
    expect(() => s.parseOptions({ normalise: "lower" })).toThrow(/"normalise"/);
  });

  it("runs rouge against the best reference, with per-type figures", async () => {
    const s = getScorer("rouge");
    const opts = s.parseOptions({ rouge_types: ["rouge1", "rougeL"], use_stemmer: true });
    const out = await s.score({ prediction: "the cats sat", references: ["a dog", "the cat sat down"] }, opts);
    const ref = rougeScore("the cat sat down", "the cats sat", { rougeTypes: ["rouge1", "rougeL"], useStemmer: true });
    expect(out).toEqual({
      rouge1_precision: ref.rouge1!.precision,
      rouge1_recall: ref.rouge1!.recall,
      rouge1_fmeasure: ref.rouge1!.fmeasure,
      rougeL_precision: ref.rougeL!.precision,
      rougeL_recall: ref.rougeL!.recall,
      rougeL_fmeasure: ref.rougeL!.fmeasure,
    });
    expect(await s.score({ prediction: "x", references: [] }, opts)).toMatchObject({ rouge1_fmeasure: 0 });
    expect(() => s.parseOptions({ rouge_types: ["rougen"] })).toThrow(/rougen/);
  });

  it("registers a custom (async) scorer and refuses a duplicate name unless replacing", async () => {
    const length: Scorer<{ unit: "chars" | "words" }> = {
      name: "test_length",
      parseOptions: (raw) => ({ unit: (raw as { unit?: "chars" | "words" } | undefined)?.unit ?? "chars" }),
      score: async (item, o) => ({ length: o.unit === "chars" ? item.prediction.length : item.prediction.split(/\s+/).length }),
    };
    registerScorer(length);
    expect(() => registerScorer(length)).toThrow(/already registered/);
    registerScorer(length, { replace: true });
    const s = getScorer("test_length");
    expect(await s.score({ prediction: "a bc", references: [], metadata: { k: 1 } }, s.parseOptions({ unit: "words" }))).toEqual({
      length: 2,
    });
  });
});
