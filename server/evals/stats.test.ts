import { describe, expect, it } from "vitest";
import { bootstrapMean, mulberry32, pairedBootstrap, percentile } from "./stats";

describe("eval statistics", () => {
  it("is reproducible for a seed", () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
  });

  it("interpolates percentiles like numpy", () => {
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(percentile([10], 0.95)).toBe(10);
  });

  it("brackets the mean with a bootstrap interval that narrows with more items", () => {
    const rand = mulberry32(7);
    const small = Array.from({ length: 50 }, () => rand());
    const big = Array.from({ length: 2000 }, () => rand());
    const s = bootstrapMean(small, { seed: 3 });
    const bigCi = bootstrapMean(big, { seed: 3 });
    expect(s.low).toBeLessThan(s.mean);
    expect(s.high).toBeGreaterThan(s.mean);
    expect(bigCi.high - bigCi.low).toBeLessThan(s.high - s.low);
    expect(bigCi.mean).toBeGreaterThan(bigCi.low);
    // the mean of uniform(0,1) draws: the 95% interval of 2,000 holds 0.5
    expect(bigCi.low).toBeLessThan(0.5);
    expect(bigCi.high).toBeGreaterThan(0.5);
  });

  it("tells a real improvement from noise in a paired comparison", () => {
    const rand = mulberry32(11);
    const a = Array.from({ length: 300 }, () => rand());
    const better = a.map((x) => x + 0.05 + (rand() - 0.5) * 0.02);
    const noise = a.map((x) => x + (rand() - 0.5) * 0.02);
    const up = pairedBootstrap(a, better);
    expect(up.mean).toBeGreaterThan(0.04);
    expect(up.pValue).toBeLessThan(0.01);
    expect(up.wins).toBe(300);
    const same = pairedBootstrap(a, noise);
    expect(same.pValue).toBeGreaterThan(0.05);
    expect(same.wins + same.losses + same.ties).toBe(300);
    expect(() => pairedBootstrap([1], [1, 2])).toThrow("paired runs need the same items: 1 vs 2");
  });
});
