import { describe, expect, it } from "vitest";
import { embedInBatches, featureMatrix, featureSpec, featureVector, TEXT_FEATURES, textFeatures } from "./features";

describe("prompt features", () => {
  it("computes the text features", () => {
    const f = textFeatures("Why does f(x) = 2x? Show it. THEN stop");
    const named = Object.fromEntries(TEXT_FEATURES.map((n, i) => [n, f[i]]));
    const chars = 38;
    expect(named.log_chars).toBeCloseTo(Math.log1p(chars), 12);
    expect(named.log_words).toBeCloseTo(Math.log1p(9), 12);
    expect(named.digit_share).toBeCloseTo(1 / chars, 12);
    expect(named.question_mark).toBe(1);
    expect(named.code_share).toBeCloseTo(3 / chars, 12); // ( ) =
    expect(named.upper_share).toBeCloseTo(6 / 24, 12); // W S T H E N of 24 letters
    expect(named.sentences).toBe(3); // "?", "." and the unterminated "THEN stop"
    expect(textFeatures("One. Two!")[6]).toBe(2);
    expect(textFeatures("")).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });

  it("puts the embedding first and checks its size", () => {
    const spec = featureSpec({ model: "m", dim: 2 });
    expect(featureVector(spec, "hi", [0.5, -0.5])).toEqual([0.5, -0.5, ...textFeatures("hi")]);
    expect(() => featureVector(spec, "hi", [1])).toThrow("needs a 2-dimensional m embedding, got 1");
    expect(featureVector(featureSpec(null), "hi")).toEqual(textFeatures("hi"));
  });

  it("embeds in batches, in order", async () => {
    const calls: number[] = [];
    const embed = async (texts: string[]) => {
      calls.push(texts.length);
      return texts.map((t) => [t.length, 1]);
    };
    const texts = ["a", "bb", "ccc", "dddd", "eeeee"];
    expect(await embedInBatches(embed, texts, 2)).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 1],
      [5, 1],
    ]);
    expect(calls).toEqual([2, 2, 1]);
    const X = await featureMatrix(featureSpec({ model: "len", dim: 2 }), texts, embed, 64);
    expect(X[2]?.slice(0, 2)).toEqual([3, 1]);
    await expect(featureMatrix(featureSpec({ model: "len", dim: 2 }), texts)).rejects.toThrow("no embedding function");
  });
});
