import { and, eq, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError } from "../core/errors";
import { logger } from "../core/logger";
import { downsample, type LatestMetric, latestMetrics, type MetricSeries, metricSeries, seriesText } from "./run-metrics";
import { getRun, type Run } from "./runs";

/** Points per page when a caller pages (MLflow's client asks for 25,000 at a time). */
export const MAX_HISTORY_PAGE = 100_000;

export interface HistoryInput {
  /** offset cursor from the previous page */
  cursor?: string | null;
  /** points per page; absent: every point (compact arrays) */
  limit?: number | null;
}

export function offsetCursor(cursor: string | null | undefined, field = "cursor"): number {
  if (!cursor) return 0;
  if (!/^\d{1,12}$/.test(cursor)) throw new DomainError("BAD_REQUEST", "cursor is not a cursor returned by this list", field);
  return Number(cursor);
}

function historyPage(input: HistoryInput) {
  if (input.limit != null && (!Number.isInteger(input.limit) || input.limit < 1 || input.limit > MAX_HISTORY_PAGE))
    throw new DomainError("BAD_REQUEST", `limit must be 1 to ${MAX_HISTORY_PAGE}`, "limit");
  const offset = offsetCursor(input.cursor);
  const paged = input.limit != null || offset > 0;
  return { offset, limit: input.limit ?? MAX_HISTORY_PAGE, paged };
}

/** One metric's points of a run, ordered by (step, timestamp); an unknown key has none. */
export async function metricHistory(
  db: DbOrTx,
  projectId: string,
  runId: string,
  key: string,
  input: HistoryInput = {},
): Promise<MetricSeries & { nextCursor: string | null }> {
  const run = await getRun(db, projectId, runId);
  const { offset, limit, paged } = historyPage(input);
  const { more, ...series } = await metricSeries(db, run.id, key, paged ? { offset, limit } : undefined);
  return { ...series, nextCursor: more ? String(offset + limit) : null };
}

/**
 * Postgres's text for a float8 list, as JSON: NaN and ±Infinity (logged through the MLflow routes)
 * are null here, as JSON.stringify writes them; the MLflow routes answer them as MLflow does.
 */
const jsonValues = (text: string) => (/[NI]/.test(text) ? text.replace(/-?Infinity|NaN/g, "null") : text);

/** Full reads of series this long keep their JSON (run_metric_series): a chart re-reads them often. */
export const SERIES_SNAPSHOT_MIN_POINTS = 10_000;

/**
 * The same as metricHistory, as the JSON text of the response: the numbers go from Postgres's
 * formatting to the socket without being parsed and printed again (100,000 points are ~4 MB). A full
 * read of a long series is kept, and served again while the series has the same number of points
 * (points are append-only, so the same count is the same points).
 */
export async function metricHistoryJson(
  db: DbOrTx,
  projectId: string,
  runId: string,
  key: string,
  input: HistoryInput = {},
): Promise<string> {
  const run = await getRun(db, projectId, runId);
  const { offset, limit, paged } = historyPage(input);
  const wrap = (body: string, next: string | null) =>
    `{"key":${JSON.stringify(key)},${body},"nextCursor":${next ? JSON.stringify(next) : "null"}}`;
  const s = schema.runMetricSeries;
  if (!paged) {
    const [[kept], [now]] = await Promise.all([
      db
        .select({ points: s.points, body: s.body })
        .from(s)
        .where(and(eq(s.runId, run.id), eq(s.key, key))),
      db.execute<{ n: number }>(
        sql`select count(*)::int as n from ${schema.runMetrics} where ${schema.runMetrics.runId} = ${run.id} and ${schema.runMetrics.key} = ${key}`,
      ),
    ]);
    if (kept && kept.points === now?.n) return wrap(kept.body, null);
  }
  const t = await seriesText(db, run.id, key, paged ? { offset, limit } : undefined);
  const body = `"steps":[${t.steps}],"timestamps":[${t.timestamps}],"values":[${jsonValues(t.values)}]`;
  if (!paged && t.count >= SERIES_SNAPSHOT_MIN_POINTS)
    // after the response, not before it; a failure only costs the next read a rebuild
    void db
      .insert(s)
      .values({ runId: run.id, key, points: t.count, body })
      .onConflictDoUpdate({ target: [s.runId, s.key], set: { points: t.count, body, createdAt: new Date() } })
      .catch((err) => logger.warn({ err, runId: run.id, key }, "could not keep a metric series"));
  return wrap(body, t.more ? String(offset + limit) : null);
}

/** Several keys of one run at once, each at most `maxPoints` (evenly thinned, ends kept), for charts. */
export async function metricHistories(
  db: DbOrTx,
  projectId: string,
  runId: string,
  keys: readonly string[],
  maxPoints = 2000,
): Promise<MetricSeries[]> {
  const run = await getRun(db, projectId, runId);
  return Promise.all(
    keys.map(async (key) => {
      const { more: _more, ...series } = await metricSeries(db, run.id, key);
      return downsample(series, maxPoints);
    }),
  );
}

export interface ParamRow {
  key: string;
  /** per run, in the order asked; null where the run lacks the param */
  values: (string | null)[];
  differs: boolean;
}
export interface RunComparison {
  runs: (Run & { metrics: LatestMetric[] })[];
  params: ParamRow[];
  /** latest values per metric key, per run */
  metrics: { key: string; values: (number | null)[] }[];
  series: (MetricSeries & { runId: string })[];
}

/** 2 to 10 runs side by side: params (with which differ), latest metrics, and the series of `keys`. */
export async function compareRuns(
  db: DbOrTx,
  projectId: string,
  input: { runIds: readonly string[]; keys?: readonly string[]; maxPoints?: number },
): Promise<RunComparison> {
  const ids = [...new Set(input.runIds)];
  if (ids.length < 2 || ids.length > 10) throw new DomainError("BAD_REQUEST", "compare 2 to 10 distinct runs", "runIds");
  const runs = await Promise.all(ids.map((id) => getRun(db, projectId, id)));
  const latest = await latestMetrics(db, ids);
  const paramKeys = [...new Set(runs.flatMap((r) => Object.keys(r.params)))].sort();
  const params = paramKeys.map((key) => {
    const values = runs.map((r) => r.params[key] ?? null);
    return { key, values, differs: new Set(values).size > 1 };
  });
  const metricKeys = [...new Set(ids.flatMap((id) => (latest.get(id) ?? []).map((m) => m.key)))].sort();
  const metrics = metricKeys.map((key) => ({
    key,
    values: ids.map((id) => (latest.get(id) ?? []).find((m) => m.key === key)?.value ?? null),
  }));
  const maxPoints = input.maxPoints ?? 2000;
  const series = await Promise.all(
    runs.flatMap((run) =>
      (input.keys ?? []).map(async (key) => {
        const { more: _more, ...s } = await metricSeries(db, run.id, key);
        return { runId: run.id, ...downsample(s, maxPoints) };
      }),
    ),
  );
  return {
    runs: runs.map((r) => ({ ...r, metrics: latest.get(r.id) ?? [] })),
    params,
    metrics,
    series,
  };
}
