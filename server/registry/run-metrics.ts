import { inArray, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError } from "../core/errors";

const m = schema.runMetrics;
const lm = schema.runLatestMetrics;

export interface MetricPoint {
  key: string;
  value: number;
  /** integer, default 0 */
  step?: number;
  /** epoch ms, default now */
  timestamp?: number;
}
export interface LatestMetric {
  key: string;
  value: number;
  step: number;
  timestamp: number;
}
/** One key's series as parallel arrays (compact: 100,000 points are about 2.5 MB of JSON). */
export interface MetricSeries {
  key: string;
  steps: number[];
  timestamps: number[];
  values: number[];
}

export const MAX_METRICS_PER_BATCH = 1000;
const KEY_MAX = 250;

export function checkKey(key: unknown, what: "metric" | "param" | "tag", field: string): string {
  if (typeof key !== "string" || !key || key.length > KEY_MAX || /\p{Cc}/u.test(key))
    throw new DomainError("BAD_REQUEST", `${what} key must be 1 to ${KEY_MAX} printable characters`, field);
  return key;
}

/**
 * Validate points and fill in step 0 and the current time. A non-finite value is a 400 naming its
 * key, unless `nonFinite` (MLflow's routes: MLflow stores NaN and ±Infinity, and so does the
 * double precision column); Keel's own API stays strict.
 */
export function normalizeMetrics(points: readonly MetricPoint[], now = Date.now(), nonFinite = false): Required<MetricPoint>[] {
  if (points.length > MAX_METRICS_PER_BATCH)
    throw new DomainError("BAD_REQUEST", `at most ${MAX_METRICS_PER_BATCH} metrics per request (got ${points.length})`, "metrics");
  return points.map((p, i) => {
    const key = checkKey(p.key, "metric", `metrics.${i}.key`);
    if (typeof p.value !== "number" || (!nonFinite && !Number.isFinite(p.value)))
      throw new DomainError("BAD_REQUEST", `metric ${key} must be a finite number (got ${String(p.value)})`, `metrics.${i}.value`);
    const step = p.step ?? 0;
    const timestamp = p.timestamp ?? now;
    if (!Number.isSafeInteger(step)) throw new DomainError("BAD_REQUEST", `metric ${key}: step must be an integer`, `metrics.${i}.step`);
    if (!Number.isSafeInteger(timestamp) || timestamp < 0)
      throw new DomainError("BAD_REQUEST", `metric ${key}: timestamp must be epoch milliseconds`, `metrics.${i}.timestamp`);
    return { key, value: p.value, step, timestamp };
  });
}

/**
 * Append points and keep `run_latest_metrics` current, inside the caller's transaction. The latest
 * point of a key is the one with the highest (step, timestamp); a point logged late for an earlier
 * step never replaces it. Within the batch, the latest point per key is chosen here (one upsert row
 * per key: Postgres cannot update a row twice in one statement), then compared with the stored one.
 */
export async function writeMetrics(
  tx: DbOrTx,
  run: { id: string; experimentId: string },
  points: readonly Required<MetricPoint>[],
): Promise<void> {
  if (!points.length) return;
  await tx.insert(m).values(points.map((p) => ({ runId: run.id, key: p.key, step: p.step, timestamp: p.timestamp, value: p.value })));
  const latest = new Map<string, Required<MetricPoint>>();
  for (const p of points) {
    const cur = latest.get(p.key);
    if (!cur || p.step > cur.step || (p.step === cur.step && p.timestamp >= cur.timestamp)) latest.set(p.key, p);
  }
  await tx
    .insert(lm)
    .values([...latest.values()].map((p) => ({ runId: run.id, experimentId: run.experimentId, ...p })))
    .onConflictDoUpdate({
      target: [lm.runId, lm.key],
      set: { value: sql`excluded.value`, step: sql`excluded.step`, timestamp: sql`excluded.timestamp` },
      setWhere: sql`(excluded.step, excluded.timestamp) >= (${lm.step}, ${lm.timestamp})`,
    });
}

/** The latest value of every metric of each run. */
export async function latestMetrics(db: DbOrTx, runIds: readonly string[]): Promise<Map<string, LatestMetric[]>> {
  const out = new Map<string, LatestMetric[]>(runIds.map((id) => [id, []]));
  if (!runIds.length) return out;
  const rows = await db
    .select({ runId: lm.runId, key: lm.key, value: lm.value, step: lm.step, timestamp: lm.timestamp })
    .from(lm)
    .where(inArray(lm.runId, [...runIds]))
    .orderBy(lm.runId, lm.key);
  for (const { runId, ...rest } of rows) out.get(runId)?.push(rest);
  return out;
}

/** Metric keys logged in these experiments (from the latest-value table's index). */
export async function metricKeys(db: DbOrTx, experimentIds: readonly string[]): Promise<string[]> {
  if (!experimentIds.length) return [];
  const rows = await db
    .selectDistinct({ key: lm.key })
    .from(lm)
    .where(inArray(lm.experimentId, [...experimentIds]))
    .orderBy(lm.key);
  return rows.map((r) => r.key);
}

export interface HistoryPage {
  offset: number;
  limit: number;
}

/**
 * One key's points ordered by (step, timestamp), as parallel arrays aggregated in Postgres (one row
 * back, whatever the count), through the (run_id, key, step, timestamp) index. `page` pages with an
 * offset into that order (MLflow's get-history paging; the index makes skipping cheap).
 */
/** One key's series as JSON-ready text: comma-separated numbers per column, and how many points. */
export interface SeriesText {
  steps: string;
  timestamps: string;
  values: string;
  count: number;
  more: boolean;
}

/**
 * The points of one key in (step, timestamp) order, formatted by Postgres as comma-separated text.
 * Two queries run on two connections at once, integers in one and floats in the other: formatting
 * 100,000 points is most of the cost, and this halves it on two cores with no parsing in Node (see
 * BENCHMARKS.md). Both read the covering index (run_id, key, step, timestamp) INCLUDE (value) in
 * the same order (equal keys are ordered by heap position in a btree); rows tied on (step,
 * timestamp) share those two columns, so any pairing of their values is the same set of points.
 */
export async function seriesText(db: DbOrTx, runId: string, key: string, page?: HistoryPage): Promise<SeriesText> {
  const window = page ? sql`limit ${page.limit + 1} offset ${page.offset}` : sql``;
  const points = sql`from (select ${m.step} as s, ${m.timestamp} as t, ${m.value} as v from ${m}
    where ${m.runId} = ${runId} and ${m.key} = ${key} order by ${m.step}, ${m.timestamp} ${window}) page`;
  const [[ints], [floats]] = await Promise.all([
    db.execute<{ n: number; steps: string | null; timestamps: string | null }>(
      sql`select count(*)::int as n, string_agg(s::text, ',') as steps, string_agg(t::text, ',') as timestamps ${points}`,
    ),
    db.execute<{ values: string | null }>(sql`select string_agg(v::text, ',') as values ${points}`),
  ]);
  let out = { steps: ints?.steps ?? "", timestamps: ints?.timestamps ?? "", values: floats?.values ?? "" };
  const n = ints?.n ?? 0;
  const more = page ? n > page.limit : false;
  if (more) {
    const drop = (t: string) => t.slice(0, t.lastIndexOf(","));
    out = { steps: drop(out.steps), timestamps: drop(out.timestamps), values: drop(out.values) };
  }
  return { ...out, count: more ? n - 1 : n, more };
}

const numbers = (text: string) => (text ? text.split(",").map(Number) : []);

export async function metricSeries(db: DbOrTx, runId: string, key: string, page?: HistoryPage): Promise<MetricSeries & { more: boolean }> {
  const t = await seriesText(db, runId, key, page);
  return { key, steps: numbers(t.steps), timestamps: numbers(t.timestamps), values: numbers(t.values), more: t.more };
}

/**
 * At most `maxPoints` of a series for a chart: evenly spaced by index, always keeping the first and
 * last point. Pure.
 */
export function downsample(s: MetricSeries, maxPoints: number): MetricSeries {
  const n = s.steps.length;
  if (n <= maxPoints || maxPoints < 2) return s;
  const idx: number[] = [];
  for (let i = 0; i < maxPoints; i++) idx.push(Math.round((i * (n - 1)) / (maxPoints - 1)));
  return {
    key: s.key,
    steps: idx.map((i) => s.steps[i] as number),
    timestamps: idx.map((i) => s.timestamps[i] as number),
    values: idx.map((i) => s.values[i] as number),
  };
}
