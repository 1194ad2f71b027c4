/**
 * Log-scale latency histograms: bucket b >= 1 holds latencies in (G^(b-1), G^b] ms with G = 1.05,
 * bucket 0 holds 0 ms and below, the last bucket everything from G^(B-2) up (~4 minutes). Hourly
 * rollups store one per (project, hour, model) as a sparse {bucket: count} object; merged, they give
 * percentiles within 2.5% of the exact value (half a bucket's relative width).
 */
export const GROWTH = 1.05;
export const BUCKETS = 256;
const LN = Math.log(GROWTH);

export type Histogram = Record<number, number>;

export function bucketOf(ms: number): number {
  if (ms <= 0) return 0;
  return Math.min(BUCKETS - 1, Math.max(1, Math.ceil(Math.log(ms) / LN + 1e-12)));
}

/** The same bucket index in SQL, for building histograms where the rows are. */
export const BUCKET_SQL = (col: string) =>
  `CASE WHEN ${col} IS NULL THEN NULL WHEN ${col} <= 0 THEN 0 ELSE least(${BUCKETS - 1}, greatest(1, ceil(ln(${col}) / ln(${GROWTH}) - 1e-12)))::int END`;

export function merge(into: Histogram, h: Histogram): Histogram {
  for (const [b, n] of Object.entries(h)) into[Number(b)] = (into[Number(b)] ?? 0) + n;
  return into;
}

/** The q-quantile (0..1), as the geometric middle of the bucket holding it; null when empty. */
export function quantile(h: Histogram, q: number): number | null {
  const entries = Object.entries(h)
    .map(([b, n]) => [Number(b), n] as const)
    .filter(([, n]) => n > 0)
    .sort((a, b) => a[0] - b[0]);
  const total = entries.reduce((s, [, n]) => s + n, 0);
  if (!total) return null;
  const rank = q * total;
  let seen = 0;
  for (const [b, n] of entries) {
    seen += n;
    if (seen >= rank) return b === 0 ? 0 : GROWTH ** (b - 0.5);
  }
  const last = entries[entries.length - 1]?.[0] ?? 0;
  return GROWTH ** (last - 0.5);
}
