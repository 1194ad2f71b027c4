import { and, desc, eq, gte, or, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";

/** Drift alerts for the overview page: open now, raised since `since`, and the newest `limit` alerts that are either. */
export async function recentDriftAlerts(db: DbOrTx, projectId: string, since: Date, limit: number) {
  const a = schema.driftAlerts;
  const [[counts], recent] = await Promise.all([
    db
      .select({
        open: sql<number>`count(*) FILTER (WHERE ${a.status} = 'open')::int`,
        raised: sql<number>`count(*) FILTER (WHERE ${a.createdAt} >= ${since.toISOString()}::timestamptz)::int`,
      })
      .from(a)
      .where(eq(a.projectId, projectId)),
    db
      .select({
        id: a.id,
        monitorId: a.monitorId,
        monitor: schema.driftMonitors.name,
        runId: a.runId,
        status: a.status,
        createdAt: a.createdAt,
      })
      .from(a)
      .innerJoin(schema.driftMonitors, eq(schema.driftMonitors.id, a.monitorId))
      .where(and(eq(a.projectId, projectId), or(eq(a.status, "open"), gte(a.createdAt, since))))
      .orderBy(desc(a.createdAt), desc(a.id))
      .limit(limit),
  ]);
  return { open: counts?.open ?? 0, raised: counts?.raised ?? 0, recent };
}
