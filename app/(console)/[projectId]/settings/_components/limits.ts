/**
 * Pure helpers for a secret key's gateway limits and spend (issue 20): the one-line summary of the
 * keys table, the budget period's start (UTC, as the gateway counts it), and spend points summed per
 * key or bucketed for the charts. Amounts are USD; tokens are input + output.
 */

export interface KeyLimits {
  rpm: number | null;
  tpm: number | null;
  budgetUsd: number | null;
  budgetPeriod: "day" | "month" | null;
  budgetMode: "hard" | "soft" | null;
  allowedModels: string[] | null;
  expiresAt: Date | null;
}

export interface SpendPoint {
  keyId: string;
  hour: Date;
  requests: number;
  tokens: number;
  cost: number;
}

const compact = new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 });

/** USD of a budget: whole dollars bare ("$5"), else cents ("$2.50"), tiny ones with their digits. */
export function formatBudget(usd: number): string {
  if (Number.isInteger(usd)) return `$${usd}`;
  return usd >= 0.01 ? `$${usd.toFixed(2)}` : `$${Number(usd.toPrecision(2))}`;
}

/** A date as YYYY-MM-DD in UTC: the `<input type="date">` value and the table's expiry. */
export const isoDay = (d: Date): string => d.toISOString().slice(0, 10);

/** "60 rpm · 10K tpm · $5/month hard · 2 models · expires 2027-01-01", or "" when the key has no limit. */
export function limitsSummary(k: KeyLimits): string {
  const parts: string[] = [];
  if (k.rpm !== null) parts.push(`${compact.format(k.rpm)} rpm`);
  if (k.tpm !== null) parts.push(`${compact.format(k.tpm)} tpm`);
  if (k.budgetUsd !== null) parts.push(`${formatBudget(k.budgetUsd)}/${k.budgetPeriod ?? "month"} ${k.budgetMode ?? "hard"}`);
  if (k.allowedModels?.length) parts.push(k.allowedModels.length === 1 ? `only ${k.allowedModels[0]}` : `${k.allowedModels.length} models`);
  if (k.expiresAt) parts.push(`expires ${isoDay(k.expiresAt)}`);
  return parts.join(" · ");
}

/** The start of the UTC day or month holding `now`: where the gateway's budget periods begin. */
export function periodStart(period: "day" | "month", now: Date): Date {
  return period === "day"
    ? new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()))
    : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

/** A key's spend (USD) in its budget period (this UTC month without a budget) from hourly points. */
export function spendThisPeriod(points: readonly SpendPoint[], keyId: string, period: "day" | "month" | null, now: Date): number {
  const from = periodStart(period ?? "month", now).getTime();
  let sum = 0;
  for (const p of points) if (p.keyId === keyId && p.hour.getTime() >= from) sum += p.cost;
  return sum;
}

export type Bucket = "hour" | "day";
const STEP: Record<Bucket, number> = { hour: 3_600_000, day: 86_400_000 };

/** A chart range: its buckets and the [from, to) the server is asked for (to: the end of the current bucket). */
export const RANGES = {
  "24h": { label: "Last 24 hours", bucket: "hour", count: 24 },
  "7d": { label: "Last 7 days", bucket: "day", count: 7 },
  "30d": { label: "Last 30 days", bucket: "day", count: 30 },
} as const satisfies Record<string, { label: string; bucket: Bucket; count: number }>;
export type RangeKey = keyof typeof RANGES;

export function rangeWindow(range: RangeKey, now: Date): { from: Date; to: Date; bucket: Bucket; times: number[] } {
  const { bucket, count } = RANGES[range];
  const step = STEP[bucket];
  // UTC hours and days: the server's hourly rows start on UTC hours, so UTC days sum whole hours
  const current = Math.floor(now.getTime() / step) * step;
  const times = Array.from({ length: count }, (_, i) => current - (count - 1 - i) * step);
  return { from: new Date(times[0] ?? current), to: new Date(current + step), bucket, times };
}

export interface Buckets {
  times: number[];
  cost: number[];
  requests: number[];
  tokens: number[];
}

/** Hourly points summed into the window's buckets (hours or UTC days); buckets without calls are 0. */
export function bucketPoints(points: readonly SpendPoint[], times: readonly number[], bucket: Bucket): Buckets {
  const step = STEP[bucket];
  const index = new Map(times.map((t, i) => [t, i]));
  const out: Buckets = { times: [...times], cost: times.map(() => 0), requests: times.map(() => 0), tokens: times.map(() => 0) };
  for (const p of points) {
    const i = index.get(Math.floor(p.hour.getTime() / step) * step);
    if (i === undefined) continue;
    out.cost[i] = (out.cost[i] ?? 0) + p.cost;
    out.requests[i] = (out.requests[i] ?? 0) + p.requests;
    out.tokens[i] = (out.tokens[i] ?? 0) + p.tokens;
  }
  return out;
}
