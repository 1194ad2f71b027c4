import type { NumericSummary } from "./summary";

/**
 * 1-D Wasserstein (earth mover's) distance, as scipy.stats.wasserstein_distance: the integral of
 * |U(x) - V(x)| over x, U and V the (weighted) empirical CDFs.
 */

function validate(values: ArrayLike<number>, weights: ArrayLike<number> | null, what: string): number {
  if (values.length === 0) throw new Error(`wassersteinDistance: the ${what} distribution is empty`);
  if (!weights) return values.length;
  if (weights.length !== values.length) throw new Error(`wassersteinDistance: ${what} values and weights differ in length`);
  let total = 0;
  for (let i = 0; i < weights.length; i++) {
    if (weights[i]! < 0) throw new Error(`wassersteinDistance: ${what} weights must be non-negative`);
    total += weights[i]!;
  }
  if (!(total > 0 && total < Number.POSITIVE_INFINITY))
    throw new Error(`wassersteinDistance: ${what} weights must sum to a positive finite number`);
  return total;
}

/** scipy's result where a value is not finite: NaN poisons it, as do two equal infinities (∞ - ∞ between them). */
function nonFinite(u: ArrayLike<number>, v: ArrayLike<number>): number | null {
  let pos = 0;
  let neg = 0;
  for (const xs of [u, v])
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i]!;
      if (Number.isNaN(x)) return Number.NaN;
      if (x === Number.POSITIVE_INFINITY) pos++;
      else if (x === Number.NEGATIVE_INFINITY) neg++;
    }
  return pos > 1 || neg > 1 ? Number.NaN : null;
}

/**
 * The distance between two distributions given as values sorted ascending with weights (null: 1
 * each) totalling uTotal and vTotal: one merged walk over the distinct values.
 */
function sortedDistance(
  u: ArrayLike<number>,
  uw: ArrayLike<number> | null,
  uTotal: number,
  v: ArrayLike<number>,
  vw: ArrayLike<number> | null,
  vTotal: number,
): number {
  const nu = u.length;
  const nv = v.length;
  let i = 0;
  let j = 0;
  let uCum = 0;
  let vCum = 0;
  let prev = 0;
  let total = 0;
  while (i < nu || j < nv) {
    const a = i < nu ? u[i]! : Number.NaN;
    const b = j < nv ? v[j]! : Number.NaN;
    const x = j >= nv || (i < nu && a <= b) ? a : b;
    // the CDFs' difference holds on [prev, x)
    if (i > 0 || j > 0) total += Math.abs(uCum / uTotal - vCum / vTotal) * (x - prev);
    for (; i < nu && u[i] === x; i++) uCum += uw ? uw[i]! : 1;
    for (; j < nv && v[j] === x; j++) vCum += vw ? vw[j]! : 1;
    prev = x;
  }
  return total;
}

/** Values (and weights) in ascending order of value. */
function sorted(values: ArrayLike<number>, weights: ArrayLike<number> | null): [Float64Array, Float64Array | null] {
  const idx = new Uint32Array(values.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  idx.sort((x, y) => values[x]! - values[y]!);
  return [Float64Array.from(idx, (k) => values[k]!), weights ? Float64Array.from(idx, (k) => weights[k]!) : null];
}

/** scipy.stats.wasserstein_distance(u, v). */
export function wassersteinDistance(u: ArrayLike<number>, v: ArrayLike<number>): number {
  return weightedWassersteinDistance(u, null, v, null);
}

/** scipy.stats.wasserstein_distance(u, v, uWeights, vWeights); null weights count each value once. Values need not be sorted. */
export function weightedWassersteinDistance(
  u: ArrayLike<number>,
  uWeights: ArrayLike<number> | null,
  v: ArrayLike<number>,
  vWeights: ArrayLike<number> | null,
): number {
  const uTotal = validate(u, uWeights, "first");
  const vTotal = validate(v, vWeights, "second");
  const bad = nonFinite(u, v);
  if (bad !== null) return bad;
  const [su, suw] = sorted(u, uWeights);
  const [sv, svw] = sorted(v, vWeights);
  return sortedDistance(su, suw, uTotal, sv, svw, vTotal);
}

/** The distance between two column summaries (values already sorted; counts as weights). */
export function wassersteinSummary(reference: NumericSummary, current: NumericSummary): number {
  const uTotal = validate(reference.values, reference.counts, "reference");
  const vTotal = validate(current.values, current.counts, "current");
  return sortedDistance(reference.values, reference.counts, uTotal, current.values, current.counts, vTotal);
}

/** Population standard deviation (numpy.std, ddof 0) of a summary, two-pass as numpy computes it. */
export function summaryStd(s: NumericSummary): number {
  let n = 0;
  let sum = 0;
  for (let i = 0; i < s.values.length; i++) {
    n += s.counts[i]!;
    sum += s.values[i]! * s.counts[i]!;
  }
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < s.values.length; i++) ss += s.counts[i]! * (s.values[i]! - mean) ** 2;
  return Math.sqrt(ss / n);
}
