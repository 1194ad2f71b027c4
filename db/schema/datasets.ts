import { sql } from "drizzle-orm";
import { index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, projects, users } from "./workspace";

/** A named collection of rows (input, references, prediction?, metadata) with immutable versions. */
export const datasets = pgTable(
  "datasets",
  {
    id: uuid("id").primaryKey().default(sql`gen_random_uuid()`),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    description: text("description"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("datasets_project_name_key").on(t.projectId, t.name),
    index("datasets_project_created_idx").on(t.projectId, t.createdAt, t.id),
  ],
);

export type DatasetSource =
  | { kind: "upload"; format: "jsonl" | "csv"; filename: string | null }
  | {
      kind: "logs";
      filter: Record<string, unknown>;
      rating: { name: string; min?: number; max?: number } | null;
      /** absent on builds before these options existed: traces, no dedupe, no split */
      format?: "traces" | "chat";
      dedupe?: boolean;
      heldOut?: number | null;
      /** the saved logs view the filter came from */
      view?: string | null;
      /** traces the build left out: not a text chat (format chat), or a duplicate */
      skipped?: { notChat: number; duplicates: number };
    };

/** One immutable snapshot of a dataset: never updated once written; evals and tuning pin its id. */
export const datasetVersions = pgTable(
  "dataset_versions",
  {
    id: uuid("id").primaryKey().default(sql`gen_random_uuid()`),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    datasetId: uuid("dataset_id")
      .notNull()
      .references(() => datasets.id, { onDelete: "cascade" }),
    /** 1, 2, 3... per dataset */
    version: integer("version").notNull(),
    /** sha256 hex over the canonical rows, in order */
    contentHash: text("content_hash").notNull(),
    rowCount: integer("row_count").notNull(),
    /** the column names present, e.g. ["input", "references", "metadata"] */
    columns: jsonb("columns").$type<string[]>().notNull(),
    source: jsonb("source").$type<DatasetSource>().notNull(),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("dataset_versions_dataset_version_key").on(t.datasetId, t.version),
    index("dataset_versions_project_dataset_idx").on(t.projectId, t.datasetId, t.version),
  ],
);

export const datasetRows = pgTable(
  "dataset_rows",
  {
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    versionId: uuid("version_id")
      .notNull()
      .references(() => datasetVersions.id, { onDelete: "cascade" }),
    /** 0-based position in the version */
    idx: integer("idx").notNull(),
    input: jsonb("input").notNull(),
    references: jsonb("references").$type<string[]>().notNull(),
    /** a stored output evals can score */
    prediction: text("prediction"),
    metadata: jsonb("metadata").$type<Record<string, unknown>>(),
    /** sha256 hex of the canonical row, for diffs */
    rowHash: text("row_hash").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.versionId, t.idx] }),
    index("dataset_rows_project_version_hash_idx").on(t.projectId, t.versionId, t.rowHash),
  ],
);
