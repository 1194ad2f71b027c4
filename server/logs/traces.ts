import { and, arrayContains, asc, desc, eq, gte, inArray, lt, lte, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { type DbOrTx, schema } from "../../db/client";
import { notFound } from "../core/errors";
import type { Page } from "../core/pagination";
import { parseScoreConditions } from "./score-conditions";
import { containsPattern, searchMode } from "./search";
import { scoresOf, type TraceScore } from "./trace-scores";
import {
  afterCursor,
  DEFAULT_SORT,
  encodeCursor,
  scoreMean,
  scoreSortedRows,
  sortOrder,
  sortValue,
  type TraceSort,
  traceSort,
} from "./trace-sort";

/**
 * One score's condition: the trace's mean rating of that name within [min, max] (a boolean's true is
 * 1: min 1 = rated true), or a categorical label given by some rating of that name; neither: rated on it.
 */
export const scoreFilter = z
  .object({
    name: z.string().min(1).max(100),
    min: z.number().finite().optional(),
    max: z.number().finite().optional(),
    label: z.string().min(1).max(100).optional(),
  })
  .refine((x) => x.label === undefined || (x.min === undefined && x.max === undefined), {
    message: "a score condition takes a label or a range, not both",
    path: ["label"],
  });

export const traceFilter = z.object({
  from: z.date().optional(),
  to: z.date().optional(),
  models: z.array(z.string().max(200)).max(50).optional(),
  status: z.enum(["ok", "error"]).optional(),
  /** traces carrying every one of these tags */
  tags: z.array(z.string().max(100)).max(20).optional(),
  userId: z.string().max(200).optional(),
  sessionId: z.string().max(200).optional(),
  release: z.string().max(200).optional(),
  hasRating: z.boolean().optional(),
  ratingMin: z.number().optional(),
  ratingMax: z.number().optional(),
  costMin: z.number().min(0).optional(),
  costMax: z.number().min(0).optional(),
  latencyMinMs: z.number().int().min(0).optional(),
  latencyMaxMs: z.number().int().min(0).optional(),
  /** per score name (server/logs/trace-scores.ts keeps scores apart); every condition must hold */
  scores: z.array(scoreFilter).max(10).optional(),
  /** these traces only (the explorer's selection: export, bulk actions) */
  ids: z.array(z.string().min(1).max(200)).min(1).max(1000).optional(),
  /**
   * Search of input and output, by the rule of server/logs/search.ts: quoted, or 3+ characters with
   * a non-word character -> case-insensitive substring; else words (web-search syntax).
   */
  search: z.string().trim().max(500).optional(),
  /** the calls one prompt version made (traces.prompt_version_id, issue 20) */
  promptVersionId: z.uuid().optional(),
  /** the gateway calls one secret key made (traces.api_key_id, issue 20; traces_project_api_key_ts_idx) */
  apiKeyId: z.uuid().optional(),
});
export type TraceFilter = z.infer<typeof traceFilter>;

const t = schema.traces;

/** The WHERE of a filter; every clause leads with project_id so the project's indexes apply. */
export function traceWhere(projectId: string, f: TraceFilter): SQL | undefined {
  const c: (SQL | undefined)[] = [eq(t.projectId, projectId)];
  if (f.from) c.push(gte(t.timestamp, f.from));
  if (f.to) c.push(lt(t.timestamp, f.to));
  if (f.models?.length) c.push(inArray(t.model, f.models));
  if (f.status) c.push(eq(t.status, f.status));
  if (f.tags?.length) c.push(arrayContains(t.tags, f.tags));
  if (f.userId) c.push(eq(t.userId, f.userId));
  if (f.sessionId) c.push(eq(t.sessionId, f.sessionId));
  if (f.release) c.push(eq(t.release, f.release));
  if (f.hasRating === true) c.push(sql`${t.ratingCount} > 0`);
  if (f.hasRating === false) c.push(eq(t.ratingCount, 0));
  if (f.ratingMin !== undefined) c.push(gte(t.ratingMean, f.ratingMin));
  if (f.ratingMax !== undefined) c.push(lte(t.ratingMean, f.ratingMax));
  if (f.costMin !== undefined) c.push(gte(t.cost, f.costMin));
  if (f.costMax !== undefined) c.push(lte(t.cost, f.costMax));
  if (f.latencyMinMs !== undefined) c.push(gte(t.latencyMs, f.latencyMinMs));
  if (f.latencyMaxMs !== undefined) c.push(lte(t.latencyMs, f.latencyMaxMs));
  if (f.ids?.length) c.push(inArray(t.id, f.ids));
  if (f.promptVersionId) c.push(eq(t.promptVersionId, f.promptVersionId));
  if (f.apiKeyId) c.push(eq(t.apiKeyId, f.apiKeyId));
  for (const x of f.scores ?? []) {
    const r = schema.ratings;
    if (x.label !== undefined || (x.min === undefined && x.max === undefined))
      c.push(
        sql`EXISTS (SELECT 1 FROM ${r} WHERE ${r.projectId} = ${t.projectId} AND ${r.traceId} = ${t.id} AND ${r.name} = ${x.name}${
          x.label === undefined ? sql`` : sql` AND ${r.stringValue} = ${x.label}`
        })`,
      );
    if (x.min !== undefined) c.push(sql`${scoreMean(x.name)} >= ${x.min}`);
    if (x.max !== undefined) c.push(sql`${scoreMean(x.name)} <= ${x.max}`);
  }
  if (f.search) {
    const mode = searchMode(f.search);
    // the trigram index (traces_search_text_trgm_idx) serves ILIKE; the GIN tsvector index the words
    if (mode.kind === "substring") c.push(sql`${t.searchText} ILIKE ${containsPattern(mode.text)}`);
    else c.push(sql`${t.search} @@ websearch_to_tsquery('simple', ${mode.query})`);
  }
  return and(...c);
}

const PREVIEW = 300;
export const traceRowCols = {
  id: t.id,
  timestamp: t.timestamp,
  name: t.name,
  model: t.model,
  userId: t.userId,
  sessionId: t.sessionId,
  release: t.release,
  tags: t.tags,
  inputTokens: t.inputTokens,
  outputTokens: t.outputTokens,
  cost: t.cost,
  latencyMs: t.latencyMs,
  status: t.status,
  ratingCount: t.ratingCount,
  ratingMean: t.ratingMean,
  inputPreview: sql<string | null>`left(${t.input}::text, ${PREVIEW})`,
  outputPreview: sql<string | null>`left(${t.output}::text, ${PREVIEW})`,
};
export interface TraceRow {
  id: string;
  timestamp: Date;
  name: string | null;
  model: string | null;
  userId: string | null;
  sessionId: string | null;
  release: string | null;
  tags: string[];
  inputTokens: number;
  outputTokens: number;
  cost: number;
  latencyMs: number | null;
  status: "ok" | "error";
  ratingCount: number;
  ratingMean: number | null;
  inputPreview: string | null;
  outputPreview: string | null;
  /** per score name (withScores) */
  scores?: TraceScore[];
}

/**
 * A page in the sort's order (newest first by default), keyset over (sort key, id). `withScores`
 * adds each row's scores (one more query for the page).
 */
export async function listTraces(
  db: DbOrTx,
  projectId: string,
  f: TraceFilter,
  page: { cursor?: string; limit: number; sort?: TraceSort },
  opts: { full?: boolean; withScores?: boolean } = {},
): Promise<Page<TraceRow & { input?: unknown; output?: unknown; metadata?: unknown }>> {
  const sort = page.sort ?? DEFAULT_SORT;
  const cols = opts.full ? { ...traceRowCols, input: t.input, output: t.output, metadata: t.metadata } : traceRowCols;
  const rows = (
    sort.by === "score"
      ? await scoreSortedRows(db, projectId, cols, traceWhere(projectId, f), sort, page.cursor, page.limit + 1)
      : await db
          .select({ ...cols, sortKey: sql<Date | number | null>`${sortValue(sort)}` })
          .from(t)
          .where(and(traceWhere(projectId, f), page.cursor ? afterCursor(page.cursor, sort) : undefined))
          .orderBy(...sortOrder(sort))
          .limit(page.limit + 1)
  ) as (TraceRow & { sortKey: Date | string | number | null })[];
  const scores = opts.withScores
    ? await scoresOf(
        db,
        projectId,
        rows.slice(0, page.limit).map((r) => r.id),
      )
    : undefined;
  const items = rows.slice(0, page.limit).map(({ sortKey: _k, ...r }) => (scores ? { ...r, scores: scores.get(r.id) ?? [] } : r));
  const last = rows[page.limit - 1];
  // the raw key read back through sql`` is text for timestamps: the row's own Date is exact
  const key = (r: typeof last) => (sort.by === "time" ? (r?.timestamp ?? null) : r?.sortKey === null ? null : Number(r?.sortKey));
  const nextCursor = rows.length > page.limit && last ? encodeCursor(sort, key(last), last.id) : null;
  return { items, nextCursor };
}

/**
 * One trace with its observations (in start order), ratings (with their authors) and the gateway key
 * that made it (name and prefix by one join; the id alone once the key row is gone).
 */
export async function getTrace(db: DbOrTx, projectId: string, traceId: string) {
  const k = schema.apiKeys;
  const [row] = await db
    .select({ trace: t, keyName: k.name, keyPrefix: k.prefix })
    .from(t)
    // the key's own project too: a trace never names another project's key, and must not show one
    .leftJoin(k, and(eq(k.id, t.apiKeyId), eq(k.projectId, t.projectId)))
    .where(and(eq(t.projectId, projectId), eq(t.id, traceId)));
  if (!row) throw notFound("trace");
  const { search: _search, searchText: _searchText, ...rest } = row.trace;
  const apiKey = rest.apiKeyId ? { id: rest.apiKeyId, name: row.keyName, prefix: row.keyPrefix } : null;
  const o = schema.observations;
  const r = schema.ratings;
  const [observations, ratings] = await Promise.all([
    db
      .select()
      .from(o)
      .where(and(eq(o.projectId, projectId), eq(o.traceId, traceId)))
      .orderBy(asc(o.startTime), asc(o.id)),
    db
      .select({
        id: r.id,
        observationId: r.observationId,
        name: r.name,
        dataType: r.dataType,
        value: r.value,
        stringValue: r.stringValue,
        comment: r.comment,
        source: r.source,
        authorUserId: r.authorUserId,
        authorEmail: schema.users.email,
        endUserId: r.endUserId,
        createdAt: r.createdAt,
      })
      .from(r)
      .leftJoin(schema.users, eq(schema.users.id, r.authorUserId))
      .where(and(eq(r.projectId, projectId), eq(r.traceId, traceId)))
      .orderBy(desc(r.createdAt)),
  ]);
  return { trace: rest, observations, ratings, apiKey };
}

// ---- the REST list (GET /api/v1/traces): the filter's fields at the top level, as a query string carries them

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/i;
/** A date-time with an offset, or a date (midnight UTC). */
const instant = z
  .string()
  .regex(ISO_INSTANT, { message: "must be an ISO 8601 date-time with an offset (2026-01-01T00:00:00Z) or a date (2026-01-01)" })
  .transform((s) => new Date(s.length === 10 ? `${s}T00:00:00Z` : s))
  .refine((d) => !Number.isNaN(d.getTime()), { message: "is not a real date" });

/**
 * `scores` as the explorer's URL writes it (score-conditions.ts): `helpful>=0.5;tone=polite`, or the
 * conditions as a comma list or repeated parameters. A part that reads as none is a 400 naming it.
 */
const scoresParam = z
  .array(z.string().max(500))
  .max(10)
  .transform((parts, ctx) =>
    parseScoreConditions(parts.join(";"), (part, why) =>
      ctx.addIssue({ code: "custom", message: `"${part}" ${why} (a condition is name, name=label, name>=n or name<=n)` }),
    ),
  )
  .pipe(z.array(scoreFilter).max(10));

const SORT_KEYS = ["time", "latency", "cost", "tokens"] as const;
/** `sort` as the explorer's URL writes it: time, latency, cost, tokens or score:<name>, then :asc or :desc (default desc). */
const sortParam = z
  .string()
  .max(200)
  .transform((s, ctx): z.input<typeof traceSort> => {
    const dir = s.endsWith(":asc") ? "asc" : s.endsWith(":desc") ? "desc" : undefined;
    const key = dir ? s.slice(0, -(dir.length + 1)) : s;
    if (key.startsWith("score:") && key.length > 6) return { by: "score", score: key.slice(6), dir: dir ?? "desc" };
    const by = SORT_KEYS.find((k) => k === key);
    if (by) return { by, dir: dir ?? "desc" };
    ctx.addIssue({ code: "custom", message: `"${s}" is not a sort: time, latency, cost, tokens or score:<name>, then :asc or :desc` });
    return z.NEVER;
  })
  .pipe(traceSort);

const traceQueryShape = traceFilter.extend({
  from: instant.optional(),
  to: instant.optional(),
  scores: scoresParam.optional(),
  sort: sortParam.optional(),
  cursor: z.string().max(300).optional(),
  limit: z.number().int().min(1).max(200).default(50),
}).shape;
/** `projectId` is the procedure ladder's own input, merged with this one. */
const KNOWN = new Set([...Object.keys(traceQueryShape), "projectId"]);

/**
 * The explorer's filter flattened, with `cursor` and `limit`: what `GET /api/v1/traces` takes as query
 * parameters (lists as comma lists or repeated parameters). An unknown parameter is a 400 naming it:
 * a misspelt filter must not answer every trace.
 */
export const traceQuery = z.looseObject(traceQueryShape).superRefine((q, ctx) => {
  for (const k of Object.keys(q))
    if (!KNOWN.has(k))
      ctx.addIssue({
        code: "custom",
        path: [k],
        message: `unknown parameter; the filters are ${Object.keys(traceFilter.shape).join(", ")}, with sort, cursor and limit`,
      });
});
export type TraceQuery = z.infer<typeof traceQuery>;

/** The filter and the page of a flattened query. */
export function splitTraceQuery(q: TraceQuery): { filter: TraceFilter; page: { cursor?: string; limit: number; sort?: TraceSort } } {
  const { cursor, limit, sort, projectId: _projectId, ...rest } = q as TraceQuery & { projectId?: unknown };
  const filter = Object.fromEntries(Object.entries(rest).filter(([k]) => k in traceFilter.shape)) as TraceFilter;
  return { filter, page: { cursor, limit, sort } };
}
