/**
 * RouteLLM's router measures (Ong et al. 2024, "RouteLLM: Learning to Route LLMs with Preference
 * Data"; lm-sys/RouteLLM routellm/evals/evaluate.py), on items that each have a quality for the
 * small and for the large model (0/1 correctness or any score where higher is better).
 *
 * A router gives each item a score s_i = its predicted need for the large model (higher = more
 * likely large). A threshold t sends item i to the large model when s_i >= t. Sweeping t over every
 * cut point between distinct scores gives the points of the curve, from share 0 (t above every
 * score) to share 1 (t at the lowest score):
 *
 *   share(t)   = #{i : s_i >= t} / n                                      (share of large calls)
 *   quality(t) = (1/n) * sum_i (s_i >= t ? large_i : small_i)
 *   Q_small    = mean(small_i),  Q_large = mean(large_i)                  (all-small, all-large)
 *   PGR(t)     = (quality(t) - Q_small) / (Q_large - Q_small)             (performance gap recovered)
 *   APGR       = integral over share in [0, 1] of PGR, by the trapezoid rule over the sweep points
 *                (RouteLLM: (AUC - AUC_small) / (AUC_large - AUC_small) with np.trapz over the
 *                same points, which is the same number when the sweep spans [0, 1], as here)
 *   CPT(x)     = the smallest share of large calls at which PGR reaches x, on the curve drawn by
 *                straight lines between sweep points: the first segment where PGR crosses x, linearly
 *                interpolated inside it (RouteLLM interpolates with np.interp, which assumes PGR
 *                rises monotonically; taking the first crossing gives the same value when it does,
 *                and a well-defined one when it does not). PGR(share 1) = 1, so CPT(x <= 1) exists.
 *
 * Ties: items with equal scores can only move together (no threshold separates them), so the sweep
 * has no point inside a tie; the straight line across it is exactly the expected curve under a
 * random order of the tied items. A constant score gives the diagonal PGR = share, APGR = 0.5.
 */

export interface CurvePoint {
  /** share of calls sent to the large model, in [0, 1] */
  share: number;
  /** mean quality of the routed answers */
  quality: number;
  /** performance gap recovered; 0 = all-small quality, 1 = all-large quality */
  pgr: number;
  /** the threshold (route large when score >= threshold); null for share 0 (above every score) */
  threshold: number | null;
}

export interface RouterEvaluation {
  n: number;
  smallOnly: number;
  largeOnly: number;
  apgr: number;
  cpt50: number;
  cpt80: number;
  curve: CurvePoint[];
}

/** Thrown when the large model is not better than the small one on the items: there is no gap to recover. */
export class NoGapError extends Error {
  constructor(
    readonly smallOnly: number,
    readonly largeOnly: number,
  ) {
    super(
      `the large model's mean quality (${largeOnly}) is ${largeOnly === smallOnly ? "equal to" : "below"} the small model's (${smallOnly}) ` +
        "on these items: there is no performance gap to recover, so PGR, APGR and CPT are undefined",
    );
    this.name = "NoGapError";
  }
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Mean qualities of all-small and all-large routing; throws NoGapError unless large is better. */
export function qualityGap(small: readonly number[], large: readonly number[]): { smallOnly: number; largeOnly: number; gap: number } {
  const smallOnly = mean(small);
  const largeOnly = mean(large);
  const gap = largeOnly - smallOnly;
  // relative tolerance: float sums of equal columns may differ in the last bits
  if (!(gap > 1e-12 * Math.max(1, Math.abs(largeOnly)))) throw new NoGapError(smallOnly, largeOnly);
  return { smallOnly, largeOnly, gap };
}

/** The quality-versus-share curve of a router's scores (see the file header). */
export function routingCurve(scores: readonly number[], small: readonly number[], large: readonly number[]): CurvePoint[] {
  const n = scores.length;
  if (n === 0) throw new RangeError("no items to evaluate");
  if (small.length !== n || large.length !== n)
    throw new RangeError(`scores, small and large differ in length: ${n}, ${small.length}, ${large.length}`);
  for (const [i, s] of scores.entries()) if (!Number.isFinite(s)) throw new RangeError(`score ${i} is not a finite number: ${s}`);
  const { smallOnly, largeOnly, gap } = qualityGap(small, large);

  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number));
  const points: CurvePoint[] = [{ share: 0, quality: smallOnly, pgr: 0, threshold: null }];
  // sum of (large - small) over the items sent large so far; quality = smallOnly + gain / n
  let gain = 0;
  for (let k = 1; k <= n; k++) {
    const i = order[k - 1] as number;
    gain += (large[i] as number) - (small[i] as number);
    const next = order[k];
    // a cut point: after the last item, or between two distinct scores
    if (next === undefined || (scores[next] as number) < (scores[i] as number)) {
      const quality = k === n ? largeOnly : smallOnly + gain / n;
      points.push({ share: k / n, quality, pgr: k === n ? 1 : (quality - smallOnly) / gap, threshold: scores[i] as number });
    }
  }
  return points;
}

/** Area under PGR over share in [0, 1] (trapezoid rule over the curve's points). */
export function apgr(curve: readonly CurvePoint[]): number {
  let area = 0;
  for (let j = 1; j < curve.length; j++) {
    const a = curve[j - 1] as CurvePoint;
    const b = curve[j] as CurvePoint;
    area += ((b.share - a.share) * (a.pgr + b.pgr)) / 2;
  }
  return area;
}

/** CPT(x): the smallest share of large calls at which PGR reaches `x` (first crossing, linear inside the segment). */
export function cpt(curve: readonly CurvePoint[], x: number): number {
  const first = curve[0] as CurvePoint;
  if (first.pgr >= x) return first.share;
  for (let j = 1; j < curve.length; j++) {
    const a = curve[j - 1] as CurvePoint;
    const b = curve[j] as CurvePoint;
    if (b.pgr >= x) return a.share + ((x - a.pgr) / (b.pgr - a.pgr)) * (b.share - a.share);
  }
  return Number.NaN; // only for x > 1 (PGR ends at exactly 1)
}

/** APGR, CPT(50%), CPT(80%) and the curve of one router's scores on labelled items. */
export function evaluateRouter(scores: readonly number[], small: readonly number[], large: readonly number[]): RouterEvaluation {
  const curve = routingCurve(scores, small, large);
  return {
    n: scores.length,
    smallOnly: mean(small),
    largeOnly: mean(large),
    apgr: apgr(curve),
    cpt50: cpt(curve, 0.5),
    cpt80: cpt(curve, 0.8),
    curve,
  };
}
