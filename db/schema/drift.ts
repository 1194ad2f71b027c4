import {
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { createdAt, id, projectRef, updatedAt, users } from "./workspace";

const ts = (name: string) => timestamp(name, { withTimezone: true });

/**
 * The shapes of a monitor's configuration live in server/drift/contract.ts (zod, validated on every
 * write); the database keeps them as JSON so a new source or test needs no migration.
 */
export type DriftSourceConfig = Record<string, unknown>;

/**
 * A drift monitor: a source (logged traffic, model features) and its columns, a reference and a
 * current window, a minimum sample size per window, the share of drifted columns that makes dataset
 * drift, and a cron schedule. `nextRunAt` is when the scheduler (`drift.tick`) runs it next.
 */
export const driftMonitors = pgTable(
  "drift_monitors",
  {
    id: id(),
    projectId: projectRef(),
    name: text("name").notNull(),
    description: text("description"),
    /** { source, columns, embeddings?, reference, current, minSamples, driftShare } (contract.ts) */
    config: jsonb("config").$type<DriftSourceConfig>().notNull(),
    /** crontab expression (5 fields, UTC); null: on demand only */
    schedule: text("schedule"),
    nextRunAt: ts("next_run_at"),
    active: boolean("active").notNull().default(true),
    /** runs older than this many days are deleted by the retention job (the newest run is always kept) */
    retentionDays: integer("retention_days").notNull().default(90),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("drift_monitors_project_name_key").on(t.projectId, t.name),
    index("drift_monitors_project_created_idx").on(t.projectId, t.createdAt, t.id),
    index("drift_monitors_due_idx").on(t.active, t.nextRunAt),
  ],
);

export const DRIFT_VERDICTS = ["drift", "no_drift", "not_enough_data", "failed"] as const;
export type DriftVerdict = (typeof DRIFT_VERDICTS)[number];

/**
 * One run of a monitor: immutable once written. Per column: test, value, threshold, verdict, both
 * windows' sizes and histograms (shared edges) or category counts; the run's verdict; the windows.
 */
export const driftRuns = pgTable(
  "drift_runs",
  {
    id: id(),
    projectId: projectRef(),
    monitorId: uuid("monitor_id")
      .notNull()
      .references(() => driftMonitors.id, { onDelete: "cascade" }),
    /** per monitor, for people: run #12 */
    number: integer("number").notNull(),
    trigger: text("trigger", { enum: ["schedule", "manual"] }).notNull(),
    verdict: text("verdict", { enum: DRIFT_VERDICTS }).notNull(),
    /** the monitor's configuration as it ran */
    config: jsonb("config").$type<DriftSourceConfig>().notNull(),
    reference: jsonb("reference").$type<{ from: string | null; to: string | null; size: number; label: string }>().notNull(),
    current: jsonb("current").$type<{ from: string | null; to: string | null; size: number; label: string }>().notNull(),
    columnCount: integer("column_count").notNull(),
    driftedCount: integer("drifted_count").notNull(),
    /** drifted / tested columns (0 when none could be tested) */
    driftShare: doublePrecision("drift_share").notNull(),
    /** per-column results (server/drift/engine.ts ColumnResult[]) */
    columns: jsonb("columns").$type<unknown[]>().notNull(),
    /** embedding drift and its 2-D projection, when the monitor watches embeddings */
    embeddings: jsonb("embeddings").$type<unknown>(),
    message: text("message"),
    durationMs: integer("duration_ms").notNull(),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("drift_runs_monitor_number_key").on(t.monitorId, t.number),
    index("drift_runs_project_monitor_created_idx").on(t.projectId, t.monitorId, t.createdAt, t.id),
  ],
);

/**
 * Alert rules of a monitor: on dataset drift, on a named column drifting, or on N drifted runs in a
 * row. Delivered as the `drift.alert` webhook event; a rule may propose retraining (a tuning job in
 * `awaiting_approval`).
 */
export const driftAlertRules = pgTable(
  "drift_alert_rules",
  {
    id: id(),
    projectId: projectRef(),
    monitorId: uuid("monitor_id")
      .notNull()
      .references(() => driftMonitors.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** { kind: "dataset_drift" } | { kind: "column", column } | { kind: "consecutive", runs } */
    condition: jsonb("condition").$type<Record<string, unknown>>().notNull(),
    /** a tuning job to propose when the rule fires (contract.ts retrainInput), or null */
    retrain: jsonb("retrain").$type<Record<string, unknown>>(),
    active: boolean("active").notNull().default(true),
    silencedUntil: ts("silenced_until"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("drift_alert_rules_monitor_name_key").on(t.monitorId, t.name),
    index("drift_alert_rules_project_idx").on(t.projectId),
  ],
);

/** A fired alert: one per (rule, run). Open until a member acknowledges it. */
export const driftAlerts = pgTable(
  "drift_alerts",
  {
    id: id(),
    projectId: projectRef(),
    monitorId: uuid("monitor_id")
      .notNull()
      .references(() => driftMonitors.id, { onDelete: "cascade" }),
    ruleId: uuid("rule_id")
      .notNull()
      .references(() => driftAlertRules.id, { onDelete: "cascade" }),
    runId: uuid("run_id")
      .notNull()
      .references(() => driftRuns.id, { onDelete: "cascade" }),
    status: text("status", { enum: ["open", "acknowledged"] })
      .notNull()
      .default("open"),
    /** the webhook payload's data: verdict, drifted columns with their values */
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull(),
    /** the retraining proposal this alert created (tuning domain), if its rule proposes one */
    tuningJobId: uuid("tuning_job_id"),
    /** why no proposal was made when the rule asked for one (e.g. the base model is gone) */
    retrainError: text("retrain_error"),
    acknowledgedBy: uuid("acknowledged_by").references(() => users.id, { onDelete: "set null" }),
    acknowledgedAt: ts("acknowledged_at"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("drift_alerts_rule_run_key").on(t.ruleId, t.runId),
    index("drift_alerts_project_created_idx").on(t.projectId, t.createdAt, t.id),
  ],
);

/** Embeddings of logged inputs or outputs, per embedding model version: computed once per trace. */
export const driftEmbeddings = pgTable(
  "drift_embeddings",
  {
    projectId: projectRef(),
    traceId: text("trace_id").notNull(),
    field: text("field", { enum: ["input", "output"] }).notNull(),
    modelVersionId: uuid("model_version_id").notNull(),
    vector: real("vector").array().notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.modelVersionId, t.field, t.traceId] })],
);
