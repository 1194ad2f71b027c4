import type { RouterOutputs } from "@/app/_lib/trpc";

/** Pure helpers for the charts page: the time grid, series per model and per score, labels. */

export type ChartPoint = RouterOutputs["logs"]["traces"]["charts"][number];
export type ScoreSeries = RouterOutputs["logs"]["traces"]["scoreCharts"][number];
export type Bucket = "hour" | "day";

export const STEP_MS: Record<Bucket, number> = { hour: 3_600_000, day: 86_400_000 };
/** Past this many buckets the grid holds only the buckets with data (no zero-filled gaps). */
const MAX_FILLED = 3000;

export interface Series {
  key: string;
  label: string;
  /** the model a per-model series belongs to; the legend lists these once each */
  group?: string;
  color: string;
  dashed?: boolean;
  /** one per grid bucket; null draws a gap */
  values: (number | null)[];
}

export interface Grid {
  /** bucket starts (ms), ascending */
  times: number[];
  /** whether the server returned anything for the bucket (the table lists only these) */
  present: boolean[];
  bucket: Bucket;
}

/**
 * Every bucket from the one holding `from` to the one holding `to` (or the data's first and last),
 * anchored on the server's own bucket starts so the server's time zone needs no guessing. Day steps
 * are matched by rounding, which tolerates a DST hour.
 */
export function bucketGrid(points: Pick<ChartPoint, "bucket">[], bucket: Bucket, from?: number, to?: number): Grid {
  const step = STEP_MS[bucket];
  const seen = [...new Set(points.map((p) => p.bucket.getTime()))].sort((a, b) => a - b);
  const anchor = seen[0];
  if (anchor === undefined) return { times: [], present: [], bucket };
  const last = seen.at(-1) ?? anchor;
  const lo = from === undefined ? anchor : Math.min(anchor, anchor - Math.ceil((anchor - from) / step) * step);
  const hi = to === undefined ? last : Math.max(last, anchor + Math.floor((to - anchor) / step) * step);
  const n = Math.round((hi - lo) / step) + 1;
  if (n > MAX_FILLED) return { times: seen, present: seen.map(() => true), bucket };
  const times = Array.from({ length: n }, (_, i) => lo + i * step);
  const present = times.map(() => false);
  for (const t of seen) {
    const i = Math.round((t - lo) / step);
    times[i] = t;
    present[i] = true;
  }
  return { times, present, bucket };
}

const NO_MODEL = "(no model)";
export const modelLabel = (m: string | null) => m ?? NO_MODEL;

/** Points per series (one "all" series, or one per model, busiest first), aligned to the grid. */
export function alignByModel(points: ChartPoint[], grid: Grid): { model: string; points: (ChartPoint | undefined)[] }[] {
  const index = new Map(grid.times.map((t, i) => [t, i]));
  const volume = new Map<string, number>();
  for (const p of points) volume.set(modelLabel(p.model), (volume.get(modelLabel(p.model)) ?? 0) + p.traces);
  const models = [...volume.keys()].sort((a, b) => (volume.get(b) ?? 0) - (volume.get(a) ?? 0) || a.localeCompare(b));
  return models.map((model) => {
    const aligned: (ChartPoint | undefined)[] = grid.times.map(() => undefined);
    for (const p of points) {
      const i = index.get(p.bucket.getTime());
      if (i !== undefined && modelLabel(p.model) === model) aligned[i] = p;
    }
    return { model, points: aligned };
  });
}

/** Distinct on white; the server returns at most 8 models, plus one overall colour each. */
export const PALETTE = ["#4f46e5", "#059669", "#d97706", "#e11d48", "#0284c7", "#7c3aed", "#65a30d", "#ea580c", "#475569"];
export const colorAt = (i: number) => PALETTE[i % PALETTE.length] as string;

/**
 * Day buckets that start at midnight UTC are UTC days (the server truncates in UTC) and are labelled
 * as such, so a viewer west of Greenwich sees the right date; hours read in the viewer's zone.
 */
export const utcDays = (grid: Grid): boolean => grid.bucket === "day" && grid.times.every((t) => new Date(t).getUTCHours() === 0);

const compact = new Intl.NumberFormat(undefined, { notation: "compact", maximumFractionDigits: 1 });
/** Axis labels: short numbers ("1.2K"); small fractions keep their digits. */
export function compactNumber(v: number): string {
  if (v !== 0 && Math.abs(v) < 1) return Number(v.toPrecision(2)).toString();
  return compact.format(v);
}

export interface Totals {
  traces: number;
  errorRate: number | null;
  cost: number;
  /** mean over the buckets that have a p50 (ms) */
  meanP50: number | null;
}

export function totalsOf(points: ChartPoint[]): Totals {
  let traces = 0;
  let errors = 0;
  let cost = 0;
  const p50s: number[] = [];
  for (const p of points) {
    traces += p.traces;
    errors += p.errors;
    cost += p.cost;
    if (p.latencyP50 !== null) p50s.push(p.latencyP50);
  }
  return {
    traces,
    errorRate: traces ? errors / traces : null,
    cost,
    meanP50: p50s.length ? p50s.reduce((a, b) => a + b, 0) / p50s.length : null,
  };
}
