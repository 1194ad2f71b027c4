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
  if (!(total > 0 && total < Number.POSITIVE_INFINITY)) throw new Error(`wassersteinDistance: ${what} weights must sum to a positive finite number`);
  return total;
}

function order(values: ArrayLike<number>): Uint32Array {
  const idx = new Uint32Array(values.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  return idx.sort((x, y) => values[x]! - values[y]!);
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
 * The distance between two distributions given as values sorted ascending (through `ui`/`vi`, or in
 * order where those are null) with weights (1 each where null) totalling uTotal and vTotal.
 */
function sortedDistance(
  u: ArrayLike<number>,
  ui: Uint32Array | null,
  uw: ArrayLike<number> | null,
  uTotal: number,
  v: ArrayLike<number>,
  vi: Uint32Array | null,
  vw: ArrayLike<number> | null,
  vTotal: number,
): number {
  const ua = (k: number) => (ui ? ui[k]! : k);
  const va = (k: number) => (vi ? vi[k]! : k);
  let i = 0;
  let j = 0;
  let uCum = 0;
  let vCum = 0;
  let prev = 0;
  let total = 0;
  let first = true;
  while (i < u.length || j < v.length) {
    const x = j >= v.length || (i < u.length && u[ua(i)]! <= v[va(j)]!) ? u[ua(i)]! : v[va(j)]!;
    // the CDFs' difference holds on [prev, x)
    if (!first) total += Math.abs(uCum / uTotal - vCum / vTotal) * (x - prev);
    first = false;
    for (; i < u.length && u[ua(i)] === x; i++) uCum += uw ? uw[ua(i)]! : 1;
    for (; j < v.length && v[va(j)] === x; j++) vCum += vw ? vw[va(j)]! : 1;
    prev = x;
  }
  return total;
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
  return sortedDistance(u, order(u), uWeights, uTotal, v, order(v), vWeights, vTotal);
}

/** The distance between two column summaries (values already sorted; counts as weights). */
export function wassersteinSummary(reference: NumericSummary, current: NumericSummary): number {
  const uTotal = validate(reference.values, reference.counts, "reference");
  const vTotal = validate(current.values, current.counts, "current");
  return sortedDistance(reference.values, null, reference.counts, uTotal, current.values, null, current.counts, vTotal);
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
