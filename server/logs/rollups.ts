import { sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client";

/**
 * The trace rollups as two LATERAL joins, `o` (observations: model, tokens, cost, latency, errors)
 * and `r` (ratings: count, mean), for the trace whose id is `traceId` (an SQL expression). The one
 * definition of a trace's rollups, used by the ingest upsert (server/logs/bulk.ts) and below.
 */
export const rollupJoins = (projectId: string, traceId: ReturnType<typeof sql>) => sql`
    LEFT JOIN LATERAL (
      SELECT (array_agg(model ORDER BY start_time) FILTER (WHERE model IS NOT NULL))[1] AS model,
        -- int4 token columns: a trace's sum is capped rather than failing its whole ingest batch
        -- (coalesce first: least() skips a NULL, so no tokens at all would read as the cap)
        least(coalesce(sum(input_tokens), 0), 2147483647)::int AS input_tokens,
        least(coalesce(sum(output_tokens), 0), 2147483647)::int AS output_tokens,
        sum(cost) AS cost,
        -- bigint: an observation may last past int4's 24.8 days
        (extract(epoch FROM max(coalesce(end_time, start_time)) - min(start_time)) * 1000)::bigint AS latency_ms,
        count(*) FILTER (WHERE status = 'error') AS errors
      FROM observations WHERE project_id = ${projectId} AND trace_id = ${traceId}
    ) o ON true
    LEFT JOIN LATERAL (
      SELECT count(*)::int AS n, avg(value) FILTER (WHERE data_type IN ('numeric', 'boolean')) AS mean
      FROM ratings WHERE project_id = ${projectId} AND trace_id = ${traceId}
    ) r ON true`;

/**
 * Recompute the trace-level rollups (model, tokens, cost, latency, status, rating count and mean)
 * of the given traces from their observations and ratings, after ratings arrive. Runs in the ingest
 * transaction; returns the hours of the traces it touched.
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
    ${rollupJoins(projectId, sql`ids.id`)}
    WHERE t.project_id = ${projectId} AND t.id = ids.id
    RETURNING date_trunc('hour', t.timestamp)::text AS hour`);
  return [...new Set(hours.map((h) => h.hour))];
}
