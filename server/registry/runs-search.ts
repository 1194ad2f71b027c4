import { type SQL, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError } from "../core/errors";
import { getExperiment } from "./experiments";
import { type Clause, type OrderBy, parseFilter, parseOrderBy } from "./mlflow-search";
import { latestMetrics } from "./run-metrics";
import { RUN_NAME_TAG, type Run } from "./runs";

const r = schema.runs;
const lm = schema.runLatestMetrics;

export interface SearchRunsInput {
  experimentIds: readonly string[];
  /** MLflow filter grammar (see mlflow-search.ts) */
  filter?: string | null;
  /** one MLflow order_by clause, e.g. `metrics.loss ASC`; default start time, newest first */
  orderBy?: string | null;
  /** active (default), deleted or all */
  lifecycle?: "active" | "deleted" | "all";
  cursor?: string | null;
  limit: number;
}

export interface RunRow extends Run {
  /** latest value of each metric */
  metrics: Record<string, number>;
}

/**
 * Page cursor. Phase 1 walks the runs that have the sort key in (value, id) order; phase 2, the
 * runs lacking it (no such metric, param or tag, or no end time), newest start first.
 */
interface Cursor {
  p: 1 | 2;
  v?: number | string;
  id: string;
}

const encode = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString("base64url");
function decode(s: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(s, "base64url").toString("utf8")) as Cursor;
    if ((c.p !== 1 && c.p !== 2) || typeof c.id !== "string" || !/^[0-9a-f-]{36}$/i.test(c.id)) throw new Error();
    if (c.v !== undefined && typeof c.v !== "number" && typeof c.v !== "string") throw new Error();
    return c;
  } catch {
    throw new DomainError("BAD_REQUEST", "cursor is not a cursor returned by this search", "cursor");
  }
}

const NUM: Record<string, string> = { "=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">=" };
const STR: Record<string, string> = { "=": "=", "!=": "<>", LIKE: "like", ILIKE: "ilike" };

/** One clause as a condition on `runs` (aliased by drizzle's table name). */
function clauseSql(c: Clause): SQL {
  switch (c.kind) {
    case "metric":
      return sql`exists (select 1 from ${lm} f where f.run_id = ${r.id} and f.key = ${c.key} and f.value ${sql.raw(NUM[c.op] as string)} ${c.value})`;
    case "param":
    case "tag": {
      // MLflow keeps a run's name in the mlflow.runName tag; Keel keeps it in the name column only
      if (c.kind === "tag" && c.key === RUN_NAME_TAG) return sql`${r.name} ${sql.raw(STR[c.op] as string)} ${c.value}`;
      const col = c.kind === "param" ? r.params : r.tags;
      return sql`(${col} ->> ${c.key}) ${sql.raw(STR[c.op] as string)} ${c.value}`;
    }
    case "attribute": {
      if (c.op === "IN" || c.op === "NOT IN") {
        const list = sql.join(
          c.value.map((v) => sql`${v}`),
          sql`, `,
        );
        const col = c.key === "status" ? r.status : sql`${r.id}::text`;
        return sql`${col} ${sql.raw(c.op === "IN" ? "in" : "not in")} (${list})`;
      }
      if (c.key === "start_time" || c.key === "end_time") {
        const col = c.key === "start_time" ? r.startTime : r.endTime;
        return sql`${col} ${sql.raw(NUM[c.op] as string)} ${c.value}`;
      }
      const col = { status: r.status, run_name: r.name, run_id: sql`${r.id}::text`, user_id: r.userName }[c.key];
      return sql`${col} ${sql.raw(STR[c.op] as string)} ${c.value}`;
    }
  }
}

/** The sort expression over `runs` for non-metric keys, and its SQL type for the cursor value. */
function sortExpr(o: OrderBy): { expr: SQL; numeric: boolean } {
  if (o.kind === "param") return { expr: sql`(${r.params} ->> ${o.key})`, numeric: false };
  if (o.kind === "tag") return { expr: o.key === RUN_NAME_TAG ? sql`${r.name}` : sql`(${r.tags} ->> ${o.key})`, numeric: false };
  switch (o.key) {
    case "end_time":
      return { expr: sql`${r.endTime}`, numeric: true };
    case "run_name":
      return { expr: sql`${r.name}`, numeric: false };
    case "status":
      return { expr: sql`${r.status}`, numeric: false };
    default:
      return { expr: sql`${r.startTime}`, numeric: true };
  }
}

type Row = Omit<Run, "startTime" | "endTime"> & { startTime: number | string; endTime: number | string | null; sortValue: unknown };

const runSelect = sql`${r.id} as "id", ${r.experimentId} as "experimentId", ${r.name} as "name", ${r.status} as "status",
  ${r.startTime}::float8 as "startTime", ${r.endTime}::float8 as "endTime", ${r.lifecycleStage} as "lifecycleStage",
  ${r.params} as "params", ${r.tags} as "tags", ${r.userName} as "userName", ${r.createdBy} as "createdBy", ${r.createdAt} as "createdAt"`;

/**
 * Runs of some experiments, keyset-paged. Ordered by a metric's latest value, the query walks
 * `run_latest_metrics` on its (experiment_id, key, value, run_id) index and joins the runs; runs
 * without the metric follow, newest first. Filters are MLflow's grammar (a bad one is a 400).
 */
export async function searchRuns(
  db: DbOrTx,
  projectId: string,
  input: SearchRunsInput,
): Promise<{ items: RunRow[]; nextCursor: string | null }> {
  const clauses = parseFilter(input.filter);
  const order = parseOrderBy(input.orderBy) ?? { kind: "attribute", key: "start_time", desc: true };
  if (!input.experimentIds.length) throw new DomainError("BAD_REQUEST", "name at least one experiment", "experimentIds");
  // unknown or foreign experiments are a 404, never an empty page that hides a typo
  await Promise.all(input.experimentIds.map((id) => getExperiment(db, projectId, id)));
  const cursor = input.cursor ? decode(input.cursor) : null;
  const exps = sql.join(
    input.experimentIds.map((id) => sql`${id}::uuid`),
    sql`, `,
  );
  const lifecycle = input.lifecycle ?? "active";
  const base: SQL[] = [sql`${r.projectId} = ${projectId}`, ...clauses.map(clauseSql)];
  if (lifecycle !== "all") base.push(sql`${r.lifecycleStage} = ${lifecycle}`);
  const dir = sql.raw(order.desc ? "desc" : "asc");
  const cmp = sql.raw(order.desc ? "<" : ">");
  const limit = input.limit + 1;
  const isDefault = order.kind === "attribute" && order.key === "start_time";

  const out: { row: Row; phase: 1 | 2 }[] = [];
  if (!cursor || cursor.p === 1) {
    let rows: Row[];
    if (order.kind === "metric") {
      const after = cursor ? sql`and (${lm.value}, ${lm.runId}) ${cmp} (${Number(cursor.v)}, ${cursor.id}::uuid)` : sql``;
      rows = await db.execute<Row>(sql`
        select ${runSelect}, ${lm.value} as "sortValue"
        from ${lm} join ${r} on ${r.id} = ${lm.runId}
        where ${lm.experimentId} in (${exps}) and ${lm.key} = ${order.key} and ${sql.join(base, sql` and `)} ${after}
        order by ${lm.value} ${dir}, ${lm.runId} ${dir}
        limit ${limit}`);
    } else {
      const { expr, numeric } = sortExpr(order);
      const v = cursor ? (numeric ? sql`${Number(cursor.v)}` : sql`${String(cursor.v)}`) : sql``;
      const after = cursor ? sql`and (${expr}, ${r.id}) ${cmp} (${v}, ${cursor.id}::uuid)` : sql``;
      rows = await db.execute<Row>(sql`
        select ${runSelect}, ${expr} as "sortValue"
        from ${r}
        where ${r.experimentId} in (${exps}) and ${expr} is not null and ${sql.join(base, sql` and `)} ${after}
        order by ${expr} ${dir}, ${r.id} ${dir}
        limit ${limit}`);
    }
    for (const row of rows) out.push({ row, phase: 1 });
  }
  // phase 2: runs without the sort key, newest first
  if (!isDefault && out.length < limit) {
    const lacking =
      order.kind === "metric"
        ? sql`not exists (select 1 from ${lm} x where x.run_id = ${r.id} and x.key = ${order.key})`
        : sql`${sortExpr(order).expr} is null`;
    const after = cursor?.p === 2 ? sql`and (${r.startTime}, ${r.id}) < (${Number(cursor.v)}, ${cursor.id}::uuid)` : sql``;
    const rows = await db.execute<Row>(sql`
      select ${runSelect}, ${r.startTime}::float8 as "sortValue"
      from ${r}
      where ${r.experimentId} in (${exps}) and ${lacking} and ${sql.join(base, sql` and `)} ${after}
      order by ${r.startTime} desc, ${r.id} desc
      limit ${limit - out.length}`);
    for (const row of rows) out.push({ row, phase: 2 });
  }

  const page = out.slice(0, input.limit);
  const last = page[page.length - 1];
  let nextCursor: string | null = null;
  if (out.length > input.limit && last) {
    const sv = last.row.sortValue;
    // a NaN or ±Infinity metric (logged through MLflow) travels as its text: JSON has no such number
    nextCursor = encode({ p: last.phase, v: typeof sv === "number" && Number.isFinite(sv) ? sv : String(sv), id: last.row.id });
  }
  const metrics = await latestMetrics(
    db,
    page.map((x) => x.row.id),
  );
  const items = page.map(({ row: { sortValue: _s, ...row } }) => ({
    ...row,
    startTime: Number(row.startTime),
    endTime: row.endTime === null ? null : Number(row.endTime),
    createdAt: new Date(row.createdAt),
    metrics: Object.fromEntries((metrics.get(row.id) ?? []).map((m) => [m.key, m.value])),
  }));
  return { items, nextCursor };
}

/** Param keys used by runs of these experiments (for a runs table's columns). */
export async function paramKeys(db: DbOrTx, projectId: string, experimentIds: readonly string[]): Promise<string[]> {
  if (!experimentIds.length) return [];
  const exps = sql.join(
    experimentIds.map((id) => sql`${id}::uuid`),
    sql`, `,
  );
  const rows = await db.execute<{ key: string }>(sql`
    select distinct jsonb_object_keys(${r.params}) as key from ${r}
    where ${r.projectId} = ${projectId} and ${r.experimentId} in (${exps}) and ${r.lifecycleStage} = 'active'
    order by 1`);
  return rows.map((x) => x.key);
}
