/** Display formatting only: dates, sizes, percentages. */

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
