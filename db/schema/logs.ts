import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  customType,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { createdAt, projects, users } from "./workspace";

const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });
const ts = (name: string) => timestamp(name, { withTimezone: true });

/**
 * Traces: one request of an app, with trace-level rollups of its observations (model, tokens, cost,
 * latency, status, ratings) kept on the row so the explorer filters one table. Ids are the client's
 * (or uuidv7), unique per project.
 */
export const traces = pgTable(
  "traces",
  {
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    id: text("id").notNull(),
    /** When the traced request started (client clock). */
    timestamp: ts("timestamp").notNull(),
    name: text("name"),
    userId: text("user_id"),
    sessionId: text("session_id"),
    release: text("release"),
    tags: text("tags").array().notNull().default(sql`'{}'::text[]`),
    metadata: jsonb("metadata"),
    input: jsonb("input"),
    output: jsonb("output"),
    /** Registry link (issue 5), set by the gateway or the client. */
    modelVersionId: uuid("model_version_id"),
    /**
     * The prompt version (a model_versions row of a `prompt`) that made the call (issue 20): set by the
     * gateway's prompt_id, a client's promptVersionId / prompt ref, or a Langfuse prompt attribute. No
     * foreign key, as model_version_id: ingest checks it against the project once per batch.
     */
    promptVersionId: uuid("prompt_version_id"),
    /** The secret key of a gateway call (its spend is in key_spend). No FK, as model_version_id. */
    apiKeyId: uuid("api_key_id"),
    /** Router's decision (issue 6): which route, why. */
    routeDecision: jsonb("route_decision"),
    // Rollups from observations (recomputed at ingest for the traces a batch touched).
    model: text("model"),
    inputTokens: integer("input_tokens").notNull().default(0),
    outputTokens: integer("output_tokens").notNull().default(0),
    /** USD */
    cost: doublePrecision("cost").notNull().default(0),
    /** milliseconds, first observation start to last end (bigint: an observation may last past int4's 24.8 days) */
    latencyMs: bigint("latency_ms", { mode: "number" }),
    status: text("status", { enum: ["ok", "error"] })
      .notNull()
      .default("ok"),
    ratingCount: integer("rating_count").notNull().default(0),
    /** Mean of numeric and boolean ratings (true = 1), null when none. */
    ratingMean: doublePrecision("rating_mean"),
    search: tsvector("search").generatedAlwaysAs(
      // every string inside input and output, unstemmed ('simple': prompts come in any language)
      sql`jsonb_to_tsvector('simple', coalesce(input, 'null'::jsonb), '["string"]') || jsonb_to_tsvector('simple', coalesce(output, 'null'::jsonb), '["string"]')`,
    ),
    /**
     * Substring search (pg_trgm): the strings inside input, then a newline, then those inside output,
     * each side cut at 5,000 characters so a huge payload can't bloat the trigram index
     * (word search over `search` still sees all of it). keel_json_strings is migration 0022's.
     */
    searchText: text("search_text").generatedAlwaysAs(
      sql`left(keel_json_strings(input), 5000) || chr(10) || left(keel_json_strings(output), 5000)`,
    ),
    createdAt: createdAt(),
    updatedAt: ts("updated_at").notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.id] }),
    // DESC means NULLS FIRST in ORDER BY: an index built DESC NULLS LAST can't serve the explorer's order
    index("traces_project_ts_idx").on(t.projectId, t.timestamp.desc().nullsFirst(), t.id.desc().nullsFirst()),
    // id too: the explorer orders by (timestamp, id), and an index without it forces a sort of every match
    index("traces_project_model_ts_idx").on(t.projectId, t.model, t.timestamp.desc().nullsFirst(), t.id.desc().nullsFirst()),
    // the explorer's sorts by latency and cost (either direction: scanned backward for DESC)
    // the explorer's prompt-version filter, in its (timestamp, id) order
    index("traces_project_prompt_version_ts_idx").on(
      t.projectId,
      t.promptVersionId,
      t.timestamp.desc().nullsFirst(),
      t.id.desc().nullsFirst(),
    ),
    // the explorer's key filter (gateway calls of one secret key), in its (timestamp, id) order
    index("traces_project_api_key_ts_idx")
      .on(t.projectId, t.apiKeyId, t.timestamp.desc().nullsFirst(), t.id.desc().nullsFirst())
      .where(sql`${t.apiKeyId} IS NOT NULL`),
    index("traces_project_latency_idx").on(t.projectId, t.latencyMs, t.id),
    index("traces_project_cost_idx").on(t.projectId, t.cost, t.id),
    index("traces_project_user_idx").on(t.projectId, t.userId),
    index("traces_project_session_idx").on(t.projectId, t.sessionId),
    index("traces_tags_idx").using("gin", t.tags),
    index("traces_search_idx").using("gin", t.search),
    index("traces_search_text_trgm_idx").using("gin", sql`${t.searchText} gin_trgm_ops`),
  ],
);

export const OBSERVATION_TYPES = ["generation", "span", "event"] as const;

/** Steps inside a trace: LLM generations, spans (tool calls, retrieval...), point events. */
export const observations = pgTable(
  "observations",
  {
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    id: text("id").notNull(),
    traceId: text("trace_id").notNull(),
    parentObservationId: text("parent_observation_id"),
    type: text("type", { enum: OBSERVATION_TYPES }).notNull(),
    name: text("name"),
    startTime: ts("start_time").notNull(),
    endTime: ts("end_time"),
    completionStartTime: ts("completion_start_time"),
    model: text("model"),
    provider: text("provider"),
    modelParameters: jsonb("model_parameters"),
    input: jsonb("input"),
    output: jsonb("output"),
    inputTokens: integer("input_tokens"),
    outputTokens: integer("output_tokens"),
    /** USD: the client's figure, else computed from the project's price table. */
    cost: doublePrecision("cost"),
    /** Derived by Postgres from the times, so partial updates can never leave it stale. */
    latencyMs: bigint("latency_ms", { mode: "number" }).generatedAlwaysAs(
      sql`(extract(epoch FROM (end_time - start_time)) * 1000)::bigint`,
    ),
    timeToFirstTokenMs: bigint("ttft_ms", { mode: "number" }).generatedAlwaysAs(
      sql`(extract(epoch FROM (completion_start_time - start_time)) * 1000)::bigint`,
    ),
    status: text("status", { enum: ["ok", "error"] })
      .notNull()
      .default("ok"),
    statusMessage: text("status_message"),
    metadata: jsonb("metadata"),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.id] }), index("observations_trace_idx").on(t.projectId, t.traceId, t.startTime)],
);

export const SCORE_TYPES = ["numeric", "categorical", "boolean", "text"] as const;

/** What a rating means: a numeric range, a set of labels, thumbs, or free text. */
export const scoreConfigs = pgTable(
  "score_configs",
  {
    id: uuid("id").primaryKey().default(sql`gen_random_uuid()`),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    dataType: text("data_type", { enum: SCORE_TYPES }).notNull(),
    min: doublePrecision("min"),
    max: doublePrecision("max"),
    /** categorical: [{ label, value }] */
    categories: jsonb("categories").$type<{ label: string; value: number }[]>(),
    description: text("description"),
    archived: boolean("archived").notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("score_configs_project_name_key").on(t.projectId, t.name),
    index("score_configs_project_created_idx").on(t.projectId, t.createdAt, t.id),
  ],
);

export const RATING_SOURCES = ["ui", "api", "widget", "eval", "queue"] as const;

/**
 * A trace's ratings of one score name, summed: the explorer sorts by `mean` through the
 * (project_id, name, mean, trace_id) index instead of averaging the ratings of every trace in range.
 * Kept by statement triggers on `ratings` (migration 0023) as increments, so concurrent writers of
 * one trace's ratings add up rather than overwrite each other; a row goes when its last valued
 * rating does. Ratings without a value (free text) do not count.
 */
export const traceScores = pgTable(
  "trace_scores",
  {
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    traceId: text("trace_id").notNull(),
    name: text("name").notNull(),
    n: integer("n").notNull(),
    sum: doublePrecision("sum").notNull(),
    mean: doublePrecision("mean").generatedAlwaysAs(sql`CASE WHEN n > 0 THEN sum / n END`),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.name, t.traceId] }),
    index("trace_scores_sort_idx").on(t.projectId, t.name, t.mean, t.traceId),
  ],
);

export const ratings = pgTable(
  "ratings",
  {
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    id: text("id").notNull(),
    traceId: text("trace_id").notNull(),
    observationId: text("observation_id"),
    configId: uuid("config_id").references(() => scoreConfigs.id, { onDelete: "set null" }),
    name: text("name").notNull(),
    dataType: text("data_type", { enum: SCORE_TYPES }).notNull(),
    /** numeric, boolean (0/1) and categorical (the label's value) */
    value: doublePrecision("value"),
    /** categorical label or free text */
    stringValue: text("string_value"),
    comment: text("comment"),
    source: text("source", { enum: RATING_SOURCES }).notNull(),
    authorUserId: uuid("author_user_id").references(() => users.id, { onDelete: "set null" }),
    /** The app's end user, for widget ratings. */
    endUserId: text("end_user_id"),
    /** The public (widget) key that created it: a public key may update only its own ratings. */
    apiKeyId: uuid("api_key_id"),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.id] }),
    index("ratings_trace_idx").on(t.projectId, t.traceId),
    index("ratings_project_name_created_idx").on(t.projectId, t.name, t.createdAt),
  ],
);

/** Per-model prices, per million tokens, USD. `match` is an exact model name or /regex/. */
export const modelPrices = pgTable(
  "model_prices",
  {
    id: uuid("id").primaryKey().default(sql`gen_random_uuid()`),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    match: text("match").notNull(),
    inputPerMillion: doublePrecision("input_per_million").notNull(),
    outputPerMillion: doublePrecision("output_per_million").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("model_prices_project_match_key").on(t.projectId, t.match)],
);

/** Per-project logging settings: retention and redaction at ingest. */
export const logSettings = pgTable("log_settings", {
  projectId: uuid("project_id")
    .primaryKey()
    .references(() => projects.id, { onDelete: "cascade" }),
  /** null keeps everything */
  retentionDays: integer("retention_days"),
  redaction: jsonb("redaction")
    .$type<{ builtins: string[]; custom: { name: string; pattern: string; flags?: string }[] }>()
    .notNull()
    .default({ builtins: [], custom: [] }),
  updatedAt: ts("updated_at").notNull().defaultNow(),
});

/**
 * Annotation queues: traces to rate against some score configs, by assigned members. An item is
 * locked to one reviewer for `lockSeconds`; it is done once `requiredRatings` reviewers completed it.
 */
export const annotationQueues = pgTable(
  "annotation_queues",
  {
    id: uuid("id").primaryKey().default(sql`gen_random_uuid()`),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    description: text("description"),
    scoreConfigIds: uuid("score_config_ids").array().notNull(),
    /** Members who may work the queue; empty = every annotator or higher. */
    assigneeIds: uuid("assignee_ids").array().notNull().default(sql`'{}'::uuid[]`),
    lockSeconds: integer("lock_seconds").notNull().default(600),
    requiredRatings: integer("required_ratings").notNull().default(1),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("annotation_queues_project_name_key").on(t.projectId, t.name),
    index("annotation_queues_project_created_idx").on(t.projectId, t.createdAt, t.id),
  ],
);

export const annotationQueueItems = pgTable(
  "annotation_queue_items",
  {
    id: uuid("id").primaryKey().default(sql`gen_random_uuid()`),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    queueId: uuid("queue_id")
      .notNull()
      .references(() => annotationQueues.id, { onDelete: "cascade" }),
    traceId: text("trace_id").notNull(),
    status: text("status", { enum: ["pending", "done"] })
      .notNull()
      .default("pending"),
    completions: integer("completions").notNull().default(0),
    lockedBy: uuid("locked_by"),
    lockedUntil: ts("locked_until"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("annotation_queue_items_queue_trace_key").on(t.queueId, t.traceId),
    // serves "oldest pending item" in (created_at, id) order without sorting the queue
    index("annotation_queue_items_next_idx").on(t.projectId, t.queueId, t.status, t.createdAt, t.id),
    index("annotation_queue_items_locked_idx").on(t.queueId, t.lockedBy),
  ],
);

/** Who finished (or skipped) which item: an item is never served twice to one reviewer. */
export const annotationCompletions = pgTable(
  "annotation_completions",
  {
    itemId: uuid("item_id")
      .notNull()
      .references(() => annotationQueueItems.id, { onDelete: "cascade" }),
    userId: uuid("user_id").notNull(),
    skipped: boolean("skipped").notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.itemId, t.userId] })],
);

/**
 * Hourly rollups of traces for the charts: one row per (project, hour, model). Hours whose traces
 * changed since their row was computed are listed in trace_stats_dirty (written by ingest) and read
 * live until the `logs.rollupStats` job recomputes them.
 */
export const traceStatsHourly = pgTable(
  "trace_stats_hourly",
  {
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    hour: ts("hour").notNull(),
    /** '' for traces without a model */
    model: text("model").notNull(),
    traces: integer("traces").notNull(),
    errors: integer("errors").notNull(),
    cost: doublePrecision("cost").notNull(),
    inputTokens: doublePrecision("input_tokens").notNull(),
    outputTokens: doublePrecision("output_tokens").notNull(),
    /** sum of rating_mean * rating_count, and sum of rating_count over traces with a mean */
    ratingSum: doublePrecision("rating_sum").notNull(),
    ratingN: integer("rating_n").notNull(),
    /** sparse {bucket: count}, see server/logs/latency-hist.ts */
    latencyHist: jsonb("latency_hist").$type<Record<string, number>>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.hour, t.model] })],
);

export const traceStatsDirty = pgTable(
  "trace_stats_dirty",
  {
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    hour: ts("hour").notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.hour] })],
);

/** Named explorer views shared by a project's members: the explorer's query string. */
export const savedViews = pgTable(
  "saved_views",
  {
    id: uuid("id").primaryKey().default(sql`gen_random_uuid()`),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    query: text("query").notNull(),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("saved_views_project_name_key").on(t.projectId, t.name),
    index("saved_views_project_created_idx").on(t.projectId, t.createdAt, t.id),
  ],
);
