import { sql } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx } from "../../db/client";
import { traceFilter, traceWhere } from "./traces";

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
  latencyP50: number | null;
  latencyP95: number | null;
  cost: number;
  inputTokens: number;
  outputTokens: number;
  ratingMean: number | null;
}

/**
 * Time series over the traces a filter selects: volume, error rate, latency p50/p95 (ms), cost
 * (USD), tokens and mean rating per hour or day, overall or per model. One aggregate query.
 */
export async function traceCharts(db: DbOrTx, projectId: string, input: z.infer<typeof chartsInput>): Promise<ChartPoint[]> {
  const where = traceWhere(projectId, input.filter);
  const model = input.byModel ? sql`model` : sql`NULL::text`;
  const rows = await db.execute<{
    bucket: string;
    model: string | null;
    traces: number;
    errors: number;
    p50: number | null;
    p95: number | null;
    cost: number;
    input_tokens: number;
    output_tokens: number;
    rating_mean: number | null;
  }>(sql`
    WITH f AS (
      -- only columns of traces_stats_idx, so months of traces are an index-only scan
      SELECT timestamp, model, status, latency_ms, cost, input_tokens, output_tokens, rating_count, rating_mean
      FROM traces WHERE ${where}),
    top AS (SELECT model FROM f GROUP BY model ORDER BY count(*) DESC LIMIT 8)
    SELECT date_trunc(${input.bucket}, timestamp) AS bucket, ${model} AS model,
      count(*)::int AS traces,
      count(*) FILTER (WHERE status = 'error')::int AS errors,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50,
      percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95,
      coalesce(sum(cost), 0)::float8 AS cost,
      coalesce(sum(input_tokens), 0)::int8 AS input_tokens,
      coalesce(sum(output_tokens), 0)::int8 AS output_tokens,
      (sum(rating_mean * rating_count) / nullif(sum(rating_count) FILTER (WHERE rating_mean IS NOT NULL), 0))::float8 AS rating_mean
    FROM f
    WHERE ${input.byModel ? sql`EXISTS (SELECT 1 FROM top WHERE top.model IS NOT DISTINCT FROM f.model)` : sql`true`}
    GROUP BY 1, 2 ORDER BY 1, 2`);
  return rows.map((r) => ({
    bucket: new Date(r.bucket),
    model: r.model,
    traces: r.traces,
    errors: r.errors,
    errorRate: r.traces ? r.errors / r.traces : 0,
    latencyP50: r.p50 === null ? null : Number(r.p50),
    latencyP95: r.p95 === null ? null : Number(r.p95),
    cost: Number(r.cost),
    inputTokens: Number(r.input_tokens),
    outputTokens: Number(r.output_tokens),
    ratingMean: r.rating_mean === null ? null : Number(r.rating_mean),
  }));
}
