import { and, sql } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx } from "../../db/client";
import { type Histogram, merge, quantile } from "./latency-hist";
import { hourlyAggregate } from "./stats";
import { type TraceFilter, traceFilter, traceWhere } from "./traces";

export const chartsInput = z.object({
  filter: traceFilter.default({}),
  bucket: z.enum(["hour", "day"]).default("day"),
  /** one series per model (the top 8 by volume) instead of one overall */
  byModel: z.boolean().default(false),
});

export interface ChartPoint {
  bucket: Date;
  model: string | null;
  traces: number;
  errors: number;
  /** errors / traces */
  errorRate: number;
  /** ms, nearest-rank percentiles from log-scale histograms (within 2.5%) */
  latencyP50: number | null;
  latencyP95: number | null;
  cost: number;
  inputTokens: number;
  outputTokens: number;
  ratingMean: number | null;
}

type HourRow = {
  hour: string | Date;
  model: string;
  traces: number;
  errors: number;
  cost: number;
  input_tokens: number;
  output_tokens: number;
  rating_sum: number;
  rating_n: number;
  latency_hist: Histogram;
};

const HOUR = 3_600_000;
/** Filters the hourly table can answer; any other filter reads the traces themselves. */
const SIMPLE = new Set(["from", "to", "models"]);

/**
 * Time series over the traces a filter selects: volume, error rate, latency p50/p95, cost, tokens
 * and mean rating per hour or day (UTC), overall or per model. Filtered only by time and model,
 * whole clean hours come from trace_stats_hourly and only dirty or partial hours from the traces;
 * any other filter aggregates the traces. Both paths compute the same hourly rows.
 */
export async function traceCharts(db: DbOrTx, projectId: string, input: z.infer<typeof chartsInput>): Promise<ChartPoint[]> {
  const f: TraceFilter = input.filter;
  const where = traceWhere(projectId, f) as ReturnType<typeof sql>;
  let rows: HourRow[];
  if (Object.entries(f).every(([k, v]) => v === undefined || SIMPLE.has(k))) {
    const from = f.from ? new Date(Math.ceil(f.from.getTime() / HOUR) * HOUR) : new Date(0);
    const to = new Date(Math.floor((f.to ?? new Date(Date.now() + HOUR)).getTime() / HOUR) * HOUR);
    const models = f.models?.length
      ? sql`AND model IN (${sql.join(
          f.models.map((m) => sql`${m}`),
          sql`, `,
        )})`
      : sql``;
    const stored = await db.execute<HourRow>(sql`
      SELECT hour, model, traces, errors, cost, input_tokens, output_tokens, rating_sum, rating_n, latency_hist
      FROM trace_stats_hourly s
      WHERE project_id = ${projectId} AND hour >= ${from.toISOString()}::timestamptz AND hour < ${to.toISOString()}::timestamptz ${models}
        AND NOT EXISTS (SELECT 1 FROM trace_stats_dirty d WHERE d.project_id = s.project_id AND d.hour = s.hour)`);
    // The live part as explicit time ranges (the partial edge hours and each dirty hour), so the
    // planner reads index ranges instead of the whole period; many dirty hours fall back to a filter.
    const dirty = await db.execute<{ hour: string }>(sql`
      SELECT hour::text FROM trace_stats_dirty WHERE project_id = ${projectId} AND hour >= ${from.toISOString()}::timestamptz AND hour < ${to.toISOString()}::timestamptz LIMIT 201`);
    const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;
    const ranges: ReturnType<typeof sql>[] = [sql`timestamp < ${ts(from)}`, sql`timestamp >= ${ts(to)}`];
    if (dirty.length > 200)
      ranges.push(sql`date_trunc('hour', timestamp) IN (SELECT hour FROM trace_stats_dirty WHERE project_id = ${projectId})`);
    else
      for (const { hour } of dirty)
        ranges.push(sql`(timestamp >= ${ts(new Date(hour))} AND timestamp < ${ts(new Date(new Date(hour).getTime() + HOUR))})`);
    const live = await db.execute<HourRow>(hourlyAggregate(and(where, sql`(${sql.join(ranges, sql` OR `)})`) as ReturnType<typeof sql>));
    rows = [...stored, ...live];
  } else {
    rows = await db.execute<HourRow>(hourlyAggregate(where));
  }
  return toPoints(rows, input.bucket, input.byModel);
}

function toPoints(rows: HourRow[], bucket: "hour" | "day", byModel: boolean): ChartPoint[] {
  let keep: Set<string> | null = null;
  if (byModel) {
    const volume = new Map<string, number>();
    for (const r of rows) volume.set(r.model, (volume.get(r.model) ?? 0) + r.traces);
    keep = new Set(
      [...volume]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 8)
        .map(([m]) => m),
    );
  }
  const acc = new Map<string, HourRow & { t: number }>();
  for (const r of rows) {
    if (keep && !keep.has(r.model)) continue;
    const h = new Date(r.hour).getTime();
    const t = bucket === "day" ? Math.floor(h / (24 * HOUR)) * 24 * HOUR : h;
    const model = byModel ? r.model : "";
    const key = `${t}|${model}`;
    const a = acc.get(key) ?? {
      t,
      hour: "",
      model,
      traces: 0,
      errors: 0,
      cost: 0,
      input_tokens: 0,
      output_tokens: 0,
      rating_sum: 0,
      rating_n: 0,
      latency_hist: {},
    };
    a.traces += Number(r.traces);
    a.errors += Number(r.errors);
    a.cost += Number(r.cost);
    a.input_tokens += Number(r.input_tokens);
    a.output_tokens += Number(r.output_tokens);
    a.rating_sum += Number(r.rating_sum);
    a.rating_n += Number(r.rating_n);
    merge(a.latency_hist, r.latency_hist);
    acc.set(key, a);
  }
  return [...acc.values()]
    .sort((a, b) => a.t - b.t || a.model.localeCompare(b.model))
    .map((a) => ({
      bucket: new Date(a.t),
      model: byModel ? a.model || null : null,
      traces: a.traces,
      errors: a.errors,
      errorRate: a.traces ? a.errors / a.traces : 0,
      latencyP50: quantile(a.latency_hist, 0.5),
      latencyP95: quantile(a.latency_hist, 0.95),
      cost: a.cost,
      inputTokens: a.input_tokens,
      outputTokens: a.output_tokens,
      ratingMean: a.rating_n ? a.rating_sum / a.rating_n : null,
    }));
}
