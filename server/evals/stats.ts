/**
 * Statistics for eval runs: bootstrap confidence intervals of a mean, and a paired bootstrap test
 * between two runs over the same items. Seeded (mulberry32), so a run's figures are reproducible.
 */

import { mulberry32 } from "../core/random";

/** Re-exported from server/core/random.ts: eval statistics and their tests take it from here. */
export { mulberry32 };

const mean = (xs: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i] as number;
  return xs.length ? s / xs.length : Number.NaN;
};

/** Percentile (0..1) of sorted values, linear between ranks (numpy's default). */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (!sorted.length) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

export interface BootstrapOptions {
  iterations?: number;
  /** two-sided confidence level, e.g. 0.95 */
  confidence?: number;
  seed?: number;
}

export interface Interval {
  mean: number;
  low: number;
  high: number;
  n: number;
}

/** Mean with a percentile bootstrap interval (resampling items with replacement). */
export function bootstrapMean(values: readonly number[], opts: BootstrapOptions = {}): Interval {
  const { iterations = 1000, confidence = 0.95, seed = 1 } = opts;
  const n = values.length;
  if (!n) return { mean: Number.NaN, low: Number.NaN, high: Number.NaN, n: 0 };
  const rand = mulberry32(seed);
  const means = new Float64Array(iterations);
  for (let b = 0; b < iterations; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[Math.floor(rand() * n)] as number;
    means[b] = s / n;
  }
  means.sort();
  const alpha = (1 - confidence) / 2;
  return { mean: mean(values), low: percentile(means, alpha), high: percentile(means, 1 - alpha), n };
}

export interface PairedResult extends Interval {
  /** mean of b - a */
  wins: number;
  losses: number;
  ties: number;
  /** two-sided bootstrap p-value of "no difference" */
  pValue: number;
}

/**
 * Paired bootstrap of run B against run A over the same items: the mean difference (B - A) with its
 * interval, wins/losses/ties per item, and a two-sided p-value (twice the share of resampled mean
 * differences on the other side of zero, at most 1).
 */
export function pairedBootstrap(
  a: readonly number[],
  b: readonly number[],
  opts: BootstrapOptions & { tieTolerance?: number } = {},
): PairedResult {
  if (a.length !== b.length) throw new Error(`paired runs need the same items: ${a.length} vs ${b.length}`);
  const diffs = a.map((x, i) => (b[i] as number) - x);
  const tol = opts.tieTolerance ?? 1e-12;
  const ci = bootstrapMean(diffs, opts);
  const { iterations = 1000, seed = 1 } = opts;
  const n = diffs.length;
  let other = 0;
  if (n) {
    const rand = mulberry32(seed + 1);
    for (let r = 0; r < iterations; r++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += diffs[Math.floor(rand() * n)] as number;
      const m = s / n;
      if (ci.mean > 0 ? m <= 0 : ci.mean < 0 ? m >= 0 : true) other++;
    }
  }
  return {
    ...ci,
    wins: diffs.filter((d) => d > tol).length,
    losses: diffs.filter((d) => d < -tol).length,
    ties: diffs.filter((d) => Math.abs(d) <= tol).length,
    pValue: n ? Math.min(1, (2 * other) / iterations) : Number.NaN,
  };
}
