import { and, asc, desc, eq, gt, inArray, or, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { type DbOrTx, schema } from "../../db/client";
import { notFound } from "../core/errors";
import { decodeCursor, type Page } from "../core/pagination";
import { type ScoreSummary, scoreSummaries } from "./score-summary";
import { traceRowCols } from "./traces";

/**
 * Sessions and users (issue 19, as Langfuse has them): the traces sharing a `session_id` or a
 * `user_id`, summed up. Neither is a table of its own: both are groups over `traces`, served by the
 * (project_id, session_id) and (project_id, user_id) indexes. Lists are keyset pages over
 * (last seen DESC, key DESC); every query leads with project_id.
 */

const t = schema.traces;
const r = schema.ratings;

export const groupKey = z.string().min(1).max(200);
export const groupListInput = z.object({
  cursor: z.string().max(400).optional(),
  limit: z.number().int().min(1).max(200).default(50),
});
export type GroupListInput = z.infer<typeof groupListInput>;

// Postgres keeps microseconds, a JS Date milliseconds: the cursor compares at milliseconds, both sides.
const lastSeen = sql`date_trunc('milliseconds', max(${t.timestamp}))`;

type GroupRow = {
  key: string;
  traces: number;
  first_at: Date | string;
  last_at: Date | string;
  cost: number;
  input_tokens: number;
  output_tokens: number;
  errors: number;
};

/** One page of groups of the project's traces by `col` (traces without it are in no group). */
async function listGroups(db: DbOrTx, projectId: string, col: typeof t.sessionId | typeof t.userId, page: GroupListInput) {
  let after = sql`true`;
  if (page.cursor) {
    const c = decodeCursor(page.cursor);
    after = sql`(${lastSeen}, ${col}) < (${c.t}::timestamptz, ${c.id})`;
  }
  const rows = [
    ...(await db.execute<GroupRow>(sql`
      SELECT ${col} AS key, count(*)::int AS traces, min(${t.timestamp}) AS first_at, ${lastSeen} AS last_at,
        sum(${t.cost})::float8 AS cost, sum(${t.inputTokens})::float8 AS input_tokens,
        sum(${t.outputTokens})::float8 AS output_tokens, count(*) FILTER (WHERE ${t.status} = 'error')::int AS errors
      FROM ${t}
      WHERE ${t.projectId} = ${projectId} AND ${col} IS NOT NULL
      GROUP BY ${col}
      HAVING ${after}
      ORDER BY ${lastSeen} DESC, ${col} DESC
      LIMIT ${page.limit + 1}`)),
  ];
  const items = rows.slice(0, page.limit).map(groupOf);
  const last = items.at(-1);
  const nextCursor =
    rows.length > page.limit && last
      ? Buffer.from(JSON.stringify({ t: last.lastAt.toISOString(), id: last.key })).toString("base64url")
      : null;
  const keys = items.map((i) => i.key);
  const scores = keys.length
    ? await scoreSummaries(
        db,
        projectId,
        sql`t.${sql.identifier(col.name)}`,
        sql`t.${sql.identifier(col.name)} IN (${sql.join(
          keys.map((k) => sql`${k}`),
          sql`, `,
        )})`,
      )
    : new Map<string, ScoreSummary[]>();
  return { items: items.map((i) => ({ ...i, ratings: scores.get(i.key) ?? [] })), nextCursor };
}

const groupOf = (g: GroupRow) => ({
  key: g.key,
  traces: g.traces,
  firstAt: new Date(g.first_at),
  lastAt: new Date(g.last_at),
  cost: g.cost,
  inputTokens: g.input_tokens,
  outputTokens: g.output_tokens,
  errors: g.errors,
});
export type GroupSummary = ReturnType<typeof groupOf> & { ratings: ScoreSummary[] };

/** The summary of one group, or NOT_FOUND when no trace of this project carries the key. */
async function groupSummary(db: DbOrTx, projectId: string, col: typeof t.sessionId | typeof t.userId, key: string, what: string) {
  const [row] = await db.execute<GroupRow>(sql`
    SELECT ${key}::text AS key, count(*)::int AS traces, min(${t.timestamp}) AS first_at, max(${t.timestamp}) AS last_at,
      coalesce(sum(${t.cost}), 0)::float8 AS cost, coalesce(sum(${t.inputTokens}), 0)::float8 AS input_tokens,
      coalesce(sum(${t.outputTokens}), 0)::float8 AS output_tokens, count(*) FILTER (WHERE ${t.status} = 'error')::int AS errors
    FROM ${t} WHERE ${t.projectId} = ${projectId} AND ${col} = ${key}`);
  if (!row || row.traces === 0) throw notFound(what);
  const scores = await scoreSummaries(db, projectId, sql`t.${sql.identifier(col.name)}`, sql`t.${sql.identifier(col.name)} = ${key}`);
  return { ...groupOf(row), ratings: scores.get(key) ?? [] };
}

export const listSessions = (db: DbOrTx, projectId: string, page: GroupListInput) => listGroups(db, projectId, t.sessionId, page);
export const listUsers = (db: DbOrTx, projectId: string, page: GroupListInput) => listGroups(db, projectId, t.userId, page);

/** The ratings of some traces, per trace, oldest first (ratings written in one batch share a time: by name then). */
async function ratingsOf(db: DbOrTx, projectId: string, traceIds: string[]) {
  if (!traceIds.length) return new Map<string, RatingBrief[]>();
  const rows = await db
    .select({
      traceId: r.traceId,
      id: r.id,
      name: r.name,
      dataType: r.dataType,
      value: r.value,
      stringValue: r.stringValue,
      comment: r.comment,
      source: r.source,
      createdAt: r.createdAt,
    })
    .from(r)
    .where(and(eq(r.projectId, projectId), inArray(r.traceId, traceIds)))
    .orderBy(asc(r.createdAt), asc(r.name), asc(r.id));
  const by = new Map<string, RatingBrief[]>();
  for (const { traceId, ...rating } of rows) by.set(traceId, [...(by.get(traceId) ?? []), rating]);
  return by;
}
export interface RatingBrief {
  id: string;
  name: string;
  dataType: ScoreSummary["dataType"];
  value: number | null;
  stringValue: string | null;
  comment: string | null;
  source: string;
  createdAt: Date;
}

/**
 * A session: its summary and a page of its traces in time order (oldest first, as the conversation
 * went), each with its input, output and ratings.
 */
export async function getSession(db: DbOrTx, projectId: string, sessionId: string, page: GroupListInput) {
  const summary = await groupSummary(db, projectId, t.sessionId, sessionId, "session");
  let after: SQL | undefined;
  if (page.cursor) {
    const c = decodeCursor(page.cursor);
    const at = new Date(c.t);
    after = or(gt(t.timestamp, at), and(eq(t.timestamp, at), gt(t.id, c.id)));
  }
  const rows = await db
    .select({ ...traceRowCols, input: t.input, output: t.output })
    .from(t)
    .where(and(eq(t.projectId, projectId), eq(t.sessionId, sessionId), after))
    .orderBy(asc(t.timestamp), asc(t.id))
    .limit(page.limit + 1);
  const items = rows.slice(0, page.limit);
  const last = items.at(-1);
  // the cursor keeps the row's exact instant: a trace stored with microseconds is compared at ms
  const nextCursor =
    rows.length > page.limit && last
      ? Buffer.from(JSON.stringify({ t: last.timestamp.toISOString(), id: last.id })).toString("base64url")
      : null;
  const ratings = await ratingsOf(
    db,
    projectId,
    items.map((i) => i.id),
  );
  return {
    session: summary,
    traces: { items: items.map((i) => ({ ...i, ratings: ratings.get(i.id) ?? [] })), nextCursor } satisfies Page<unknown>,
  };
}

/** Days of traffic shown on a user's page. */
export const USER_DAYS = 30;

/** A user: summary, traffic per day over the last USER_DAYS days, and the most recent traces. */
export async function getUser(db: DbOrTx, projectId: string, userId: string, opts: { recent: number } = { recent: 20 }) {
  const summary = await groupSummary(db, projectId, t.userId, userId, "user");
  const since = new Date(Date.now() - USER_DAYS * 86_400_000);
  const [daily, recent] = await Promise.all([
    db.execute<{ day: Date | string; traces: number; errors: number; cost: number; tokens: number }>(sql`
      SELECT date_trunc('day', ${t.timestamp}, 'UTC') AS day, count(*)::int AS traces,
        count(*) FILTER (WHERE ${t.status} = 'error')::int AS errors, sum(${t.cost})::float8 AS cost,
        sum(${t.inputTokens} + ${t.outputTokens})::float8 AS tokens
      FROM ${t} WHERE ${t.projectId} = ${projectId} AND ${t.userId} = ${userId} AND ${t.timestamp} >= ${since.toISOString()}::timestamptz
      GROUP BY 1 ORDER BY 1`),
    db
      .select(traceRowCols)
      .from(t)
      .where(and(eq(t.projectId, projectId), eq(t.userId, userId)))
      .orderBy(desc(t.timestamp), desc(t.id))
      .limit(opts.recent),
  ]);
  return {
    user: summary,
    daily: [...daily].map((d) => ({ day: new Date(d.day), traces: d.traces, errors: d.errors, cost: d.cost, tokens: d.tokens })),
    recent,
  };
}
