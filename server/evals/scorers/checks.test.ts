import { describe, expect, it } from "vitest";
import { closest, compilePattern, cosine, jsonScore, parseJsonAnswer, regexScore } from "./checks";

describe("regex scorer", () => {
  it("scores 1 on a match and 0 otherwise, with the flags given", () => {
    const re = compilePattern("^paris\\b", "i") as RegExp;
    expect(regexScore(re, "Paris is the capital")).toBe(1);
    expect(regexScore(re, "It is Paris")).toBe(0);
    // not stateful: the same answer scores the same twice
    expect(regexScore(re, "paris")).toBe(1);
    expect(regexScore(re, "paris")).toBe(1);
  });

  it("says why a pattern does not compile", () => {
    expect(compilePattern("(unclosed")).toMatch(/Invalid regular expression/);
    expect(compilePattern("a", "q")).toMatch(/flags/i);
  });
});

describe("json scorer", () => {
  it("takes the whole text or a fenced block", () => {
    expect(parseJsonAnswer(' {"a": 1} ')).toEqual({ ok: true, value: { a: 1 } });
    expect(parseJsonAnswer('Here it is:\n```json\n{"a": [1, 2]}\n```\nDone.')).toEqual({ ok: true, value: { a: [1, 2] } });
    expect(parseJsonAnswer('```\n{"b": true}\n```')).toEqual({ ok: true, value: { b: true } });
    expect(parseJsonAnswer("no json here").ok).toBe(false);
    const badFence = parseJsonAnswer("```json\n{a: 1}\n```");
    expect(badFence.ok).toBe(false);
    expect(!badFence.ok && badFence.error).toMatch(/fenced block/);
  });

  it("scores 1 when the JSON holds every required key, 0 saying why otherwise", () => {
    expect(jsonScore('{"name": "x", "age": 3}', ["name", "age"])).toEqual({ score: 1 });
    expect(jsonScore("[1, 2]")).toEqual({ score: 1 });
    expect(jsonScore('{"name": "x"}', ["name", "age", "city"])).toEqual({
      score: 0,
      reason: "missing keys: age, city",
      missing: ["age", "city"],
    });
    expect(jsonScore("[1]", ["a"]).reason).toMatch(/array, not an object/);
    expect(jsonScore("null", ["a"]).reason).toMatch(/null/);
    expect(jsonScore("{oops").reason).toMatch(/^not JSON/);
    // inherited properties are not keys of the answer
    expect(jsonScore("{}", ["toString"]).score).toBe(0);
  });
});

describe("cosine", () => {
  it("is 1 for the same direction, 0 for orthogonal, -1 for opposite, 0 against a zero vector", () => {
    expect(cosine([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(cosine([1, 0], [0, 5])).toBe(0);
    expect(cosine([1, 1], [-1, -1])).toBeCloseTo(-1, 12);
    expect(cosine([0, 0], [1, 2])).toBe(0);
    expect(cosine([3, 4], [4, 3])).toBeCloseTo(24 / 25, 12);
    expect(() => cosine([1], [1, 2])).toThrow(/different lengths/);
  });

  it("picks the closest reference", () => {
    expect(
      closest(
        [1, 0],
        [
          [0, 1],
          [1, 0.1],
          [-1, 0],
        ],
      ),
    ).toEqual({ index: 1, cosine: cosine([1, 0], [1, 0.1]) });
    expect(closest([1, 0], [])).toBeNull();
  });
});
