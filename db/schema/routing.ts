import { sql } from "drizzle-orm";
import { bigint, boolean, doublePrecision, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, projectRef, updatedAt } from "./workspace";

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
