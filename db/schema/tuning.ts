import { bigserial, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { datasetVersions } from "./datasets";
import { modelVersions, runs } from "./registry";
import { createdAt, id, projectRef, users } from "./workspace";

/** What a worker can run: the claim query matches a job's needs against this. */
export interface WorkerCapabilities {
  cpus: number;
  memoryMb: number;
  /** one entry per GPU */
  /** the GPUs its trainers can use: nvidia-smi's, when the Python trainers' torch can use CUDA */
  gpus: { name: string; memoryMb: number }[];
  /** the CUDA version torch was built with and can use (null: none) */
  cuda: string | null;
  /** the NVIDIA driver (nvidia-smi), where a GPU is present */
  driver?: string | null;
  /** torch's version, where KEEL_PYTHON has it */
  torch?: string | null;
  /** trainers this worker can start: head (TypeScript), lora / full (Python with torch) */
  trainers: string[];
}

/** A job's needs: cpu, or a GPU with at least this much memory. */
export interface JobResources {
  kind: "cpu" | "gpu";
  minGpuMemoryMb?: number;
}

/**
 * A named set of projects whose jobs the workers of its tokens may run (`keel workers pool create`).
 * `project_ids` null: every project (a token with no pool is the same).
 */
export const workerPools = pgTable(
  "worker_pools",
  {
    id: id(),
    name: text("name").notNull(),
    projectIds: uuid("project_ids").array(),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("worker_pools_name_key").on(t.name)],
);

/**
 * A remote worker's credential (`wk_...`), created by an instance admin, stored as its sha256 like API
 * keys. The pool bounds which projects' jobs its workers are offered (null: all projects).
 */
export const workerTokens = pgTable(
  "worker_tokens",
  {
    id: id(),
    name: text("name").notNull(),
    /** the first characters, to tell tokens apart in lists */
    prefix: text("prefix").notNull(),
    hash: text("hash").notNull(),
    poolId: uuid("pool_id").references(() => workerPools.id, { onDelete: "restrict" }),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("worker_tokens_hash_key").on(t.hash), index("worker_tokens_created_idx").on(t.createdAt, t.id)],
);

/** Tuning workers: one row per worker process (`keel worker`), its capabilities and heartbeat. */
export const tuningWorkers = pgTable(
  "tuning_workers",
  {
    id: id(),
    name: text("name").notNull(),
    host: text("host").notNull(),
    pid: integer("pid").notNull(),
    capabilities: jsonb("capabilities").$type<WorkerCapabilities>().notNull(),
    /** online while heartbeating; stopped on a clean exit; lost when its heartbeat timed out */
    status: text("status", { enum: ["online", "stopped", "lost"] })
      .notNull()
      .default("online"),
    currentJobId: uuid("current_job_id"),
    /** a remote worker's token (it talks HTTP only); null: a worker with the database */
    tokenId: uuid("token_id").references(() => workerTokens.id, { onDelete: "set null" }),
    startedAt: createdAt(),
    heartbeatAt: timestamp("heartbeat_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("tuning_workers_status_idx").on(t.status, t.heartbeatAt)],
);

/** `awaiting_approval`: proposed (by a drift alert's rule) and waiting for an approver; `rejected`: refused by one. */
export const TUNING_STATUSES = [
  "awaiting_approval",
  "queued",
  "assigned",
  "running",
  "succeeded",
  "failed",
  "cancelled",
  "rejected",
] as const;
export type TuningStatus = (typeof TUNING_STATUSES)[number];

/**
 * A fine-tuning job: base model version + dataset version + method and hyperparameters, run once
 * by one worker that can (queued -> assigned -> running -> succeeded | failed | cancelled; back to
 * queued when its worker is lost, while attempts remain). The result is a new model version whose
 * lineage names the base version, the dataset version, this job and its run.
 */
export const tuningJobs = pgTable(
  "tuning_jobs",
  {
    id: id(),
    projectId: projectRef(),
    /** per project, for people: job #12 */
    number: integer("number").notNull(),
    method: text("method", { enum: ["head", "lora", "full"] }).notNull(),
    baseVersionId: uuid("base_version_id")
      .notNull()
      .references(() => modelVersions.id, { onDelete: "restrict" }),
    datasetVersionId: uuid("dataset_version_id")
      .notNull()
      .references(() => datasetVersions.id, { onDelete: "restrict" }),
    /** the registered model the result becomes a version of */
    outputModel: text("output_model").notNull(),
    hyperparameters: jsonb("hyperparameters").$type<Record<string, unknown>>().notNull(),
    resources: jsonb("resources").$type<JobResources>().notNull(),
    seed: integer("seed").notNull().default(0),
    /** which dataset fields hold the text and the label (head) */
    fields: jsonb("fields").$type<{ text: string; label: string }>().notNull(),
    status: text("status", { enum: TUNING_STATUSES }).notNull().default("queued"),
    /** why a queued job waits (no online worker can run it), shown in the UI */
    waitReason: text("wait_reason"),
    attempt: integer("attempt").notNull().default(0),
    maxAttempts: integer("max_attempts").notNull().default(3),
    wallTimeLimitS: integer("wall_time_limit_s").notNull().default(3600),
    workerId: uuid("worker_id").references(() => tuningWorkers.id, { onDelete: "set null" }),
    runId: uuid("run_id").references(() => runs.id, { onDelete: "set null" }),
    resultVersionId: uuid("result_version_id").references(() => modelVersions.id, { onDelete: "set null" }),
    /** the eval run of the result on the dataset's held-out split, started once the job succeeded */
    evalRunId: uuid("eval_run_id"),
    /** an alias to request for the result once its eval ran (the model's approval policy and gates decide) */
    promoteTo: text("promote_to"),
    /** what became of that request: moved, requested (an approval request), blocked (a gate failed), skipped, failed */
    promotion: jsonb("promotion").$type<{ status: string; alias?: string; requestId?: string; message?: string }>(),
    /** when the steps after success (the eval run, the promotion) ended, whatever became of them */
    settledAt: timestamp("settled_at", { withTimezone: true }),
    metrics: jsonb("metrics").$type<Record<string, number>>(),
    /** what proposed the job when no person launched it: a drift alert (monitor, run, alert, rule) */
    trigger: jsonb("trigger").$type<{
      kind: "drift";
      monitorId: string;
      runId: string;
      alertId: string;
      ruleId: string;
      runNumber?: number;
      monitor?: string;
    }>(),
    /** the approver's decision on a proposed job */
    decision: jsonb("decision").$type<{ decision: "approved" | "rejected"; by: string | null; at: string; reason?: string | null }>(),
    progress: jsonb("progress").$type<{ fraction: number; message?: string }>(),
    error: text("error"),
    cancelRequestedAt: timestamp("cancel_requested_at", { withTimezone: true }),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [
    index("tuning_jobs_project_idx").on(t.projectId, t.createdAt),
    index("tuning_jobs_queue_idx").on(t.status, t.createdAt),
    index("tuning_jobs_number_idx").on(t.projectId, t.number),
  ],
);

/** A job's log lines, in order (trainer output and the worker's own notes), streamed to the UI. */
export const tuningJobLogs = pgTable(
  "tuning_job_logs",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    jobId: uuid("job_id")
      .notNull()
      .references(() => tuningJobs.id, { onDelete: "cascade" }),
    attempt: integer("attempt").notNull(),
    stream: text("stream", { enum: ["worker", "stdout", "stderr"] }).notNull(),
    line: text("line").notNull(),
    at: createdAt(),
  },
  (t) => [index("tuning_job_logs_job_idx").on(t.jobId, t.id)],
);
