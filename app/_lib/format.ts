/** Display formatting only: dates, sizes, percentages, money. */

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

export const formatDateTime = (d: Date | null | undefined) => (d ? dateTime.format(d) : "—");

const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
];

/** "3 minutes ago", "yesterday"; under a minute is "just now". */
export function formatRelative(d: Date | null | undefined, now = Date.now()): string {
  if (!d) return "—";
  const seconds = Math.round((d.getTime() - now) / 1000);
  for (const [unit, size] of STEPS) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return "just now";
}

/** Bytes as MB with one decimal (1 MB = 1,000,000 bytes, as disks and downloads count). */
export const formatMB = (bytes: number) => `${(bytes / 1_000_000).toFixed(1)} MB`;

/** A 0..1 fraction as a whole percentage, clamped. */
export const percent = (fraction: number) => Math.round(Math.min(1, Math.max(0, fraction)) * 100);

/**
 * Money in US dollars, with decimals by size so that tiny per-call costs stay readable without an
 * exponent: $12.50, $0.0450, $0.000450; zero is "$0", a missing or non-finite value "—".
 */
export function formatCost(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) return "—";
  if (usd === 0) return "$0";
  const abs = Math.abs(usd);
  const decimals = abs >= 1 ? 2 : abs >= 0.01 ? 4 : 6;
  return `${usd < 0 ? "-" : ""}$${abs.toFixed(decimals)}`;
}
