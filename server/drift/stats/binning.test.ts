import { describe, expect, it } from "vitest";
import { binnedShares, fillZeroShares, histogramCounts, linspace, sturgesEdges } from "./binning";
import { close, expand, fixture, summaryOf } from "./fixture.test-util";
import { numericSummary } from "./summary";

describe("Sturges bins (numpy.histogram_bin_edges 'sturges' and numpy.histogram)", () => {
  it("equals numpy's edges and counts, sizes 1 .. 40,000 (1024 and 2048 values included)", () => {
    for (const c of fixture.sturges) {
      const a = summaryOf(c.a);
      const b = summaryOf(c.b);
      const n = expand(c.a).length + expand(c.b).length;
      const lo = Math.min(a.values[0]!, b.values[0]!);
      const hi = Math.max(a.values[a.values.length - 1]!, b.values[b.values.length - 1]!);
      const edges = sturgesEdges(lo, hi, n);
      expect(edges.length, `bins for ${n} values`).toBe(c.edges.length);
      for (const [i, e] of edges.entries()) close(e, c.edges[i], `edge ${i} of ${n}`, false);
      expect(Array.from(histogramCounts(a, edges))).toEqual(c.a_counts);
      expect(Array.from(histogramCounts(b, edges))).toEqual(c.b_counts);
    }
  });

  it("closes the last bin on the right only", () => {
    const edges = linspace(0, 3, 4);
    expect(Array.from(edges)).toEqual([0, 1, 2, 3]);
    expect(Array.from(histogramCounts(numericSummary([0, 1, 1.5, 2, 3, 3, -1, 4]), edges))).toEqual([1, 2, 3]);
  });
});

describe("Evidently's get_binned_data", () => {
  it("equals Evidently's shares with and without the empty-bin replacement", () => {
    for (const c of fixture.binned) {
      const col = { type: "numerical" as const, reference: summaryOf(c.reference), current: summaryOf(c.current) };
      for (const [fill, want] of [
        [true, c.filled],
        [false, c.plain],
      ] as const) {
        const got = binnedShares(col, fill);
        expect(got.reference.length).toBe(want.reference.length);
        for (const [i, s] of got.reference.entries()) close(s, want.reference[i], `reference share ${i} fill=${fill}`, false);
        for (const [i, s] of got.current.entries()) close(s, want.current[i], `current share ${i} fill=${fill}`, false);
      }
    }
  });

  it("replaces zeros by 0.0001, or by the smallest share / 10^6 when that is at most 0.0001", () => {
    expect(Array.from(fillZeroShares(Float64Array.of(0.5, 0, 0.5)))).toEqual([0.5, 0.0001, 0.5]);
    expect(Array.from(fillZeroShares(Float64Array.of(0.99995, 0, 0.00005)))).toEqual([0.99995, 0.00005 / 10 ** 6, 0.00005]);
    expect(() => fillZeroShares(Float64Array.of(0, 0))).toThrow(/every share/);
  });

  it("compares categories over the union of both windows", () => {
    const got = binnedShares(
      {
        type: "categorical",
        reference: new Map([
          ["a", 3],
          ["b", 1],
        ]),
        current: new Map([
          ["b", 2],
          ["c", 2],
        ]),
      },
      false,
    );
    expect(got.keys).toEqual(["a", "b", "c"]);
    expect(Array.from(got.reference)).toEqual([0.75, 0.25, 0]);
    expect(Array.from(got.current)).toEqual([0, 0.5, 0.5]);
  });
});
