import { and, eq, inArray, lt, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { BUCKET_SQL } from "./latency-hist";

/** Hours whose traces changed: their chart stats are read live until the job recomputes them. */
export async function markHoursDirty(db: DbOrTx, projectId: string, hours: string[]): Promise<void> {
  const distinct = [...new Set(hours)];
  if (!distinct.length) return;
  await db
    .insert(schema.traceStatsDirty)
    .values(distinct.map((h) => ({ projectId, hour: new Date(h) })))
    .onConflictDoNothing();
}

/**
 * The per-(hour, model) aggregate of traces, histogram included, as SQL over `where` (a condition on
 * traces). Shared by the rollup job and the charts' live part so both compute the same thing.
 */
export const hourlyAggregate = (where: ReturnType<typeof sql>) => sql`
  SELECT hour, model, count(*)::int AS traces, sum(errors)::int AS errors, sum(cost)::float8 AS cost,
    sum(input_tokens)::float8 AS input_tokens, sum(output_tokens)::float8 AS output_tokens,
    sum(rating_sum)::float8 AS rating_sum, sum(rating_n)::int AS rating_n,
    coalesce((SELECT jsonb_object_agg(b, n) FROM (SELECT lb AS b, count(*) AS n FROM unnest(array_agg(lb)) lb WHERE lb IS NOT NULL GROUP BY lb) x), '{}'::jsonb) AS latency_hist
  FROM (
    SELECT date_trunc('hour', timestamp) AS hour, coalesce(model, '') AS model, (status = 'error')::int AS errors, cost,
      input_tokens, output_tokens, coalesce(rating_mean * rating_count, 0) AS rating_sum,
      CASE WHEN rating_mean IS NULL THEN 0 ELSE rating_count END AS rating_n, ${sql.raw(BUCKET_SQL("latency_ms"))} AS lb
    FROM traces WHERE ${where}
  ) t
  GROUP BY hour, model`;

/**
 * Recompute up to `limit` dirty hours: delete their rows, insert fresh ones, clear the marks — one
 * transaction, so a concurrent ingest that dirties an hour again simply leaves a new mark.
 */
export async function rollupDirtyHours(db: DbOrTx, limit = 500): Promise<{ hours: number }> {
  return db.transaction(async (tx) => {
    const dirty = await tx.execute<{ project_id: string; hour: string }>(sql`
      DELETE FROM trace_stats_dirty WHERE (project_id, hour) IN (
        SELECT project_id, hour FROM trace_stats_dirty ORDER BY hour LIMIT ${limit} FOR UPDATE SKIP LOCKED)
      RETURNING project_id, hour::text`);
    const byProject = new Map<string, string[]>();
    for (const d of dirty) byProject.set(d.project_id, [...(byProject.get(d.project_id) ?? []), d.hour]);
    for (const [projectId, hours] of byProject) {
      const hs = hours.map((h) => new Date(h));
      await tx
        .delete(schema.traceStatsHourly)
        .where(and(eq(schema.traceStatsHourly.projectId, projectId), inArray(schema.traceStatsHourly.hour, hs)));
      const list = sql.join(
        hs.map((h) => sql`${h.toISOString()}::timestamptz`),
        sql`, `,
      );
      await tx.execute(sql`
        INSERT INTO trace_stats_hourly (project_id, hour, model, traces, errors, cost, input_tokens, output_tokens, rating_sum, rating_n, latency_hist)
        SELECT ${projectId}::uuid, a.* FROM (${hourlyAggregate(sql`project_id = ${projectId} AND date_trunc('hour', timestamp) IN (${list})`)}) a`);
    }
    return { hours: dirty.length };
  });
}

/** Drop the stats of hours before `cutoff` (retention). */
export async function dropStatsBefore(db: DbOrTx, projectId: string, cutoff: Date): Promise<void> {
  await db
    .delete(schema.traceStatsHourly)
    .where(and(eq(schema.traceStatsHourly.projectId, projectId), lt(schema.traceStatsHourly.hour, cutoff)));
  await db
    .delete(schema.traceStatsDirty)
    .where(and(eq(schema.traceStatsDirty.projectId, projectId), lt(schema.traceStatsDirty.hour, cutoff)));
}
