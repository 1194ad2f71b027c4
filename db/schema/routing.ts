import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
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
import { apiKeys, createdAt, id, projectRef, updatedAt } from "./workspace";

/**
 * A router: `model: "router:<name>"` at the gateway. `config` holds the kind's policy (rules,
 * split weights, cascade threshold, learned threshold and targets), `fallbacks` the deployments to try
 * on error or timeout, `cache` the response cache settings; `trained` the learned router's model.
 */
export const routers = pgTable(
  "routers",
  {
    id: id(),
    projectId: projectRef(),
    name: text("name").notNull(),
    kind: text("kind", { enum: ["rules", "split", "cascade", "learned"] }).notNull(),
    config: jsonb("config").$type<Record<string, unknown>>().notNull(),
    fallbacks: text("fallbacks").array().notNull().default(sql`'{}'::text[]`),
    cache: jsonb("cache")
      .$type<{ exact: boolean; semantic: number | null; ttlSeconds: number }>()
      .notNull()
      .default({ exact: false, semantic: null, ttlSeconds: 3600 }),
    trained: jsonb("trained").$type<Record<string, unknown>>(),
    trainedAt: timestamp("trained_at", { withTimezone: true }),
    active: boolean("active").notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("routers_project_name_key").on(t.projectId, t.name)],
);

/** One routed call, for the dashboard (the full call is a trace in the logs domain). */
export const routeEvents = pgTable(
  "route_events",
  {
    id: id(),
    projectId: projectRef(),
    routerId: uuid("router_id")
      .notNull()
      .references(() => routers.id, { onDelete: "cascade" }),
    /** the deployment that answered */
    target: text("target").notNull(),
    /** the target is the router's large (expensive) one */
    large: boolean("large").notNull(),
    reason: text("reason").notNull(),
    cache: text("cache", { enum: ["miss", "exact", "semantic"] })
      .notNull()
      .default("miss"),
    fallback: boolean("fallback").notNull().default(false),
    latencyMs: bigint("latency_ms", { mode: "number" }).notNull(),
    cost: doublePrecision("cost").notNull().default(0),
    /** what sending it to the large target would have cost */
    largeCost: doublePrecision("large_cost").notNull().default(0),
    traceId: text("trace_id"),
    createdAt: createdAt(),
  },
  (t) => [index("route_events_router_created_idx").on(t.routerId, t.createdAt)],
);

/** Cached responses of a router: exact (prompt hash) and semantic (embedding, cosine >= threshold). */
export const routeCache = pgTable(
  "route_cache",
  {
    id: id(),
    projectId: projectRef(),
    routerId: uuid("router_id")
      .notNull()
      .references(() => routers.id, { onDelete: "cascade" }),
    promptHash: text("prompt_hash").notNull(),
    embedding: doublePrecision("embedding").array(),
    response: jsonb("response").$type<Record<string, unknown>>().notNull(),
    hits: integer("hits").notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [
    index("route_cache_router_hash_idx").on(t.routerId, t.promptHash),
    index("route_cache_router_created_idx").on(t.routerId, t.createdAt),
  ],
);

/**
 * A secret key's gateway spend per UTC hour: requests, tokens and cost (USD) of the calls it made,
 * written in the same transaction as their traces (server/logs/ingest.ts). A day's or month's spend
 * is the sum of its hours.
 */
export const keySpend = pgTable(
  "key_spend",
  {
    keyId: uuid("key_id")
      .notNull()
      .references(() => apiKeys.id, { onDelete: "cascade" }),
    projectId: projectRef(),
    hour: timestamp("hour", { withTimezone: true }).notNull(),
    requests: integer("requests").notNull().default(0),
    inputTokens: bigint("input_tokens", { mode: "number" }).notNull().default(0),
    outputTokens: bigint("output_tokens", { mode: "number" }).notNull().default(0),
    cost: doublePrecision("cost").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.keyId, t.hour] }), index("key_spend_project_hour_idx").on(t.projectId, t.hour)],
);

/**
 * Requests and tokens per key and UTC minute, summed over every web process: each process adds its
 * own counts every KEEL_KEY_SYNC_MS and reads the totals back (server/routing/key-limits.ts).
 * UNLOGGED (a crash loses at most the current minute's counts) and pruned as it is synced.
 */
export const keyMinutes = pgTable(
  "key_minutes",
  {
    keyId: uuid("key_id").notNull(),
    minute: timestamp("minute", { withTimezone: true }).notNull(),
    requests: integer("requests").notNull().default(0),
    tokens: bigint("tokens", { mode: "number" }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.keyId, t.minute] })],
);
