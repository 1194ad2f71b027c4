import { and, asc, desc, eq, gt, isNotNull, isNull, lt, or, type SQL, sql } from "drizzle-orm";
import type { SelectedFields } from "drizzle-orm/pg-core";
import { z } from "zod";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError } from "../core/errors";

const t = schema.traces;

/**
 * The explorer's order: a column (tokens = input + output), or the trace's mean rating of one score
 * name; ties by id in the same direction. Traces not rated on the score come last in both
 * directions; traces without a latency yet (no observation ended) sort as PostgreSQL puts NULL
 * (last ascending, first descending) so that one (project_id, latency_ms, id) index serves both.
 */
export const traceSort = z
  .object({
    by: z.enum(["time", "latency", "cost", "tokens", "score"]).default("time"),
    dir: z.enum(["asc", "desc"]).default("desc"),
    /** the score name, with by "score" */
    score: z.string().min(1).max(100).optional(),
  })
  .superRefine((s, ctx) => {
    if (s.by === "score" && !s.score) ctx.addIssue({ code: "custom", path: ["score"], message: 'sorting by "score" needs the score name' });
  });
export type TraceSort = z.infer<typeof traceSort>;
export const DEFAULT_SORT: TraceSort = { by: "time", dir: "desc" };

const ts = schema.traceScores;

/**
 * A trace's mean rating of score `name` (numeric, boolean as 0/1, categorical as the label's value),
 * from `trace_scores` (one primary-key read; migration 0023 keeps it from the ratings).
 */
export const scoreMean = (name: string) =>
  sql<
    number | null
  >`(SELECT ts.mean FROM trace_scores ts WHERE ts.project_id = ${t.projectId} AND ts.name = ${name} AND ts.trace_id = ${t.id})`;

interface SortKey {
  expr: SQL;
  nullable: boolean;
  /** nulls where PostgreSQL puts them by default (an index serves the order), else always last */
  nullsDefault?: boolean;
  /** the cursor's value as the key's SQL type */
  param: (v: string | number) => SQL;
}

function sortKey(s: TraceSort): SortKey {
  const num = (v: string | number) => sql`${Number(v)}::float8`;
  switch (s.by) {
    case "time":
      return { expr: sql`${t.timestamp}`, nullable: false, param: (v) => sql`${new Date(v).toISOString()}::timestamptz` };
    case "latency":
      return { expr: sql`${t.latencyMs}`, nullable: true, nullsDefault: true, param: (v) => sql`${Math.round(Number(v))}::bigint` };
    case "cost":
      return { expr: sql`${t.cost}`, nullable: false, param: num };
    case "tokens":
      return { expr: sql`(${t.inputTokens} + ${t.outputTokens})`, nullable: false, param: num };
    case "score":
      // scoreSortedRows reads a score sort's rows itself; the cursor check reads this key's nullability
      return { expr: sql`${ts.mean}`, nullable: true, param: num };
  }
}

/** Whether rows without a sort value come first (descending by a key with default NULLS placement). */
const nullsFirst = (s: TraceSort, k: SortKey) => k.nullable && !!k.nullsDefault && s.dir === "desc";

/**
 * ORDER BY of a sort. Keys that can't be null keep the default NULLS placement (a NULLS clause the
 * index lacks makes PostgreSQL sort every match), so the (project_id, key, id) indexes serve them.
 */
export function sortOrder(s: TraceSort): SQL[] {
  const k = sortKey(s);
  const dir = sql.raw(s.dir === "asc" ? "ASC" : "DESC");
  return [k.nullable && !k.nullsDefault ? sql`${k.expr} ${dir} NULLS LAST` : sql`${k.expr} ${dir}`, sql`${t.id} ${dir}`];
}

/** The sort key of a row as the SELECT reads it. */
export const sortValue = (s: TraceSort): SQL => sortKey(s).expr;

export interface Cursor {
  /** the sort it belongs to ("time", "cost", "score:helpful"...) */
  k: string;
  v: string | number | null;
  id: string;
}
const sortId = (s: TraceSort) => (s.by === "score" ? `score:${s.score}` : s.by);

export function encodeCursor(s: TraceSort, v: Date | number | null, id: string): string {
  const c: Cursor = { k: sortId(s), v: v instanceof Date ? v.toISOString() : v, id };
  return Buffer.from(JSON.stringify(c)).toString("base64url");
}

const badCursor = () => new DomainError("BAD_REQUEST", "cursor is not a cursor returned by this list with this sort", "cursor");

/** A cursor's sort value and id, checked against the sort. */
export function decode(cursor: string, s: TraceSort): Cursor {
  let c: Partial<Cursor> & { t?: unknown };
  try {
    c = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw badCursor();
  }
  // cursors from before sorting: {t, id}, newest first
  if (c.k === undefined && typeof c.t === "string") c = { k: "time", v: c.t, id: c.id };
  const okValue = c.v === null || typeof c.v === "number" || (typeof c.v === "string" && !Number.isNaN(Date.parse(c.v)));
  if (c.k !== sortId(s) || typeof c.id !== "string" || !okValue || (c.v === null && !sortKey(s).nullable)) throw badCursor();
  return c as Cursor;
}

/** The rows after `cursor` in the sort's order (rows without a value: see nullsFirst). */
export function afterCursor(cursor: string, s: TraceSort): SQL | undefined {
  const c = decode(cursor, s);
  const k = sortKey(s);
  const first = nullsFirst(s, k);
  const idBeyond = (s.dir === "asc" ? gt : lt)(t.id, c.id);
  // within the null block, by id; then the valued rows when nulls come first
  if (c.v === null) return or(and(isNull(k.expr), idBeyond), first ? isNotNull(k.expr) : undefined);
  const v = k.param(c.v);
  const cmp = s.dir === "asc" ? sql`${k.expr} > ${v}` : sql`${k.expr} < ${v}`;
  return or(cmp, and(sql`${k.expr} = ${v}`, idBeyond), k.nullable && !first ? isNull(k.expr) : undefined);
}

/** How many rated traces, in score order, the first try of a score sort filters (× the page size, at least). */
const WINDOW_PER_ROW = 100;

/**
 * The rows of a score sort: the traces rated on the score, in score order, then, once those run out,
 * the traces of the filter not rated on it, by id. `where` is the list's filter on `traces`; `n` rows
 * at most.
 *
 * The rated part tries the (project_id, name, mean, trace_id) index first: the next
 * max(5000, 100 × n) rated traces after the cursor, then the filter on those (primary-key reads).
 * That finds the page when the filter keeps at least one rated trace in 100 (a day of 60: 1 in 60),
 * and costs one bounded
 * index range otherwise. When it comes up short, the rest is read filter first (the filter's own
 * indexes, then each match's score by primary key, then a top-n sort): walking the whole score index
 * for a filter whose matches all sort last (a model whose ratings are all 5, sorted worst first)
 * would read every rated trace of the project.
 */
export async function scoreSortedRows<C extends SelectedFields>(
  db: DbOrTx,
  projectId: string,
  cols: C,
  where: SQL | undefined,
  s: TraceSort,
  cursor: string | undefined,
  n: number,
): Promise<Record<string, unknown>[]> {
  const name = s.score ?? "";
  const c = cursor ? decode(cursor, s) : undefined;
  const dir = s.dir === "asc" ? asc : desc;
  const beyond = s.dir === "asc" ? sql`>` : sql`<`;
  const after = (k?: { v: number; id: string }) => (k ? sql`(${ts.mean}, ${ts.traceId}) ${beyond} (${k.v}::float8, ${k.id})` : undefined);
  const mine = and(eq(ts.projectId, projectId), eq(ts.name, name));
  const start = c && c.v !== null ? { v: Number(c.v), id: c.id } : undefined;
  const windowSize = Math.max(5000, WINDOW_PER_ROW * n);
  let rated: Record<string, unknown>[] = [];
  if (c?.v !== null) {
    const win = db
      .select({ traceId: ts.traceId, mean: ts.mean })
      .from(ts)
      .where(and(mine, after(start)))
      .orderBy(dir(ts.mean), dir(ts.traceId))
      .limit(windowSize)
      .as("w");
    rated = await db
      .select({ ...cols, sortKey: sql<number | null>`${win.mean}` })
      .from(t)
      .innerJoin(win, and(eq(t.projectId, projectId), eq(t.id, win.traceId)))
      .where(where)
      .orderBy(dir(win.mean), dir(win.traceId))
      .limit(n);
    if (rated.length < n) {
      // the window's last trace, if the window was full: the rest starts after it
      const [edge] = await db
        .select({ v: ts.mean, id: ts.traceId })
        .from(ts)
        .where(and(mine, after(start)))
        .orderBy(dir(ts.mean), dir(ts.traceId))
        .offset(windowSize - 1)
        .limit(1);
      if (edge && edge.v !== null) {
        const rest = await db
          .select({ ...cols, sortKey: sql<number | null>`${ts.mean}` })
          .from(t)
          .innerJoin(ts, and(eq(ts.projectId, t.projectId), eq(ts.name, name), eq(ts.traceId, t.id)))
          .where(and(where, after({ v: edge.v, id: edge.id })))
          // "+ 0": not the score index's order, so PostgreSQL reads the filter's matches first
          .orderBy(sql`${ts.mean} + 0 ${sql.raw(s.dir === "asc" ? "ASC" : "DESC")}`, dir(ts.traceId))
          .limit(n - rated.length);
        rated = [...rated, ...rest];
      }
    }
  }
  if (rated.length >= n) return rated;
  const unrated = await db
    .select({ ...cols, sortKey: sql<number | null>`NULL::float8` })
    .from(t)
    .where(
      and(
        where,
        sql`NOT EXISTS (SELECT 1 FROM trace_scores x WHERE x.project_id = ${t.projectId} AND x.name = ${name} AND x.trace_id = ${t.id})`,
        c?.v === null ? sql`${t.id} ${beyond} ${c.id}` : undefined,
      ),
    )
    .orderBy(dir(t.id))
    .limit(n - rated.length);
  return [...rated, ...unrated];
}
