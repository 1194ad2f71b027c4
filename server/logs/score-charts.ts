import { sql } from "drizzle-orm";
import type { z } from "zod";
import type { DbOrTx } from "../../db/client";
import { chartsInput } from "./charts";
import { listScoreConfigs } from "./score-configs";
import { traceWhere } from "./traces";

/** The charts' filter and bucket; the rating series are over every model (per model they would multiply past reading). */
export const scoreChartsInput = chartsInput.omit({ byModel: true });

/** Score kinds a chart can draw (text ratings have no value to chart). */
type ChartedType = "numeric" | "boolean" | "categorical";

export interface ScoreSeries {
  name: string;
  dataType: ChartedType;
  /** numeric: the score config's range, when it has one */
  min: number | null;
  max: number | null;
  /** categorical: the labels, in the config's order, then any others by count; [] otherwise */
  categories: string[];
  points: {
    bucket: Date;
    /** ratings in the bucket */
    count: number;
    /** numeric: the mean; boolean (thumbs too): the share that is true, 0..1; categorical: null */
    value: number | null;
    /** categorical: ratings per label of `categories`, same order; [] otherwise */
    counts: number[];
  }[];
}

/** The most-rated names charted, and categories kept per score (the rest are summed as OTHER). */
const MAX_SCORES = 12;
const MAX_CATEGORIES = 12;
export const OTHER = "(other)";

type Row = { bucket: Date | string; name: string; data_type: ChartedType; label: string | null; n: number; total: number | null };

/**
 * Rating series per score name, over the traces a chart filter selects, bucketed by the trace's
 * time like the other charts (UTC hours or days). Thumbs, 1-5 scores and labels are never averaged
 * together: each name (and type, when one name holds several) is its own series. The hourly
 * rollups keep only one mixed rating sum, so this reads the ratings table, joined to the traces
 * the filter (and its time range) selects.
 */
export async function scoreCharts(db: DbOrTx, projectId: string, input: z.infer<typeof scoreChartsInput>): Promise<ScoreSeries[]> {
  const where = traceWhere(projectId, input.filter);
  const step = input.bucket === "day" ? "1 day" : "1 hour";
  const rows = await db.execute<Row>(sql`
    SELECT date_bin(${step}::interval, t.timestamp, TIMESTAMPTZ '1970-01-01 00:00:00+00') AS bucket, r.name, r.data_type,
      CASE WHEN r.data_type = 'categorical' THEN coalesce(r.string_value, r.value::text) END AS label,
      count(*)::int AS n, sum(r.value)::float8 AS total
    FROM ratings r
    JOIN (SELECT id, timestamp FROM traces WHERE ${where}) t ON t.id = r.trace_id
    WHERE r.project_id = ${projectId} AND r.data_type IN ('numeric', 'boolean', 'categorical')
    GROUP BY 1, 2, 3, 4
    ORDER BY 1`);
  const configs = await listScoreConfigs(db, projectId, { includeArchived: true });
  const order = new Map(configs.map((c, i) => [c.name, i]));
  const configOf = new Map(configs.map((c) => [`${c.name}|${c.dataType}`, c]));

  const groups = new Map<string, Row[]>();
  for (const r of rows) groups.set(`${r.name}|${r.data_type}`, [...(groups.get(`${r.name}|${r.data_type}`) ?? []), r]);
  const volume = (rs: Row[]) => rs.reduce((s, r) => s + r.n, 0);
  const kept = [...groups.values()]
    .sort((a, b) => volume(b) - volume(a))
    .slice(0, MAX_SCORES)
    .sort((a, b) => {
      const [x, y] = [a[0] as Row, b[0] as Row];
      return (
        (order.get(x.name) ?? Infinity) - (order.get(y.name) ?? Infinity) ||
        x.name.localeCompare(y.name) ||
        x.data_type.localeCompare(y.data_type)
      );
    });

  return kept.map((rs) => {
    const { name, data_type: dataType } = rs[0] as Row;
    const config = configOf.get(`${name}|${dataType}`);
    const categories = dataType === "categorical" ? categoriesOf(rs, config?.categories ?? null) : [];
    const byBucket = new Map<number, { count: number; total: number; counts: number[] }>();
    for (const r of rs) {
      const t = new Date(r.bucket).getTime();
      const b = byBucket.get(t) ?? { count: 0, total: 0, counts: categories.map(() => 0) };
      b.count += r.n;
      b.total += r.total ?? 0;
      if (dataType === "categorical") {
        const i = categories.indexOf(r.label ?? "");
        const at = i >= 0 ? i : categories.indexOf(OTHER);
        b.counts[at] = (b.counts[at] ?? 0) + r.n;
      }
      byBucket.set(t, b);
    }
    return {
      name,
      dataType,
      min: dataType === "numeric" ? (config?.min ?? null) : null,
      max: dataType === "numeric" ? (config?.max ?? null) : null,
      categories,
      points: [...byBucket]
        .sort((a, b) => a[0] - b[0])
        .map(([t, b]) => ({
          bucket: new Date(t),
          count: b.count,
          value: dataType === "categorical" ? null : b.total / b.count,
          counts: dataType === "categorical" ? b.counts : [],
        })),
    };
  });
}

/** The config's labels first (in its order), then the others by count; past MAX_CATEGORIES the rest become OTHER. */
function categoriesOf(rs: Row[], configured: { label: string }[] | null): string[] {
  const seen = new Map<string, number>();
  for (const r of rs) seen.set(r.label ?? "", (seen.get(r.label ?? "") ?? 0) + r.n);
  const labels = [...(configured ?? []).map((c) => c.label)];
  for (const [l] of [...seen].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) if (!labels.includes(l)) labels.push(l);
  if (labels.length <= MAX_CATEGORIES) return labels;
  return [...labels.slice(0, MAX_CATEGORIES - 1), OTHER];
}
