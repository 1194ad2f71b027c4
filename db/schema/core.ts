import { sql } from "drizzle-orm";
import { index, integer, jsonb, pgTable, primaryKey, real, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, projects, users } from "./workspace";

export const JOB_STATUSES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/**
 * Keel's own view of every queued job. graphile-worker owns delivery (locking, retries, backoff);
 * this table owns what people see: status, progress, attempts, the last error, cancellation.
 */
export const jobs = pgTable(
  "jobs",
  {
    id: uuid("id").primaryKey().default(sql`gen_random_uuid()`),
    projectId: uuid("project_id").references(() => projects.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    payload: jsonb("payload").notNull(),
    /** Idempotency key: enqueueing the same key twice returns the first job. */
    key: text("key"),
    status: text("status", { enum: JOB_STATUSES }).notNull().default("queued"),
    /** 0..1 */
    progress: real("progress").notNull().default(0),
    message: text("message"),
    attempts: integer("attempts").notNull().default(0),
    maxAttempts: integer("max_attempts").notNull(),
    lastError: text("last_error"),
    result: jsonb("result"),
    cancelRequestedAt: timestamp("cancel_requested_at", { withTimezone: true }),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    workerId: text("worker_id"),
    createdAt: createdAt(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("jobs_key_key").on(t.key),
    index("jobs_project_created_idx").on(t.projectId, t.createdAt, t.id),
    index("jobs_status_idx").on(t.status),
  ],
);

/** Fixed-window request counters shared by every web process (see server/core/ratelimit.ts). */
export const rateLimits = pgTable(
  "rate_limits",
  {
    key: text("key").notNull(),
    windowStart: timestamp("window_start", { withTimezone: true }).notNull(),
    count: integer("count").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.key, t.windowStart] })],
);
