import { isNotNull, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { dropStatsBefore, markHoursDirty } from "./stats";

/** Traces deleted per statement: bounded so a big purge never holds long locks. */
const CHUNK = 5_000;

/**
 * Delete a project's traces older than `days` (by trace timestamp) with their observations,
 * ratings and queue items. Returns how many traces went.
 */
export async function purgeOldTraces(db: DbOrTx, projectId: string, days: number): Promise<number> {
  const cutoff = new Date(Date.now() - days * 86_400_000);
  let total = 0;
  for (;;) {
    const rows = await db.execute<{ n: number }>(sql`
      WITH old AS (
        SELECT id FROM traces WHERE project_id = ${projectId} AND timestamp < ${cutoff.toISOString()}::timestamptz LIMIT ${CHUNK}
      ), o AS (
        DELETE FROM observations WHERE project_id = ${projectId} AND trace_id IN (SELECT id FROM old)
      ), r AS (
        DELETE FROM ratings WHERE project_id = ${projectId} AND trace_id IN (SELECT id FROM old)
      ), q AS (
        DELETE FROM annotation_queue_items WHERE project_id = ${projectId} AND trace_id IN (SELECT id FROM old)
      ), t AS (
        DELETE FROM traces WHERE project_id = ${projectId} AND id IN (SELECT id FROM old) RETURNING 1
      )
      SELECT count(*)::int AS n FROM t`);
    const n = rows[0]?.n ?? 0;
    total += n;
    if (n < CHUNK) {
      const hour = new Date(Math.floor(cutoff.getTime() / 3_600_000) * 3_600_000);
      await dropStatsBefore(db, projectId, hour);
      if (total) await markHoursDirty(db, projectId, [hour.toISOString()]); // partly purged

      return total;
    }
  }
}

/** Every project with a retention setting, purged in turn. */
export async function applyRetention(db: DbOrTx): Promise<{ projects: number; traces: number }> {
  const settings = await db
    .select({ projectId: schema.logSettings.projectId, days: schema.logSettings.retentionDays })
    .from(schema.logSettings)
    .where(isNotNull(schema.logSettings.retentionDays));
  let traces = 0;
  for (const s of settings) traces += await purgeOldTraces(db, s.projectId, s.days as number);
  return { projects: settings.length, traces };
}
