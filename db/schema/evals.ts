import { sql } from "drizzle-orm";
import { boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { datasetVersions } from "./datasets";
import { createdAt, projects, users } from "./workspace";

/**
 * An eval run scores a target's predictions on a dataset version with chosen metrics. It runs as the
 * `evals.run` job; per-item scores go to eval_items, aggregates (means with bootstrap intervals,
 * corpus BLEU/chrF) to `aggregates` when it succeeds.
 */
export type EvalTarget =
  | { kind: "column"; column: "prediction" }
  | { kind: "version"; versionId: string; split: string | null; fields: { text: string; label: string } };

export const evalRuns = pgTable(
  "eval_runs",
  {
    id: uuid("id").primaryKey().default(sql`gen_random_uuid()`),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    datasetVersionId: uuid("dataset_version_id")
      .notNull()
      .references(() => datasetVersions.id, { onDelete: "cascade" }),
    /** what is scored: the dataset's stored `prediction` column, or a model version's own answers */
    target: jsonb("target").$type<EvalTarget>().notNull(),
    /** the metrics and options, as in `keel score` lines */
    metrics: jsonb("metrics").$type<Record<string, Record<string, unknown>>>().notNull(),
    status: text("status", { enum: ["queued", "running", "succeeded", "failed", "cancelled"] })
      .notNull()
      .default("queued"),
    jobId: uuid("job_id"),
    aggregates: jsonb("aggregates").$type<Record<string, unknown>>(),
    error: text("error"),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [index("eval_runs_project_created_idx").on(t.projectId, t.createdAt, t.id)],
);

export const evalItems = pgTable(
  "eval_items",
  {
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    runId: uuid("run_id")
      .notNull()
      .references(() => evalRuns.id, { onDelete: "cascade" }),
    idx: integer("idx").notNull(),
    prediction: text("prediction").notNull(),
    /** flat figures: {"bleu.score": 31.2, "rougeL.fmeasure": 0.42, ...} */
    scores: jsonb("scores").$type<Record<string, number>>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.idx] })],
);

/** Named rules over a run's figures, optionally against a baseline run (see server/evals/gates.ts). */
export const gates = pgTable(
  "gates",
  {
    id: uuid("id").primaryKey().default(sql`gen_random_uuid()`),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    rules: text("rules").array().notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("gates_project_name_key").on(t.projectId, t.name)],
);

export const gateEvaluations = pgTable(
  "gate_evaluations",
  {
    id: uuid("id").primaryKey().default(sql`gen_random_uuid()`),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    gateId: uuid("gate_id")
      .notNull()
      .references(() => gates.id, { onDelete: "cascade" }),
    runId: uuid("run_id")
      .notNull()
      .references(() => evalRuns.id, { onDelete: "cascade" }),
    baselineRunId: uuid("baseline_run_id").references(() => evalRuns.id, { onDelete: "set null" }),
    passed: boolean("passed").notNull(),
    results: jsonb("results").$type<{ rule: string; actual: number; threshold: number; passed: boolean }[]>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("gate_evaluations_project_created_idx").on(t.projectId, t.createdAt, t.id)],
);
