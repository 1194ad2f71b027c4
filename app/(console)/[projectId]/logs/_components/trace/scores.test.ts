import { describe, expect, it } from "vitest";
import { type ScoreRating, summarizeScores } from "./scores";

const r = (name: string, dataType: ScoreRating["dataType"], value: number | null, stringValue: string | null = null): ScoreRating => ({
  name,
  dataType,
  value,
  stringValue,
});

describe("summarizeScores", () => {
  it("keeps each score apart, in its own terms", () => {
    const ratings = [
      r("user-feedback", "boolean", 1),
      r("user-feedback", "boolean", 0),
      r("user-feedback", "boolean", 1),
      r("stars", "numeric", 4),
      r("stars", "numeric", 5),
      r("tone", "categorical", 0, "rude"),
      r("tone", "categorical", 1, "friendly"),
      r("tone", "categorical", 1, "friendly"),
      r("notes", "text", null, "ok"),
    ];
    const scales = [
      { name: "stars", min: 1, max: 5, categories: null },
      {
        name: "tone",
        min: null,
        max: null,
        categories: [
          { label: "friendly", value: 1 },
          { label: "rude", value: 0 },
        ],
      },
    ];
    const out = summarizeScores(ratings, scales);
    expect(out.map((s) => [s.name, s.text])).toEqual([
      ["notes", "1 note"],
      ["stars", "4.5 / 5 (2)"],
      ["tone", "friendly 2 · rude 1"],
      ["user-feedback", "2 up · 1 down (67% up)"],
    ]);
    expect(out.find((s) => s.name === "stars")).toMatchObject({ low: 4, high: 5, count: 2 });
  });

  it("shows a mean without a scale where the score has no maximum, and rounds it", () => {
    const out = summarizeScores([r("latency-ok", "numeric", 1), r("latency-ok", "numeric", 2), r("latency-ok", "numeric", 2)], []);
    expect(out[0]?.text).toBe("1.67 (3)");
  });

  it("is empty without ratings", () => {
    expect(summarizeScores([], [])).toEqual([]);
  });
});
