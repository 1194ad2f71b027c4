import { describe, expect, it } from "vitest";
import { type ColumnDriftInput, columnDrift, defaultStattest, type Stattest } from "./column";
import { close, expand, fixture, summaryOf } from "./fixture.test-util";
import { categoricalSummary, numericSummary } from "./summary";

const input = (c: any): ColumnDriftInput =>
  c.type === "numerical"
    ? { type: "numerical", reference: summaryOf(c.reference), current: summaryOf(c.current), stattest: c.stattest, threshold: c.threshold }
    : {
        type: "categorical",
        reference: new Map(Object.entries(c.reference as Record<string, number>)),
        current: new Map(Object.entries(c.current as Record<string, number>)),
        stattest: c.stattest,
        threshold: c.threshold,
      };

describe("columnDrift", () => {
  it("equals Evidently's legacy column drift: default test for both reference sizes, each branch, chosen tests and thresholds", () => {
    const seen = new Set<string>();
    for (const c of fixture.columns) {
      const res = columnDrift(input(c));
      const label = `${c.note}: ${c.expected.stattest}`;
      expect(res.stattest, c.note).toBe(c.expected.stattest);
      close(res.value, c.expected.value, label);
      expect(res.threshold, c.note).toBe(c.expected.threshold);
      expect(res.drift, label).toBe(c.expected.drift);
      if (c.type === "numerical") {
        expect(res.referenceSize).toBe(expand(c.reference).length);
        expect(res.histogram?.edges.length, c.note).toBe(c.histogram.edges.length);
        for (const [i, e] of (res.histogram?.edges ?? []).entries()) close(e, c.histogram.edges[i], `${c.note} edge ${i}`, false);
        expect(res.histogram?.reference).toEqual(c.histogram.reference);
        expect(res.histogram?.current).toEqual(c.histogram.current);
      }
      seen.add(`${c.type}/${res.stattest}/${res.referenceSize > 1000 ? "large" : "small"}/${c.stattest ? "chosen" : "default"}`);
    }
    for (const k of [
      "numerical/ks/small/default",
      "numerical/chisquare/small/default",
      "numerical/z/small/default",
      "categorical/chisquare/small/default",
      "categorical/z/small/default",
      "numerical/wasserstein/large/default",
      "numerical/jensenshannon/large/default",
      "categorical/jensenshannon/large/default",
    ])
      expect(seen, k).toContain(k);
  });

  it("a category new in the current window: expected 0, statistic Infinity, p-value 0, drift", () => {
    const res = columnDrift({
      type: "categorical",
      reference: categoricalSummary(["a", "b", "c", "a"]),
      current: categoricalSummary(["a", "b", "c", "d"]),
    });
    expect(res).toMatchObject({ stattest: "chisquare", value: 0, drift: true, referenceSize: 4, currentSize: 4 });
    expect(res.categories).toEqual([
      { name: "a", reference: 2, current: 1 },
      { name: "b", reference: 1, current: 1 },
      { name: "c", reference: 1, current: 1 },
      { name: "d", reference: 0, current: 1 },
    ]);
  });

  it("chooses Evidently's default test", () => {
    const cases: [ColumnDriftInput["type"], number, number, Stattest][] = [
      ["numerical", 1000, 6, "ks"],
      ["numerical", 1000, 5, "chisquare"],
      ["numerical", 1000, 2, "z"],
      ["categorical", 10, 40, "chisquare"],
      ["categorical", 10, 2, "z"],
      ["numerical", 1001, 6, "wasserstein"],
      ["numerical", 1001, 5, "jensenshannon"],
      ["categorical", 1001, 2, "jensenshannon"],
    ];
    for (const [type, n, distinct, want] of cases) expect(defaultStattest(type, n, distinct), `${type} ${n} ${distinct}`).toBe(want);
  });

  it("throws clear errors for out-of-range thresholds, tests that do not apply and empty windows", () => {
    const num = (stattest?: Stattest, threshold?: number): ColumnDriftInput => ({
      type: "numerical",
      reference: numericSummary([1, 2, 3, 4, 5, 6, 7]),
      current: numericSummary([2, 3, 4, 5, 6, 7, 8]),
      stattest,
      threshold,
    });
    expect(() => columnDrift(num("ks", 0))).toThrow(/threshold must be a p-value level/);
    expect(() => columnDrift(num("chisquare", 1))).toThrow(/threshold/);
    expect(() => columnDrift(num("psi", -0.1))).toThrow(/threshold must be a finite distance/);
    expect(() => columnDrift(num("wasserstein", Number.POSITIVE_INFINITY))).toThrow(/threshold/);
    expect(() => columnDrift(num("nope" as Stattest))).toThrow(/stattest must be one of/);
    expect(() =>
      columnDrift({ type: "categorical", reference: categoricalSummary(["a"]), current: categoricalSummary(["b"]), stattest: "ks" }),
    ).toThrow(/numerical columns only/);
    expect(() => columnDrift({ type: "numerical", reference: numericSummary([]), current: numericSummary([1]) })).toThrow(
      /reference window has no values/,
    );
    expect(() => columnDrift({ type: "numerical", reference: numericSummary([1]), current: numericSummary([null]) })).toThrow(
      /current window/,
    );
    expect(columnDrift(num("psi", 0)).drift).toBe(true);
  });

  it("handles 1,000,000-row windows as summaries, never expanding them", () => {
    const n = 1_000_000;
    const ref = numericSummary(Array.from({ length: n }, (_, i) => ((i * 7919) % 100_000) / 100));
    const cur = numericSummary(Array.from({ length: n }, (_, i) => ((i * 104729) % 100_000) / 100 + 1));
    for (const stattest of ["wasserstein", "ks", "psi", "jensenshannon"] as const) {
      const t0 = performance.now();
      const res = columnDrift({ type: "numerical", reference: ref, current: cur, stattest });
      expect(performance.now() - t0, stattest).toBeLessThan(10_000);
      expect(Number.isFinite(res.value)).toBe(true);
      expect(res.histogram?.reference.reduce((s, x) => s + x, 0)).toBe(n);
    }
  }, 60_000);
});
