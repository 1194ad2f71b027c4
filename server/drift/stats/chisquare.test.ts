import { describe, expect, it } from "vitest";
import { chi2Contingency, chisquare } from "./chisquare";
import { close, fixture } from "./fixture.test-util";

describe("chisquare", () => {
  it("equals scipy.stats.chisquare (random, zero cells, an expected 0 with counts → Infinity, one category)", () => {
    for (const c of fixture.chisquare) {
      const res = chisquare(c.observed, c.expected);
      close(res.statistic, c.statistic, `statistic ${JSON.stringify(c.observed)}`, false);
      close(res.pvalue, c.pvalue, `pvalue ${JSON.stringify(c.observed)}`, false);
    }
  });

  it("refuses sums that differ beyond scipy's tolerance, naming both sums", () => {
    for (const c of fixture.chisquare_errors) expect(() => chisquare(c.observed, c.expected)).toThrow(/sum of the observed frequencies/);
    expect(() => chisquare([1, 2], [3])).toThrow(/differ in length/);
    // within sqrt(eps): accepted as scipy does
    expect(chisquare([10, 20], [10, 20 + 1e-8]).pvalue).toBeGreaterThan(0.99);
  });
});

describe("chi2Contingency", () => {
  it("equals scipy.stats.chi2_contingency (Yates for dof 1, larger tables, degenerate dof 0)", () => {
    for (const c of fixture.chi2_contingency) {
      const res = chi2Contingency(c.table);
      expect(res.dof, JSON.stringify(c.table)).toBe(c.dof);
      close(res.statistic, c.statistic, `statistic ${JSON.stringify(c.table)}`, false);
      close(res.pvalue, c.pvalue, `pvalue ${JSON.stringify(c.table)}`, false);
    }
  });

  it("refuses negative counts, a zero expected cell and ragged or empty tables", () => {
    expect(() =>
      chi2Contingency([
        [1, -1],
        [2, 3],
      ]),
    ).toThrow(/non-negative/);
    expect(() =>
      chi2Contingency([
        [0, 0],
        [2, 3],
      ]),
    ).toThrow(/zero element at \(0, 0\)/);
    expect(() => chi2Contingency([[1, 2], [3]])).toThrow(/rows differ/);
    expect(() => chi2Contingency([])).toThrow(/empty/);
  });
});
