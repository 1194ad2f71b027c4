import { describe, expect, it } from "vitest";
import { categoricalSummary, compareCodePoints, numericSummary, numericTotal } from "./summary";

describe("column summaries", () => {
  it("numericSummary sorts, merges equal values and counts what it leaves out", () => {
    const s = numericSummary([3, null, 1, Number.NaN, 3, -0, 0, Number.POSITIVE_INFINITY, 2.5, Number.NEGATIVE_INFINITY]);
    expect(Array.from(s.values)).toEqual([0, 1, 2.5, 3]);
    expect(Array.from(s.counts)).toEqual([2, 1, 1, 2]);
    expect(s.missing).toBe(1);
    expect(s.dropped).toBe(3);
    expect(numericTotal(s, "x")).toBe(6);
  });

  it("categoricalSummary counts categories by their string form", () => {
    const s = categoricalSummary(["a", 1, "1", true, null, "a"]);
    expect([...s]).toEqual([
      ["a", 2],
      ["1", 2],
      ["true", 1],
    ]);
  });

  it("numericTotal checks a summary's invariants", () => {
    expect(() => numericTotal({ values: Float64Array.of(2, 1), counts: Float64Array.of(1, 1) }, "reference")).toThrow(/sorted/);
    expect(() => numericTotal({ values: Float64Array.of(1), counts: Float64Array.of(1, 1) }, "reference")).toThrow(/length/);
    expect(() => numericTotal({ values: Float64Array.of(Number.NaN), counts: Float64Array.of(1) }, "reference")).toThrow(/finite/);
  });

  it("orders strings by code point, as Python's sorted()", () => {
    expect(["b", "a", "\u{1F600}", "\uFFFF", "B"].sort(compareCodePoints)).toEqual(["B", "a", "b", "\uFFFF", "\u{1F600}"]);
  });

  it("summarises a million values quickly", () => {
    const xs = Array.from({ length: 1_000_000 }, (_, i) => (i * 7919) % 1000);
    const t0 = performance.now();
    const s = numericSummary(xs);
    expect(s.values.length).toBe(1000);
    expect(performance.now() - t0).toBeLessThan(10_000);
  });
});
