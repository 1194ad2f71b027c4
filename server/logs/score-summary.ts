import { type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { type DbOrTx, schema } from "../../db/client";
import { SCORE_TYPES } from "../../db/schema";

/**
 * Ratings summed up per score name, each by its own kind: a numeric score's mean, a boolean's (thumbs)
 * share true, a categorical score's count per label, a text score's count. Never one mean over kinds:
 * thumbs (0/1), a 1-5 score and true/false averaged together mean nothing (issue 19).
 */
export const scoreSummaryOut = z.object({
  name: z.string(),
  dataType: z.enum(SCORE_TYPES),
  count: z.number(),
  /** numeric: the mean; boolean: the share true (0..1); categorical and text: null */
  value: z.number().nullable(),
  /** categorical: ratings per label, most first; empty otherwise */
  categories: z.array(z.object({ label: z.string(), count: z.number() })),
});
export type ScoreSummary = z.infer<typeof scoreSummaryOut>;

type Part = {
  key: string;
  name: string;
  data_type: ScoreSummary["dataType"];
  label: string | null;
  n: number;
  total: number | null;
};

/** Fold per-(key, name, kind, label) counts and sums into summaries per key, names in order. */
function fold(parts: Part[]): Map<string, ScoreSummary[]> {
  const byKey = new Map<string, Map<string, ScoreSummary & { sum: number; valued: number }>>();
  for (const p of parts) {
    const scores = byKey.get(p.key) ?? new Map();
    byKey.set(p.key, scores);
    const id = `${p.name}\u0000${p.data_type}`;
    const s = scores.get(id) ?? { name: p.name, dataType: p.data_type, count: 0, value: null, categories: [], sum: 0, valued: 0 };
    scores.set(id, s);
    s.count += p.n;
    if (p.total !== null) {
      s.sum += p.total;
      s.valued += p.n;
    }
    if (p.data_type === "categorical" && p.label !== null) s.categories.push({ label: p.label, count: p.n });
  }
  const out = new Map<string, ScoreSummary[]>();
  for (const [key, scores] of byKey) {
    const list = [...scores.values()]
      .map(({ sum, valued, ...s }) => ({
        ...s,
        value: (s.dataType === "numeric" || s.dataType === "boolean") && valued > 0 ? sum / valued : null,
        categories: s.categories.sort((a, b) => b.count - a.count || a.label.localeCompare(b.label)),
      }))
      .sort((a, b) => a.name.localeCompare(b.name) || a.dataType.localeCompare(b.dataType));
    out.set(key, list);
  }
  return out;
}

/**
 * Score summaries of the ratings on traces matching `traceWhere` (a condition on `traces t`, led by
 * project_id), grouped by `key` (an expression over `t`, cast to text). Ratings join their trace on
 * (project_id, trace_id), the ratings index.
 */
export async function scoreSummaries(db: DbOrTx, projectId: string, key: SQL, traceWhere: SQL): Promise<Map<string, ScoreSummary[]>> {
  const parts = await db.execute<Part>(sql`
    SELECT (${key})::text AS key, r.name, r.data_type,
      CASE WHEN r.data_type = 'categorical' THEN r.string_value END AS label,
      count(*)::int AS n, sum(r.value)::float8 AS total
    FROM ${schema.traces} t
    JOIN ${schema.ratings} r ON r.project_id = t.project_id AND r.trace_id = t.id
    WHERE t.project_id = ${projectId} AND r.project_id = ${projectId} AND ${traceWhere}
    GROUP BY 1, 2, 3, 4`);
  return fold([...parts]);
}
