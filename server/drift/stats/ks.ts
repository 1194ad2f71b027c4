import { kstwoSf } from "./kolmogorov";
import type { NumericSummary } from "./summary";

/**
 * Two-sample Kolmogorov-Smirnov test, two-sided, as scipy.stats.ks_2samp (1.17): method "auto" is
 * exact when both samples have at most 10,000 values (ties or not), else asymptotic; "exact" falls
 * back to the asymptotic p-value where lcm(n, m) is too large or the exact computation leaves [0, 1].
 * The exact p-values count lattice paths (Hodges 1958; the complement computed directly, after
 * Viehmann 2021); the asymptotic one is P(D_en > d) of the one-sample statistic with
 * en = round(nm/(n+m)) (kstwo), which is what scipy uses for two-sided tests.
 */

export type KsMethod = "auto" | "exact" | "asymp";

export interface TestResult {
  statistic: number;
  pvalue: number;
}

const MAX_AUTO_N = 10000;
const INT32_MAX = 2147483647;

const gcd = (a: number, b: number): number => {
  let x = a;
  let y = b;
  while (y) [x, y] = [y, x % y];
  return x;
};

/** numpy's round: half to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** P(D_{n,n} >= h/n) for equal sizes: 2 Σ_k (-1)^(k+1) C(2n, n-kh)/C(2n, n), Horner-like from the inside. */
function probOutsideSquare(n: number, h: number): number {
  let P = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1 - P);
  }
  return 2 * P;
}

/**
 * 1 - (share of the lattice paths from (0,0) to (m,n) that stay strictly inside |x/m - y/n| < h/lcm),
 * one column at a time over a sliding window, computing the complement directly (no 1 - p at the end).
 */
function probOutsideInside(mIn: number, nIn: number, g: number, h: number): number {
  const m = Math.max(mIn, nIn);
  const n = Math.min(mIn, nIn);
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  A.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (A[jj + minj - lastminj]! * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) A.fill(1, maxj - minj, maxj - minj + (lastlen - curlen));
  }
  return A[maxj - minj - 1]!;
}

/** The exact two-sided p-value, or null where scipy gives up on it (then the asymptotic one applies). */
function exactPvalue(n1: number, n2: number, g: number, h: number): number | null {
  const prob = n1 === n2 ? probOutsideSquare(n1, h) : probOutsideInside(n1, n2, g, h);
  return prob >= 0 && prob <= 1 ? prob : null;
}

/**
 * The p-value of a two-sided statistic d of samples of sizes n and m (positive integers), with
 * scipy's choice of method; `statistic` is d as scipy reports it (rounded to a multiple of
 * 1/lcm(n, m) where the exact method was tried).
 */
export function ks2sampFromStatistic(d: number, n: number, m: number, method: KsMethod = "auto"): TestResult {
  if (!Number.isInteger(n) || !Number.isInteger(m) || n < 1 || m < 1) throw new Error("ks2samp: sample sizes must be positive integers");
  if (method !== "auto" && method !== "exact" && method !== "asymp") throw new Error(`ks2samp: unknown method ${String(method)}`);
  if (Number.isNaN(d)) return { statistic: Number.NaN, pvalue: Number.NaN };
  const g = gcd(n, m);
  const n1g = n / g;
  const n2g = m / g;
  let mode = method;
  let stat = d;
  let prob = Number.NaN;
  if (mode === "auto") mode = Math.max(n, m) <= MAX_AUTO_N ? "exact" : "asymp";
  else if (mode === "exact" && n1g >= INT32_MAX / n2g) mode = "asymp";
  if (mode === "exact") {
    const lcm = n1g * m;
    const h = roundHalfEven(d * lcm);
    stat = h / lcm;
    if (h === 0) return { statistic: stat, pvalue: 1 };
    const p = exactPvalue(n, m, g, h);
    if (p === null) mode = "asymp";
    else prob = p;
  }
  if (mode === "asymp") {
    const big = Math.max(n, m);
    const small = Math.min(n, m);
    const en = (big * small) / (big + small);
    prob = kstwoSf(stat, roundHalfEven(en));
  }
  return { statistic: stat, pvalue: Math.min(Math.max(prob, 0), 1) };
}

/** sup |F1 - F2| over sorted values with counts (counts of each distinct value, in one merged walk). */
function statistic(
  av: ArrayLike<number>,
  ac: ArrayLike<number> | null,
  n1: number,
  bv: ArrayLike<number>,
  bc: ArrayLike<number> | null,
  n2: number,
): number {
  let i = 0;
  let j = 0;
  let c1 = 0;
  let c2 = 0;
  let maxS = Number.NEGATIVE_INFINITY;
  let minS = Number.POSITIVE_INFINITY;
  while (i < av.length || j < bv.length) {
    const x = j >= bv.length || (i < av.length && av[i]! <= bv[j]!) ? av[i]! : bv[j]!;
    for (; i < av.length && av[i] === x; i++) c1 += ac ? ac[i]! : 1;
    for (; j < bv.length && bv[j] === x; j++) c2 += bc ? bc[j]! : 1;
    const diff = c1 / n1 - c2 / n2;
    if (diff > maxS) maxS = diff;
    if (diff < minS) minS = diff;
  }
  const minusMin = Math.min(Math.max(-minS, 0), 1);
  return Math.max(minusMin, maxS);
}

/** scipy.stats.ks_2samp(a, b, method=method), two-sided. NaN in either sample gives NaN (nan_policy "propagate"). */
export function ks2samp(a: ArrayLike<number>, b: ArrayLike<number>, method: KsMethod = "auto"): TestResult {
  if (a.length === 0 || b.length === 0) throw new Error("ks2samp: a sample is empty");
  const sa = Float64Array.from(a).sort();
  const sb = Float64Array.from(b).sort();
  // typed-array sort puts NaN last
  if (Number.isNaN(sa[sa.length - 1]) || Number.isNaN(sb[sb.length - 1])) return { statistic: Number.NaN, pvalue: Number.NaN };
  return ks2sampFromStatistic(statistic(sa, null, sa.length, sb, null, sb.length), sa.length, sb.length, method);
}

/** Total of a summary's counts; they must be non-negative integers for the K-S test. */
function size(s: NumericSummary, what: string): number {
  let n = 0;
  for (let i = 0; i < s.counts.length; i++) {
    const c = s.counts[i]!;
    if (!(c >= 0) || !Number.isInteger(c)) throw new Error(`ks2samp: ${what} counts must be non-negative integers`);
    n += c;
  }
  if (n === 0) throw new Error(`ks2samp: the ${what} sample is empty`);
  return n;
}

/**
 * ks2samp on samples given as (sorted distinct value, count) pairs: equal to ks2samp on the
 * samples written out, without writing them out (the monitor engine aggregates windows in SQL).
 */
export function ks2sampWeighted(reference: NumericSummary, current: NumericSummary, method: KsMethod = "auto"): TestResult {
  const n1 = size(reference, "reference");
  const n2 = size(current, "current");
  const d = statistic(reference.values, reference.counts, n1, current.values, current.counts, n2);
  return ks2sampFromStatistic(d, n1, n2, method);
}
