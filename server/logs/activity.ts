import { and, eq, gte, lt, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { type ScoreSummary, scoreSummaries } from "./score-summary";

const t = schema.traces;

/** Traffic of one window: traces, errors, cost (USD) and tokens. */
export interface Traffic {
  traces: number;
  errors: number;
  cost: number;
  tokens: number;
}

/**
 * The logs part of the overview page: traffic of [since, until) and of the window as long before it
 * (to show a trend), and ratings per score name in both windows (by when the rating was given).
 */
export async function logsActivity(db: DbOrTx, projectId: string, since: Date, until: Date) {
  const before = new Date(since.getTime() - (until.getTime() - since.getTime()));
  const inCurrent = sql`${t.timestamp} >= ${since.toISOString()}::timestamptz`;
  const [row] = await db
    .select({
      traces: sql<number>`count(*) FILTER (WHERE ${inCurrent})::int`,
      errors: sql<number>`count(*) FILTER (WHERE ${inCurrent} AND ${t.status} = 'error')::int`,
      cost: sql<number>`coalesce(sum(${t.cost}) FILTER (WHERE ${inCurrent}), 0)::float8`,
      tokens: sql<number>`coalesce(sum(${t.inputTokens} + ${t.outputTokens}) FILTER (WHERE ${inCurrent}), 0)::float8`,
      prevTraces: sql<number>`count(*) FILTER (WHERE NOT ${inCurrent})::int`,
      prevErrors: sql<number>`count(*) FILTER (WHERE NOT ${inCurrent} AND ${t.status} = 'error')::int`,
      prevCost: sql<number>`coalesce(sum(${t.cost}) FILTER (WHERE NOT ${inCurrent}), 0)::float8`,
      prevTokens: sql<number>`coalesce(sum(${t.inputTokens} + ${t.outputTokens}) FILTER (WHERE NOT ${inCurrent}), 0)::float8`,
    })
    .from(t)
    .where(and(eq(t.projectId, projectId), gte(t.timestamp, before), lt(t.timestamp, until)));
  const scores = await scoreSummaries(
    db,
    projectId,
    sql`CASE WHEN r.created_at >= ${since.toISOString()}::timestamptz THEN 'current' ELSE 'previous' END`,
    sql`r.created_at >= ${before.toISOString()}::timestamptz AND r.created_at < ${until.toISOString()}::timestamptz`,
  );
  const current: Traffic = { traces: row?.traces ?? 0, errors: row?.errors ?? 0, cost: row?.cost ?? 0, tokens: row?.tokens ?? 0 };
  const previous: Traffic = {
    traces: row?.prevTraces ?? 0,
    errors: row?.prevErrors ?? 0,
    cost: row?.prevCost ?? 0,
    tokens: row?.prevTokens ?? 0,
  };
  return { current, previous, ratings: ratingTrend(scores.get("current") ?? [], scores.get("previous") ?? []) };
}

/** Each score of the current window beside the same score (name and kind) of the previous one. */
function ratingTrend(current: ScoreSummary[], previous: ScoreSummary[]) {
  return current.map((c) => ({
    ...c,
    previous: previous.find((p) => p.name === c.name && p.dataType === c.dataType) ?? null,
  }));
}
