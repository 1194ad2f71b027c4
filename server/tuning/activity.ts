import { and, desc, eq, gte, inArray, or, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";

const ACTIVE = ["awaiting_approval", "queued", "assigned", "running"] as const;

/**
 * Tuning activity for the overview page: jobs active now and jobs finished since `since` by outcome,
 * and the newest `limit` jobs that are active or were created or finished in the window.
 */
export async function recentTuningActivity(db: DbOrTx, projectId: string, since: Date, limit: number) {
  const j = schema.tuningJobs;
  const inView = or(inArray(j.status, [...ACTIVE]), gte(j.createdAt, since), gte(j.finishedAt, since));
  const [[counts], recent] = await Promise.all([
    db
      .select({
        active: sql<number>`count(*) FILTER (WHERE ${inArray(j.status, [...ACTIVE])})::int`,
        succeeded: sql<number>`count(*) FILTER (WHERE ${j.status} = 'succeeded' AND ${j.finishedAt} >= ${since.toISOString()}::timestamptz)::int`,
        failed: sql<number>`count(*) FILTER (WHERE ${j.status} = 'failed' AND ${j.finishedAt} >= ${since.toISOString()}::timestamptz)::int`,
      })
      .from(j)
      .where(and(eq(j.projectId, projectId), inView)),
    db
      .select({
        id: j.id,
        number: j.number,
        method: j.method,
        outputModel: j.outputModel,
        status: j.status,
        createdAt: j.createdAt,
        finishedAt: j.finishedAt,
      })
      .from(j)
      .where(and(eq(j.projectId, projectId), inView))
      .orderBy(desc(j.createdAt), desc(j.id))
      .limit(limit),
  ]);
  return { active: counts?.active ?? 0, succeeded: counts?.succeeded ?? 0, failed: counts?.failed ?? 0, recent };
}
