import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
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
import { datasetVersions } from "./datasets";
import { evalRuns } from "./evals";
import { apiKeys, createdAt, id, projectRef, updatedAt, users } from "./workspace";

/**
 * Content-addressed files: one row per distinct sha256, the bytes under `<data dir>/artifacts/`.
 * Shared across projects (a file is only reachable through a version or run that lists it).
 */
export const artifactBlobs = pgTable("artifact_blobs", {
  sha256: text("sha256").primaryKey(),
  size: bigint("size", { mode: "number" }).notNull(),
  createdAt: createdAt(),
});

// ---------------------------------------------------------------- registered models and versions

export const registeredModels = pgTable(
  "registered_models",
  {
    id: id(),
    projectId: projectRef(),
    name: text("name").notNull(),
    description: text("description"),
    /** e.g. text-generation, feature-extraction, text-classification */
    task: text("task"),
    tags: jsonb("tags").$type<Record<string, string>>().notNull().default({}),
    /** a prompt is a registered model marked as one (as MLflow 3 does): versions carry `prompt`, aliases are its labels */
    kind: text("kind", { enum: ["model", "prompt"] })
      .notNull()
      .default("model"),
    ownerId: uuid("owner_id").references(() => users.id, { onDelete: "set null" }),
    /** the highest version number handed out; bumped under the row lock, so numbers never repeat */
    latestVersion: integer("latest_version").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("registered_models_project_name_key").on(t.projectId, t.name),
    index("registered_models_project_created_idx").on(t.projectId, t.createdAt, t.id),
    check("registered_models_kind_check", sql`${t.kind} in ('model', 'prompt')`),
  ],
);

/** A prompt version's template: text, or chat messages; `{{name}}` marks a variable. */
export type PromptTemplate =
  | { type: "text"; prompt: string }
  | { type: "chat"; messages: { role: "system" | "user" | "assistant"; content: string }[] };

export type VersionSource =
  | { kind: "upload" }
  | { kind: "uri"; uri: string }
  | { kind: "run"; runId: string }
  | { kind: "bundled"; dir: string }
  | { kind: "tuning"; jobId: string }
  /** an MLflow 3 logged model's files (server/registry/logged-models.ts) */
  | { kind: "logged_model"; modelId: string }
  /** a prompt version (server/registry/prompts.ts): its template is the `prompt` column */
  | { kind: "prompt" };

/** Immutable once created (artifacts, params, metrics, lineage); only status, card, description and tags may change. */
export const modelVersions = pgTable(
  "model_versions",
  {
    id: id(),
    projectId: projectRef(),
    modelId: uuid("model_id")
      .notNull()
      .references(() => registeredModels.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    status: text("status", { enum: ["pending_upload", "ready", "failed", "archived"] })
      .notNull()
      .default("ready"),
    source: jsonb("source").$type<VersionSource>().notNull(),
    /** transformers.js | onnx | uri | files */
    format: text("format").notNull(),
    /** free-form: framework, library versions, input schema (for raw ONNX graphs), task */
    metadata: jsonb("metadata").$type<Record<string, unknown>>().notNull().default({}),
    params: jsonb("params").$type<Record<string, string>>().notNull().default({}),
    metrics: jsonb("metrics").$type<Record<string, number>>().notNull().default({}),
    /** labels that may change after creation (MLflow's model version tags), unlike params */
    tags: jsonb("tags").$type<Record<string, string>>().notNull().default({}),
    card: text("card"),
    description: text("description"),
    fileCount: integer("file_count").notNull().default(0),
    totalSize: bigint("total_size", { mode: "number" }).notNull().default(0),
    // lineage
    parentVersionId: uuid("parent_version_id"),
    datasetVersionId: uuid("dataset_version_id").references(() => datasetVersions.id, { onDelete: "set null" }),
    /** the tuning job that produced it (tuning domain) */
    tuningJobId: uuid("tuning_job_id"),
    runId: uuid("run_id"),
    codeRevision: text("code_revision"),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdByKey: uuid("created_by_key").references(() => apiKeys.id, { onDelete: "set null" }),
    error: text("error"),
    /** a prompt version's template (null for a model version) */
    prompt: jsonb("prompt").$type<PromptTemplate>(),
    /** a prompt version's model parameters and any JSON the app reads back as given (null for a model version) */
    config: jsonb("config").$type<Record<string, unknown>>(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("model_versions_model_version_key").on(t.modelId, t.version),
    index("model_versions_project_created_idx").on(t.projectId, t.createdAt, t.id),
    index("model_versions_run_idx").on(t.runId),
  ],
);

export const modelVersionFiles = pgTable(
  "model_version_files",
  {
    versionId: uuid("version_id")
      .notNull()
      .references(() => modelVersions.id, { onDelete: "cascade" }),
    path: text("path").notNull(),
    sha256: text("sha256")
      .notNull()
      .references(() => artifactBlobs.sha256),
    size: bigint("size", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.versionId, t.path] })],
);

/** Eval runs that scored a version (lineage, and what approval gates read). */
export const modelVersionEvals = pgTable(
  "model_version_evals",
  {
    projectId: projectRef(),
    versionId: uuid("version_id")
      .notNull()
      .references(() => modelVersions.id, { onDelete: "cascade" }),
    evalRunId: uuid("eval_run_id")
      .notNull()
      .references(() => evalRuns.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.versionId, t.evalRunId] }), index("model_version_evals_run_idx").on(t.evalRunId)],
);

/** `production`, `staging` or any name: one version each; every move is an alias_transitions row. */
export const modelAliases = pgTable(
  "model_aliases",
  {
    projectId: projectRef(),
    modelId: uuid("model_id")
      .notNull()
      .references(() => registeredModels.id, { onDelete: "cascade" }),
    alias: text("alias").notNull(),
    versionId: uuid("version_id")
      .notNull()
      .references(() => modelVersions.id, { onDelete: "restrict" }),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.modelId, t.alias] })],
);

export const aliasTransitions = pgTable(
  "alias_transitions",
  {
    id: id(),
    projectId: projectRef(),
    modelId: uuid("model_id")
      .notNull()
      .references(() => registeredModels.id, { onDelete: "cascade" }),
    alias: text("alias").notNull(),
    /** null when the alias was created by this move */
    fromVersionId: uuid("from_version_id").references(() => modelVersions.id, { onDelete: "set null" }),
    /** null when the alias was deleted */
    toVersionId: uuid("to_version_id").references(() => modelVersions.id, { onDelete: "set null" }),
    kind: text("kind", { enum: ["move", "rollback", "delete"] })
      .notNull()
      .default("move"),
    reason: text("reason"),
    requestId: uuid("request_id"),
    actorUserId: uuid("actor_user_id").references(() => users.id, { onDelete: "set null" }),
    actorKeyId: uuid("actor_key_id").references(() => apiKeys.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (t) => [
    index("alias_transitions_model_alias_created_idx").on(t.modelId, t.alias, t.createdAt, t.id),
    // the overview's "aliases moved in the last 24 h" of a project
    index("alias_transitions_project_created_idx").on(t.projectId, t.createdAt),
  ],
);

// ---------------------------------------------------------------- approvals

/** Per model: moving one of `aliases` needs `requiredApprovals` approvals by `approverRoles` and passing gates. */
export const approvalPolicies = pgTable("approval_policies", {
  modelId: uuid("model_id")
    .primaryKey()
    .references(() => registeredModels.id, { onDelete: "cascade" }),
  projectId: projectRef(),
  aliases: text("aliases").array().notNull(),
  requiredApprovals: integer("required_approvals").notNull(),
  approverRoles: text("approver_roles").array().notNull(),
  gateIds: uuid("gate_ids").array().notNull(),
  updatedAt: updatedAt(),
});

export type GateCheck = {
  gateId: string;
  gate: string;
  evalRunId: string | null;
  baselineRunId: string | null;
  passed: boolean;
  results: { rule: string; actual: number; threshold: number; passed: boolean }[];
  error?: string;
};

export const approvalRequests = pgTable(
  "approval_requests",
  {
    id: id(),
    projectId: projectRef(),
    modelId: uuid("model_id")
      .notNull()
      .references(() => registeredModels.id, { onDelete: "cascade" }),
    alias: text("alias").notNull(),
    versionId: uuid("version_id")
      .notNull()
      .references(() => modelVersions.id, { onDelete: "cascade" }),
    status: text("status", { enum: ["pending", "approved", "rejected", "cancelled"] })
      .notNull()
      .default("pending"),
    reason: text("reason"),
    requiredApprovals: integer("required_approvals").notNull(),
    approverRoles: text("approver_roles").array().notNull(),
    gateResults: jsonb("gate_results").$type<GateCheck[]>().notNull(),
    requestedBy: uuid("requested_by").references(() => users.id, { onDelete: "set null" }),
    requestedByKey: uuid("requested_by_key").references(() => apiKeys.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    decidedAt: timestamp("decided_at", { withTimezone: true }),
  },
  (t) => [
    index("approval_requests_project_created_idx").on(t.projectId, t.createdAt, t.id),
    index("approval_requests_model_created_idx").on(t.modelId, t.createdAt, t.id),
  ],
);

export const approvalVotes = pgTable(
  "approval_votes",
  {
    requestId: uuid("request_id")
      .notNull()
      .references(() => approvalRequests.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    decision: text("decision", { enum: ["approve", "reject"] }).notNull(),
    comment: text("comment"),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.requestId, t.userId] })],
);

// ---------------------------------------------------------------- webhooks

export const webhooks = pgTable(
  "webhooks",
  {
    id: id(),
    projectId: projectRef(),
    url: text("url").notNull(),
    /** signing secret (HMAC-SHA256 of the body); shown once at creation */
    secret: text("secret").notNull(),
    /** event names, or ["*"] */
    events: text("events").array().notNull(),
    active: boolean("active").notNull().default(true),
    description: text("description"),
    createdAt: createdAt(),
  },
  (t) => [index("webhooks_project_created_idx").on(t.projectId, t.createdAt, t.id)],
);

export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: id(),
    projectId: projectRef(),
    webhookId: uuid("webhook_id")
      .notNull()
      .references(() => webhooks.id, { onDelete: "cascade" }),
    event: text("event").notNull(),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull(),
    status: text("status", { enum: ["pending", "succeeded", "failed"] })
      .notNull()
      .default("pending"),
    attempts: integer("attempts").notNull().default(0),
    responseStatus: integer("response_status"),
    responseBody: text("response_body"),
    error: text("error"),
    createdAt: createdAt(),
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
  },
  (t) => [index("webhook_deliveries_webhook_created_idx").on(t.webhookId, t.createdAt, t.id)],
);

// ---------------------------------------------------------------- experiment tracking

export const experiments = pgTable(
  "experiments",
  {
    id: id(),
    projectId: projectRef(),
    name: text("name").notNull(),
    description: text("description"),
    tags: jsonb("tags").$type<Record<string, string>>().notNull().default({}),
    lifecycleStage: text("lifecycle_stage", { enum: ["active", "deleted"] })
      .notNull()
      .default("active"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("experiments_project_name_key").on(t.projectId, t.name),
    index("experiments_project_created_idx").on(t.projectId, t.createdAt, t.id),
  ],
);

export const runs = pgTable(
  "runs",
  {
    id: id(),
    projectId: projectRef(),
    experimentId: uuid("experiment_id")
      .notNull()
      .references(() => experiments.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    status: text("status", { enum: ["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"] })
      .notNull()
      .default("RUNNING"),
    /** epoch milliseconds, as MLflow */
    startTime: bigint("start_time", { mode: "number" }).notNull(),
    endTime: bigint("end_time", { mode: "number" }),
    lifecycleStage: text("lifecycle_stage", { enum: ["active", "deleted"] })
      .notNull()
      .default("active"),
    params: jsonb("params").$type<Record<string, string>>().notNull().default({}),
    tags: jsonb("tags").$type<Record<string, string>>().notNull().default({}),
    /** MLflow's free-text user */
    userName: text("user_name"),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (t) => [
    index("runs_project_experiment_start_idx").on(t.projectId, t.experimentId, t.startTime, t.id),
    index("runs_project_created_idx").on(t.projectId, t.createdAt, t.id),
  ],
);

/**
 * Every logged point. No primary key: MLflow allows the same (key, step, timestamp) twice. Its one
 * index, (run_id, key, step, timestamp) INCLUDE (value), is hand-written in migration 0010 (drizzle's
 * index builder has no INCLUDE): histories are index-only scans.
 */
export const runMetrics = pgTable("run_metrics", {
  runId: uuid("run_id")
    .notNull()
    .references(() => runs.id, { onDelete: "cascade" }),
  key: text("key").notNull(),
  step: bigint("step", { mode: "number" }).notNull().default(0),
  timestamp: bigint("timestamp", { mode: "number" }).notNull(),
  value: doublePrecision("value").notNull(),
});

/**
 * The latest point per (run, key) (highest step, then timestamp), kept on write: the runs table
 * sorts and filters by it through (experiment, key, value) without touching run_metrics.
 */
export const runLatestMetrics = pgTable(
  "run_latest_metrics",
  {
    runId: uuid("run_id")
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    experimentId: uuid("experiment_id").notNull(),
    key: text("key").notNull(),
    value: doublePrecision("value").notNull(),
    step: bigint("step", { mode: "number" }).notNull(),
    timestamp: bigint("timestamp", { mode: "number" }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.runId, t.key] }),
    index("run_latest_metrics_experiment_key_value_idx").on(t.experimentId, t.key, t.value, t.runId),
  ],
);

/**
 * A long series' history as the JSON text the API sends, kept after a full read of at least 10,000
 * points (server/registry/runs-history.ts). Points are only ever appended, so it is current exactly
 * while the series still has `points` points; any other count rebuilds it.
 */
export const runMetricSeries = pgTable(
  "run_metric_series",
  {
    runId: uuid("run_id")
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    points: integer("points").notNull(),
    /** `"steps":[...],"timestamps":[...],"values":[...]` */
    body: text("body").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.key] })],
);

export const runArtifacts = pgTable(
  "run_artifacts",
  {
    runId: uuid("run_id")
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    path: text("path").notNull(),
    sha256: text("sha256")
      .notNull()
      .references(() => artifactBlobs.sha256),
    size: bigint("size", { mode: "number" }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.path] })],
);

// ---------------------------------------------------------------- MLflow 3 logged models

/** A metric logged against a logged model (latest per key and dataset); NaN and ±Infinity as their text. */
export interface LoggedModelMetric {
  key: string;
  value: number | string;
  step: number;
  timestamp: number;
  runId: string | null;
  datasetName: string | null;
  datasetDigest: string | null;
}

/**
 * MLflow 3's logged model: a model's files and metadata in an experiment, before (or without) a
 * registered version. `id` is MLflow's form (`m-` and 32 hex digits). Files live under
 * `artifact_location` (`mlflow-artifacts:/<experiment>/models/<id>/artifacts`) through the artifact proxy.
 */
export const loggedModels = pgTable(
  "logged_models",
  {
    id: text("id").primaryKey(),
    projectId: projectRef(),
    experimentId: uuid("experiment_id")
      .notNull()
      .references(() => experiments.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    modelType: text("model_type"),
    sourceRunId: uuid("source_run_id").references(() => runs.id, { onDelete: "set null" }),
    status: text("status", { enum: ["pending", "ready", "failed"] })
      .notNull()
      .default("pending"),
    statusMessage: text("status_message"),
    params: jsonb("params").$type<Record<string, string>>().notNull().default({}),
    tags: jsonb("tags").$type<Record<string, string>>().notNull().default({}),
    metrics: jsonb("metrics").$type<LoggedModelMetric[]>().notNull().default([]),
    artifactLocation: text("artifact_location").notNull(),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("logged_models_project_experiment_created_idx").on(t.projectId, t.experimentId, t.createdAt, t.id)],
);

export const loggedModelFiles = pgTable(
  "logged_model_files",
  {
    modelId: text("model_id")
      .notNull()
      .references(() => loggedModels.id, { onDelete: "cascade" }),
    path: text("path").notNull(),
    sha256: text("sha256")
      .notNull()
      .references(() => artifactBlobs.sha256),
    size: bigint("size", { mode: "number" }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.modelId, t.path] })],
);
