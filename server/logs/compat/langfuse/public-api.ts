import { and, asc, count, desc, eq, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { type DbOrTx, schema } from "../../../../db/client";
import { DomainError } from "../../../core/errors";
import { getTrace, traceWhere } from "../../traces";

/**
 * Langfuse's read API for traces (`GET /api/public/traces`, `/api/public/traces/{traceId}`), in its
 * response shapes, for clients that read back what they logged (`langfuse.fetchTraces()`,
 * `fetchTrace()`). Pages are numbered as Langfuse numbers them (`page`, `limit`, `meta.totalItems`).
 * Fields Keel keeps in metadata (version, environment, level: see ingestion.ts) come back in place.
 */

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const metaOf = (m: unknown): Record<string, unknown> => (isObj(m) ? m : {});
const seconds = (ms: number | null) => (ms === null ? null : ms / 1000);

const text = z.string().max(200).optional();
const list = z.array(z.string().max(200)).max(50).optional();
const instant = z.iso
  .datetime({ offset: true, message: "must be an ISO 8601 date-time with an offset" })
  .transform((s) => new Date(s))
  .optional();

/** The query parameters Keel honours; others (`fields`, ...) are ignored, as Langfuse ignores unknown ones. */
const tracesQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  userId: text,
  name: text,
  sessionId: text,
  release: text,
  version: text,
  tags: list,
  environment: list,
  fromTimestamp: instant,
  toTimestamp: instant,
  orderBy: z.enum(["timestamp.asc", "timestamp.desc"], { message: "Keel orders by timestamp.asc or timestamp.desc" }).optional(),
});
const LISTS = new Set(["tags", "environment"]);

/** The query string as the schema's input (lists as Langfuse's client sends them: comma lists), or a 400 naming the parameter. */
export function parseTracesQuery(params: URLSearchParams): z.infer<typeof tracesQuery> {
  const raw: Record<string, unknown> = {};
  for (const k of new Set(params.keys())) {
    if (!(k in tracesQuery.shape)) continue;
    raw[k] = LISTS.has(k) ? params.getAll(k).flatMap((v) => v.split(",").filter(Boolean)) : params.get(k);
  }
  const parsed = tracesQuery.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.join(".") || "query";
  throw new DomainError("BAD_REQUEST", `${field}: ${issue?.message}`, field);
}

const t = schema.traces;

/** Langfuse's Trace fields of a Keel trace row. */
function traceShape(row: Omit<typeof t.$inferSelect, "search" | "searchText">, projectSlug: string) {
  const m = metaOf(row.metadata);
  return {
    id: row.id,
    projectId: row.projectId,
    timestamp: row.timestamp.toISOString(),
    name: row.name,
    input: row.input,
    output: row.output,
    sessionId: row.sessionId,
    release: row.release,
    version: (m.version as string | undefined) ?? null,
    userId: row.userId,
    metadata: row.metadata,
    tags: row.tags,
    public: m.public === true,
    bookmarked: false,
    environment: (m.environment as string | undefined) ?? "default",
    htmlPath: `/${projectSlug}/logs/traces/${encodeURIComponent(row.id)}`,
    latency: seconds(row.latencyMs) ?? 0,
    totalCost: row.cost,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** `GET /api/public/traces`: Langfuse's `{data, meta}` page, newest first unless `orderBy=timestamp.asc`. */
export async function listLangfuseTraces(db: DbOrTx, project: { id: string; slug: string }, q: z.infer<typeof tracesQuery>) {
  const conditions: (SQL | undefined)[] = [
    traceWhere(project.id, {
      userId: q.userId,
      sessionId: q.sessionId,
      release: q.release,
      tags: q.tags,
      from: q.fromTimestamp,
      to: q.toTimestamp,
    }),
    q.name ? eq(t.name, q.name) : undefined,
    q.version ? sql`${t.metadata}->>'version' = ${q.version}` : undefined,
    q.environment?.length
      ? sql`coalesce(${t.metadata}->>'environment', 'default') IN (${sql.join(
          q.environment.map((e) => sql`${e}`),
          sql`, `,
        )})`
      : undefined,
  ];
  const where = and(...conditions);
  const order = q.orderBy === "timestamp.asc" ? [asc(t.timestamp), asc(t.id)] : [desc(t.timestamp), desc(t.id)];
  const [rows, [total]] = await Promise.all([
    db
      .select({
        row: t,
        observations: sql<string[]>`coalesce((SELECT array_agg(o.id ORDER BY o.start_time, o.id) FROM observations o
          WHERE o.project_id = traces.project_id AND o.trace_id = traces.id), '{}')`,
        scores: sql<string[]>`coalesce((SELECT array_agg(r.id ORDER BY r.created_at, r.id) FROM ratings r
          WHERE r.project_id = traces.project_id AND r.trace_id = traces.id), '{}')`,
      })
      .from(t)
      .where(where)
      .orderBy(...order)
      .limit(q.limit)
      .offset((q.page - 1) * q.limit),
    db.select({ n: count() }).from(t).where(where),
  ]);
  const totalItems = total?.n ?? 0;
  return {
    data: rows.map(({ row, observations, scores }) => {
      const { search: _search, searchText: _searchText, ...trace } = row;
      return { ...traceShape(trace, project.slug), observations, scores };
    }),
    meta: { page: q.page, limit: q.limit, totalItems, totalPages: Math.ceil(totalItems / q.limit) },
  };
}

type Detail = Awaited<ReturnType<typeof getTrace>>;
const OBSERVATION_TYPE = { generation: "GENERATION", span: "SPAN", event: "EVENT" } as const;
const SCORE_TYPE = { numeric: "NUMERIC", boolean: "BOOLEAN", categorical: "CATEGORICAL", text: "CATEGORICAL" } as const;

/**
 * Langfuse's ObservationsView of a Keel observation. Keel links the prompt version to the trace
 * (`traces.prompt_version_id`), so its generations answer it as their `promptId`.
 */
function observationShape(o: Detail["observations"][number], promptVersionId: string | null) {
  const m = metaOf(o.metadata);
  const usage = { input: o.inputTokens ?? 0, output: o.outputTokens ?? 0, total: (o.inputTokens ?? 0) + (o.outputTokens ?? 0) };
  return {
    id: o.id,
    traceId: o.traceId,
    type: OBSERVATION_TYPE[o.type],
    name: o.name,
    startTime: o.startTime.toISOString(),
    endTime: o.endTime?.toISOString() ?? null,
    completionStartTime: o.completionStartTime?.toISOString() ?? null,
    model: o.model,
    modelParameters: o.modelParameters,
    input: o.input,
    output: o.output,
    version: (m.version as string | undefined) ?? null,
    metadata: o.metadata,
    usage: { ...usage, unit: "TOKENS" },
    usageDetails: usage,
    costDetails: o.cost === null ? {} : { total: o.cost },
    calculatedTotalCost: o.cost,
    level: (m.level as string | undefined) ?? (o.status === "error" ? "ERROR" : "DEFAULT"),
    statusMessage: o.statusMessage,
    parentObservationId: o.parentObservationId,
    promptId: o.type === "generation" ? promptVersionId : null,
    promptName: (m.promptName as string | undefined) ?? null,
    promptVersion: (m.promptVersion as number | undefined) ?? null,
    latency: seconds(o.latencyMs),
    timeToFirstToken: seconds(o.timeToFirstTokenMs),
    environment: (m.environment as string | undefined) ?? "default",
  };
}

/** Langfuse's score of a Keel rating (a widget's or an API key's is `API`, a member's `ANNOTATION`). */
function scoreShape(traceId: string, r: Detail["ratings"][number]) {
  return {
    id: r.id,
    traceId,
    observationId: r.observationId,
    name: r.name,
    dataType: SCORE_TYPE[r.dataType],
    value: r.value ?? 0,
    stringValue: r.stringValue ?? (r.dataType === "boolean" ? (r.value === 1 ? "True" : "False") : null),
    comment: r.comment,
    source: r.source === "ui" || r.source === "queue" ? "ANNOTATION" : r.source === "eval" ? "EVAL" : "API",
    authorUserId: r.authorUserId,
    configId: null,
    timestamp: r.createdAt.toISOString(),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.createdAt.toISOString(),
    environment: "default",
  };
}

/** `GET /api/public/traces/{traceId}`: Langfuse's TraceWithFullDetails (another project's trace is a 404). */
export async function getLangfuseTrace(db: DbOrTx, project: { id: string; slug: string }, traceId: string) {
  const detail = await getTrace(db, project.id, traceId);
  const trace = detail.trace;
  return {
    ...traceShape(trace, project.slug),
    observations: detail.observations.map((o) => observationShape(o, trace.promptVersionId ?? null)),
    scores: detail.ratings.map((r) => scoreShape(trace.id, r)),
  };
}
