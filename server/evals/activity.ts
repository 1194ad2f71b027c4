import { and, desc, eq, gte, inArray, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";

/**
 * Eval activity since `since` (the overview page): runs started and failed, gate evaluations passed
 * and failed, and the newest `limit` runs with the latest verdict of each gate judged on them.
 */
export async function recentEvalActivity(db: DbOrTx, projectId: string, since: Date, limit: number) {
  const r = schema.evalRuns;
  const g = schema.gateEvaluations;
  const [[counts], [gateCounts], recent] = await Promise.all([
    db
      .select({ runs: sql<number>`count(*)::int`, failed: sql<number>`count(*) FILTER (WHERE ${r.status} = 'failed')::int` })
      .from(r)
      .where(and(eq(r.projectId, projectId), gte(r.createdAt, since))),
    db
      .select({
        passed: sql<number>`count(*) FILTER (WHERE ${g.passed})::int`,
        failed: sql<number>`count(*) FILTER (WHERE NOT ${g.passed})::int`,
      })
      .from(g)
      .where(and(eq(g.projectId, projectId), gte(g.createdAt, since))),
    db
      .select({ id: r.id, name: r.name, status: r.status, createdAt: r.createdAt, finishedAt: r.finishedAt })
      .from(r)
      .where(and(eq(r.projectId, projectId), gte(r.createdAt, since)))
      .orderBy(desc(r.createdAt), desc(r.id))
      .limit(limit),
  ]);
  const verdicts = recent.length
    ? await db
        .select({ runId: g.runId, gate: schema.gates.name, passed: g.passed })
        .from(g)
        .innerJoin(schema.gates, eq(schema.gates.id, g.gateId))
        .where(
          and(
            eq(g.projectId, projectId),
            inArray(
              g.runId,
              recent.map((x) => x.id),
            ),
          ),
        )
        .orderBy(desc(g.createdAt), desc(g.id))
    : [];
  return {
    runs: counts?.runs ?? 0,
    failedRuns: counts?.failed ?? 0,
    gatesPassed: gateCounts?.passed ?? 0,
    gatesFailed: gateCounts?.failed ?? 0,
    recent: recent.map((run) => {
      const mine = verdicts.filter((v) => v.runId === run.id);
      // newest first: a gate judged twice on a run shows its latest verdict
      const gates = mine.filter((v, i) => mine.findIndex((w) => w.gate === v.gate) === i).map(({ gate, passed }) => ({ gate, passed }));
      return { ...run, gates };
    }),
  };
}
