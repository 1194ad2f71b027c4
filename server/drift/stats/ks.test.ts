import { describe, expect, it } from "vitest";
import { close, expand, fixture, summaryOf } from "./fixture.test-util";
import { type KsMethod, ks2samp, ks2sampFromStatistic, ks2sampWeighted } from "./ks";
import { numericSummary } from "./summary";

interface Case {
  a: number[];
  b: number[];
  method: KsMethod;
  statistic: number;
  pvalue: number;
  note: string;
}

describe("ks2samp", () => {
  it("equals scipy.stats.ks_2samp on small samples (exact, with and without ties, unequal sizes, disjoint, identical)", () => {
    for (const c of fixture.ks_2samp as Case[]) {
      const res = ks2samp(c.a, c.b, c.method);
      close(res.statistic, c.statistic, `${c.note} statistic`, false);
      close(res.pvalue, c.pvalue, `${c.note} pvalue (${c.method})`, false);
    }
    expect(fixture.ks_2samp.length).toBeGreaterThan(40);
  });

  it("the weighted form on summaries equals ks2samp on the samples", () => {
    for (const c of (fixture.ks_2samp as Case[]).slice(0, 30)) {
      const res = ks2sampWeighted(numericSummary(c.a), numericSummary(c.b), c.method);
      close(res.pvalue, c.pvalue, `${c.note} weighted`, false);
    }
  });

  it("equals scipy on large samples given as summaries (auto turns asymptotic past 10,000)", () => {
    for (const c of fixture.ks_2samp_summary) {
      const res = ks2sampWeighted(summaryOf(c.a), summaryOf(c.b), c.method);
      close(res.statistic, c.statistic, "statistic", false);
      close(res.pvalue, c.pvalue, `pvalue n=${expand(c.a).length}`, false);
    }
  });

  it("ks2sampFromStatistic follows scipy's method choice and fallbacks, sizes 7 .. 4,000,000", () => {
    for (const c of fixture.ks_from_statistic) {
      const res = ks2sampFromStatistic(c.d, c.n, c.m, c.method);
      const label = `d=${c.d} n=${c.n} m=${c.m} ${c.method}`;
      close(res.statistic, c.statistic, `${label} statistic`, false);
      close(res.pvalue, c.pvalue, label, false);
    }
  }, 60_000);

  it("rejects what scipy rejects, and propagates NaN", () => {
    expect(() => ks2samp([], [1])).toThrow(/empty/);
    expect(() => ks2sampFromStatistic(0.1, 0, 5)).toThrow(/positive integers/);
    expect(() => ks2samp([1], [2], "nope" as KsMethod)).toThrow(/method/);
    expect(ks2samp([1, Number.NaN], [2]).pvalue).toBeNaN();
    expect(() => ks2sampWeighted({ values: Float64Array.of(1), counts: Float64Array.of(0.5) }, numericSummary([1]))).toThrow(/integers/);
  });

  it("stays fast on 1,000,000-row windows compressed into summaries", () => {
    const vals = (shift: number, n: number) => {
      let seed = 7;
      const rand = () => {
        seed = (seed * 16807) % 2147483647;
        return seed / 2147483647;
      };
      return Array.from(
        { length: n },
        () => Math.round((Math.sqrt(-2 * Math.log(rand())) * Math.cos(2 * Math.PI * rand()) + shift) * 1000) / 1000,
      );
    };
    const a = numericSummary(vals(0, 1_000_000));
    const b = numericSummary(vals(0.001, 1_000_000));
    const t0 = performance.now();
    const res = ks2sampWeighted(a, b);
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(res.pvalue).toBeGreaterThanOrEqual(0);
    expect(res.pvalue).toBeLessThanOrEqual(1);
  }, 60_000);
});
