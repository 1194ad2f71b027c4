import { describe, expect, it } from "vitest";
import { close, fixture } from "./fixture.test-util";
import { numericSummary } from "./summary";
import { summaryStd, wassersteinDistance, wassersteinSummary, weightedWassersteinDistance } from "./wasserstein";

describe("wassersteinDistance", () => {
  it("equals scipy.stats.wasserstein_distance, unweighted and weighted", () => {
    for (const c of fixture.wasserstein_distance) {
      const got = c.uw ? weightedWassersteinDistance(c.u, c.uw, c.v, c.vw) : wassersteinDistance(c.u, c.v);
      close(got, c.value, `n=${c.u.length} m=${c.v.length}${c.uw ? " weighted" : ""}`, false);
    }
  });

  it("takes typed arrays and summaries alike", () => {
    const u = [3, 1, 2, 2, 5];
    const v = [4, 4, 0.5];
    const want = wassersteinDistance(u, v);
    expect(wassersteinDistance(Float64Array.from(u), Float64Array.from(v))).toBe(want);
    close(wassersteinSummary(numericSummary(u), numericSummary(v)), want, "summary", false);
    expect(wassersteinDistance([1, 2], [1, 2])).toBe(0);
    close(wassersteinDistance([0], [3]), 3, "points");
  });

  it("follows scipy on bad and non-finite input", () => {
    expect(() => wassersteinDistance([], [1])).toThrow(/empty/);
    expect(() => weightedWassersteinDistance([1, 2], [1, -1], [1], null)).toThrow(/non-negative/);
    expect(() => weightedWassersteinDistance([1, 2], [0, 0], [1], null)).toThrow(/positive finite/);
    expect(() => weightedWassersteinDistance([1, 2], [1], [1], null)).toThrow(/differ in length/);
    expect(wassersteinDistance([1, Number.NaN], [1])).toBeNaN();
    expect(wassersteinDistance([0, 1], [0, Number.POSITIVE_INFINITY])).toBe(Number.POSITIVE_INFINITY);
    expect(wassersteinDistance([0, Number.POSITIVE_INFINITY], [Number.POSITIVE_INFINITY, 1])).toBeNaN();
  });

  it("summaryStd is numpy.std (population)", () => {
    close(summaryStd(numericSummary([1, 2, 3, 4])), Math.sqrt(1.25), "std");
    expect(summaryStd(numericSummary([7, 7, 7]))).toBe(0);
  });
});
