import { describe, expect, it } from "vitest";
import { bucketOf, GROWTH, merge, quantile } from "./latency-hist";

describe("latency histograms", () => {
  it("puts a latency in the bucket whose bounds hold it", () => {
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(1)).toBe(1);
    for (const ms of [2, 17, 200, 999, 12_345, 99_999]) {
      const b = bucketOf(ms);
      expect(GROWTH ** (b - 1)).toBeLessThan(ms + 1e-9);
      expect(ms).toBeLessThanOrEqual(GROWTH ** b + 1e-9);
    }
    expect(bucketOf(1e12)).toBe(255);
  });

  it("estimates percentiles within 2.5% after merging", () => {
    const xs = Array.from({ length: 10_000 }, (_, i) => 10 + ((i * 7919) % 5000));
    const h1 = {};
    const h2 = {};
    for (const [i, x] of xs.entries()) merge(i % 2 ? h1 : h2, { [bucketOf(x)]: 1 });
    const h = merge(merge({}, h1), h2);
    const sorted = [...xs].sort((a, b) => a - b);
    for (const q of [0.5, 0.95, 0.99]) {
      const exact = sorted[Math.ceil(q * sorted.length) - 1] as number;
      const est = quantile(h, q) as number;
      expect(Math.abs(est - exact) / exact).toBeLessThan(0.025);
    }
    expect(quantile({}, 0.5)).toBeNull();
  });
});
