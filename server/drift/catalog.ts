import { eq, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { BUILTIN_COLUMNS } from "./columns";
import { EMBEDDING_METHODS, STATTESTS } from "./contract";

/**
 * What a monitor can watch in this project, for the create form: the built-in columns, a
 * rating:/rated: pair per score name in use, and the metadata keys of recent traces (with the
 * type their values suggest).
 */
export async function columnCatalog(db: DbOrTx, projectId: string) {
  const scores = await db
    .selectDistinct({ name: schema.ratings.name })
    .from(schema.ratings)
    .where(eq(schema.ratings.projectId, projectId))
    .limit(100);
  const keys = (await db.execute(sql`
    SELECT k AS key, bool_and(jsonb_typeof(v) = 'number') AS numeric
    FROM (SELECT metadata FROM traces WHERE project_id = ${projectId} AND metadata IS NOT NULL ORDER BY timestamp DESC LIMIT 2000) t,
      LATERAL jsonb_each(CASE WHEN jsonb_typeof(t.metadata) = 'object' THEN t.metadata ELSE '{}'::jsonb END) AS e(k, v)
    GROUP BY k ORDER BY k LIMIT 200`)) as unknown as { key: string; numeric: boolean }[];
  return {
    builtin: BUILTIN_COLUMNS,
    scores: scores.map((s) => s.name).sort(),
    metadata: keys.map((k) => ({ name: `metadata.${k.key}`, type: k.numeric ? ("numerical" as const) : ("categorical" as const) })),
    stattests: STATTESTS,
    embeddingMethods: EMBEDDING_METHODS,
  };
}
