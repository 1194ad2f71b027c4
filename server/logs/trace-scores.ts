import { and, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { type DbOrTx, schema } from "../../db/client";
import type { SCORE_TYPES } from "../../db/schema";

type ScoreType = (typeof SCORE_TYPES)[number];

/**
 * One score of a trace: its ratings of that name, kept apart from every other score (a thumbs 0/1
 * never averages with a 1-5). `mean` of the numbers (booleans 0/1, categories their value), `labels`
 * the categorical labels given (most given first), `count` every rating of the name.
 */
export const traceScoreOut = z.object({
  name: z.string(),
  dataType: z.string(),
  mean: z.number().nullable(),
  count: z.number(),
  labels: z.array(z.string()),
});
export type TraceScore = z.infer<typeof traceScoreOut>;

/** The scores of some traces of a project (a page of the explorer), by trace id. */
export async function scoresOf(db: DbOrTx, projectId: string, traceIds: string[]): Promise<Map<string, TraceScore[]>> {
  const out = new Map<string, TraceScore[]>();
  if (!traceIds.length) return out;
  const r = schema.ratings;
  const rows = await db
    .select({
      traceId: r.traceId,
      name: r.name,
      dataType: sql<string>`(array_agg(${r.dataType} ORDER BY ${r.createdAt} DESC))[1]`,
      mean: sql<number | null>`avg(${r.value})::float8`,
      count: sql<number>`count(*)::int`,
      labels: sql<
        string[]
      >`coalesce((SELECT array_agg(l ORDER BY n DESC, l) FROM (SELECT x AS l, count(*) AS n FROM unnest(array_agg(${r.stringValue}) FILTER (WHERE ${r.dataType} = 'categorical')) x GROUP BY x) c), '{}')`,
    })
    .from(r)
    .where(and(eq(r.projectId, projectId), inArray(r.traceId, traceIds)))
    .groupBy(r.traceId, r.name)
    .orderBy(r.name);
  for (const { traceId, ...s } of rows) out.set(traceId, [...(out.get(traceId) ?? []), s]);
  return out;
}

export const scoreNameOut = z.object({
  name: z.string(),
  dataType: z.string(),
  /** categorical: the config's labels */
  categories: z.array(z.string()).nullable(),
});
export type ScoreName = z.infer<typeof scoreNameOut>;

/**
 * The score names of a project, for per-score columns and filters: its score configs (not archived),
 * then names rated without a config (their latest rating's type). Distinct names by a skip scan of
 * ratings_project_name_created_idx: one index probe per name, not a read of every rating.
 */
export async function scoreNames(db: DbOrTx, projectId: string): Promise<ScoreName[]> {
  const c = schema.scoreConfigs;
  const configs = await db
    .select({ name: c.name, dataType: c.dataType, categories: c.categories })
    .from(c)
    .where(and(eq(c.projectId, projectId), eq(c.archived, false)))
    .orderBy(c.createdAt, c.id);
  const rated = await db.execute<{ name: string; data_type: ScoreType }>(sql`
    WITH RECURSIVE n AS (
      (SELECT name FROM ratings WHERE project_id = ${projectId} ORDER BY name LIMIT 1)
      UNION ALL
      SELECT (SELECT r.name FROM ratings r WHERE r.project_id = ${projectId} AND r.name > n.name ORDER BY r.name LIMIT 1)
      FROM n WHERE n.name IS NOT NULL)
    SELECT n.name, (SELECT r.data_type FROM ratings r WHERE r.project_id = ${projectId} AND r.name = n.name
                    ORDER BY r.created_at DESC LIMIT 1) AS data_type
    FROM n WHERE n.name IS NOT NULL LIMIT 200`);
  const known = new Set(configs.map((x) => x.name));
  return [
    ...configs.map((x) => ({ name: x.name, dataType: x.dataType, categories: x.categories?.map((k) => k.label) ?? null })),
    ...rated.filter((x) => !known.has(x.name)).map((x) => ({ name: x.name, dataType: x.data_type, categories: null })),
  ];
}
