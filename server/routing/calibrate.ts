/**
 * Threshold calibration for the learned router: it routes a call to the large model when
 * P(small model good enough) < threshold, so the share of large calls on the training data is the
 * share of predicted probabilities under the threshold. We pick the threshold that makes that share
 * as close as possible to the target: k = round(target * n) probabilities under it, the threshold
 * halfway between the k-th and (k+1)-th smallest. Then the training share is within 1/(2n) of the
 * target, except where tied probabilities straddle the cut; then the nearest achievable count wins.
 */

/** The threshold that sends a `targetLargeShare` share of `probabilities` (P(small good enough)) to the large model. */
export function calibrateThreshold(probabilities: readonly number[], targetLargeShare: number): number {
  if (!(targetLargeShare >= 0 && targetLargeShare <= 1))
    throw new RangeError(`target share of large calls must be in [0, 1], got ${targetLargeShare}`);
  const n = probabilities.length;
  if (n === 0) throw new RangeError("no probabilities to calibrate on");
  const p = probabilities.slice().sort((a, b) => a - b);
  const k = Math.round(targetLargeShare * n);
  // achievable cuts: positions c where p[c-1] < p[c] (plus 0 and n); the nearest to k wins
  let best = -1;
  for (let c = 0; c <= n; c++) {
    const ok = c === 0 || c === n || (p[c - 1] as number) < (p[c] as number);
    if (ok && (best < 0 || Math.abs(c - k) < Math.abs(best - k))) best = c;
  }
  const lo = p[0] as number;
  const hi = p[n - 1] as number;
  // below every probability (none large) / above every one (all large); probabilities live in [0, 1]
  if (best === 0) return Math.min(0, lo);
  if (best === n) return Math.max(1, hi) + 1e-9;
  return ((p[best - 1] as number) + (p[best] as number)) / 2;
}

/** Share of probabilities under `threshold` (the share of large calls it gives). */
export function largeShareAt(probabilities: readonly number[], threshold: number): number {
  if (probabilities.length === 0) return 0;
  return probabilities.filter((p) => p < threshold).length / probabilities.length;
}
