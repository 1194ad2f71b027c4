import type { TestResult } from "./ks";
import { normalCdf } from "./special";

/** Distances between two discrete distributions, and Evidently's proportion-difference z-test. */

/** scipy.special.rel_entr: x ln(x/y), 0 where x = 0 and y >= 0, Infinity otherwise. */
function relEntr(x: number, y: number): number {
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.NaN;
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Number.POSITIVE_INFINITY;
}

/**
 * scipy.spatial.distance.jensenshannon(p, q, base): p and q are normalised to sum 1 first; the
 * natural logarithm unless `base` is given (the distance is the square root of the divergence).
 */
export function jensenshannon(p: ArrayLike<number>, q: ArrayLike<number>, base?: number): number {
  if (p.length !== q.length) throw new Error(`jensenshannon: p and q differ in length (${p.length} and ${q.length})`);
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < p.length; i++) {
    sp += p[i]!;
    sq += q[i]!;
  }
  let left = 0;
  let right = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i]! / sp;
    const qi = q[i]! / sq;
    const m = (pi + qi) / 2;
    left += relEntr(pi, m);
    right += relEntr(qi, m);
  }
  let js = left + right;
  if (base !== undefined) js /= Math.log(base);
  return Math.sqrt(js / 2);
}

/**
 * Population stability index Σ (ref - cur) ln(ref/cur) over bin shares, used as given (Evidently's
 * formula; callers replace empty bins first, see binning.ts). A zero or negative share is an error.
 */
export function psi(ref: ArrayLike<number>, cur: ArrayLike<number>): number {
  if (ref.length !== cur.length) throw new Error(`psi: ref and cur differ in length (${ref.length} and ${cur.length})`);
  if (ref.length === 0) throw new Error("psi: no bins");
  let sum = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i]!;
    const c = cur[i]!;
    if (!(r > 0) || !(c > 0))
      throw new Error(`psi: shares must be positive (bin ${i} has ref ${r}, cur ${c}); replace empty bins before computing PSI`);
    sum += (r - c) * Math.log(r / c);
  }
  return sum;
}

/**
 * Evidently's two-proportion z-test (proportions_diff_z_stat_ind and proportions_diff_z_test,
 * two-sided): `ones1` of `n1` reference values and `ones2` of `n2` current values are "1"; the
 * p-value is 2 (1 - Φ(|z|)) as Evidently writes it (0 once Φ rounds to 1, near |z| > 8.3).
 */
export function proportionsDiffZTest(ones1: number, n1: number, ones2: number, n2: number): TestResult {
  if (!(n1 > 0) || !(n2 > 0)) throw new Error("proportionsDiffZTest: sample sizes must be positive");
  const p1 = ones1 / n1;
  const p2 = ones2 / n2;
  const P = (p1 * n1 + p2 * n2) / (n1 + n2);
  const z = (p1 - p2) / Math.sqrt(P * (1 - P) * (1.0 / n1 + 1.0 / n2));
  return { statistic: z, pvalue: 2 * (1 - normalCdf(Math.abs(z))) };
}
