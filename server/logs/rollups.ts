import { sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client";

/**
 * Recompute the trace-level rollups (model, tokens, cost, latency, status, rating count and mean)
 * of the given traces from their observations and ratings. Runs in the ingest transaction, once per
 * batch, so the explorer filters and sorts one table.
 */
export async function refreshRollups(db: DbOrTx, projectId: string, traceIds: string[]): Promise<string[]> {
  if (!traceIds.length) return [];
  const ids = sql`${sql.raw("ARRAY[")}${sql.join(
    traceIds.map((id) => sql`${id}`),
    sql`, `,
  )}${sql.raw("]::text[]")}`;
  const hours = await db.execute<{ hour: string }>(sql`
    UPDATE traces t SET
      model = COALESCE(o.model, t.model),
      input_tokens = COALESCE(o.input_tokens, 0),
      output_tokens = COALESCE(o.output_tokens, 0),
      cost = COALESCE(o.cost, 0),
      latency_ms = o.latency_ms,
      status = CASE WHEN COALESCE(o.errors, 0) > 0 THEN 'error' ELSE 'ok' END,
      rating_count = COALESCE(r.n, 0),
      rating_mean = r.mean,
      updated_at = now()
    FROM (SELECT unnest(${ids}) AS id) ids
    LEFT JOIN LATERAL (
      SELECT
        (array_agg(model ORDER BY start_time) FILTER (WHERE model IS NOT NULL))[1] AS model,
        sum(input_tokens)::int AS input_tokens,
        sum(output_tokens)::int AS output_tokens,
        sum(cost) AS cost,
        (extract(epoch FROM max(coalesce(end_time, start_time)) - min(start_time)) * 1000)::int AS latency_ms,
        count(*) FILTER (WHERE status = 'error') AS errors
      FROM observations WHERE project_id = ${projectId} AND trace_id = ids.id
    ) o ON true
    LEFT JOIN LATERAL (
      SELECT count(*)::int AS n, avg(value) FILTER (WHERE data_type IN ('numeric', 'boolean')) AS mean
      FROM ratings WHERE project_id = ${projectId} AND trace_id = ids.id
    ) r ON true
    WHERE t.project_id = ${projectId} AND t.id = ids.id
    RETURNING date_trunc('hour', t.timestamp)::text AS hour`);
  return [...new Set(hours.map((h) => h.hour))];
}
