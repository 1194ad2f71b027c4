import { z } from "zod";
import { DRIFT_VERDICTS, driftAlertRules, driftAlerts, driftMonitors, driftRuns } from "../../db/schema";
import { jsonOf, pageOf, rowSchema } from "../core/output-schema";
import { traceFilter } from "../logs";
import { columnName } from "./inputs";

/**
 * A drift monitor's configuration, validated on every write (create, update, preview) and kept as
 * JSON on the monitor (db/schema/drift.ts). Column names are a small vocabulary over logged traces
 * (./columns.ts); every name is checked against it, so a typo is a 400 naming the column.
 */

export const STATTESTS = ["ks", "chisquare", "z", "wasserstein", "jensenshannon", "psi"] as const;
export type StatTest = (typeof STATTESTS)[number];
/** p-value tests: drift when p < threshold; the others are distances: drift when value >= threshold */
export const P_VALUE_TESTS: readonly StatTest[] = ["ks", "chisquare", "z"];

export const EMBEDDING_METHODS = ["model", "distance", "ratio", "mmd"] as const;

export const columnSpec = z
  .object({
    name: columnName,
    /** required for metadata.* and input.* columns (numerical or categorical); fixed for the built-in ones */
    type: z.enum(["numerical", "categorical"]).optional(),
    stattest: z.enum(STATTESTS).optional(),
    threshold: z.number().finite().optional(),
  })
  .strict();
export type ColumnSpec = z.infer<typeof columnSpec>;

/** Traces of the project, narrowed like the logs explorer (a filter, a saved view) and to one deployment. */
export const sourceConfig = z
  .object({
    kind: z.literal("traffic").default("traffic"),
    filter: traceFilter.omit({ from: true, to: true }).strict().default({}),
    /** a saved logs view by name: its query narrows the traces too */
    view: z.string().trim().min(1).max(200).optional(),
    /** only calls served by this gateway deployment (a classification deployment's predictions, say) */
    deployment: z.string().trim().min(1).max(200).optional(),
    /** phrases that mark an answer as a refusal (case-insensitive substrings), for the `refusal` column */
    refusalPhrases: z.array(z.string().trim().min(2).max(200)).max(100).optional(),
  })
  .strict();

const isoDate = z.coerce.date();
export const referenceConfig = z.discriminatedUnion("kind", [
  /** rows of a dataset version (its input, prediction or first reference, metadata) */
  z
    .object({ kind: z.literal("dataset"), dataset: z.string().trim().min(1).max(200), version: z.number().int().positive().optional() })
    .strict(),
  /** a fixed past time range of the same traffic */
  z.object({ kind: z.literal("range"), from: isoDate, to: isoDate }).strict(),
  /** the window just before the current one, of the same length */
  z.object({ kind: z.literal("previous") }).strict(),
]);
export type ReferenceConfig = z.infer<typeof referenceConfig>;

export const WINDOWS = { hour: 3600_000, day: 86_400_000, week: 7 * 86_400_000 } as const;
export const currentConfig = z.discriminatedUnion("kind", [
  /** the last hour, day or week before the run */
  z.object({ kind: z.literal("sliding"), window: z.enum(["hour", "day", "week"]) }).strict(),
  z.object({ kind: z.literal("range"), from: isoDate, to: isoDate }).strict(),
]);
export type CurrentConfig = z.infer<typeof currentConfig>;

export const embeddingsConfig = z
  .object({
    field: z.enum(["input", "output"]),
    /** a registered feature-extraction model (name, optionally @alias or :version); the bundled tiny-bert-embed by default */
    model: z.string().trim().min(1).max(200).default("tiny-bert-embed"),
    method: z.enum(EMBEDDING_METHODS).default("model"),
    threshold: z.number().finite().optional(),
    pcaComponents: z.number().int().min(1).max(1024).optional(),
    /** at most this many traces per window are embedded (the newest) */
    maxRows: z.number().int().min(10).max(20_000).default(2000),
  })
  .strict();

export const monitorConfig = z
  .object({
    source: sourceConfig.default({ kind: "traffic", filter: {} }),
    columns: z.array(columnSpec).min(1, "name at least one column").max(200),
    embeddings: embeddingsConfig.optional(),
    reference: referenceConfig,
    current: currentConfig,
    /** a window with fewer rows than this is "not enough data", never "no drift" */
    minSamples: z.number().int().min(1).max(1_000_000).default(30),
    /** dataset drift when at least this share of the tested columns drifted */
    driftShare: z.number().gt(0).max(1).default(0.5),
  })
  .strict();
export type MonitorConfig = z.infer<typeof monitorConfig>;

export const monitorInput = z
  .object({
    name: z.string().trim().min(1).max(200),
    description: z.string().max(2000).nullish(),
    /** crontab (5 fields, UTC), e.g. "0 * * * *"; null: on demand only */
    schedule: z.string().trim().max(200).nullish(),
    active: z.boolean().default(true),
    retentionDays: z.number().int().min(1).max(3650).default(90),
    config: monitorConfig,
  })
  .strict();
export type MonitorInput = z.infer<typeof monitorInput>;

export const monitorUpdate = monitorInput.partial().strict();

export { type AlertRuleInput, alertCondition, alertRuleInput, retrainConfig } from "./inputs";

// ---- outputs (issue 15: every procedure declares one; the OpenAPI document is generated from them)

const verdict = z.enum(DRIFT_VERDICTS);
/** the stored configuration, as written (dates inside stay ISO strings) */
const storedConfig = jsonOf<MonitorConfig>();
export const monitorOut = rowSchema(driftMonitors).extend({
  config: storedConfig,
  lastRun: z.object({ id: z.string(), number: z.number(), verdict: z.string(), driftShare: z.number(), createdAt: z.date() }).nullable(),
  recent: z.array(z.object({ number: z.number(), verdict: z.string(), driftShare: z.number() })),
});
export const monitorDetailOut = monitorOut.extend({
  timeline: z.array(
    z.object({
      id: z.string(),
      number: z.number(),
      verdict,
      driftShare: z.number(),
      driftedCount: z.number(),
      columnCount: z.number(),
      createdAt: z.date(),
    }),
  ),
});
const windowOut = z.object({ from: z.string().nullable(), to: z.string().nullable(), size: z.number(), label: z.string() });
const pair = z.object({ reference: z.number(), current: z.number() });
export const columnResultOut = z.object({
  name: z.string(),
  type: z.enum(["numerical", "categorical"]),
  label: z.string(),
  unit: z.string().nullable(),
  status: z.enum(["tested", "not_enough_data", "failed"]),
  stattest: z.string().nullable(),
  value: z.number().nullable(),
  threshold: z.number().nullable(),
  drift: z.boolean().nullable(),
  referenceSize: z.number(),
  currentSize: z.number(),
  dropped: pair,
  nonFinite: pair,
  histogram: z.object({ edges: z.array(z.number()), reference: z.array(z.number()), current: z.array(z.number()) }).optional(),
  categories: z.array(z.object({ name: z.string(), reference: z.number(), current: z.number() })).optional(),
  error: z.string().optional(),
});
const point = z.tuple([z.number(), z.number()]);
export const embeddingResultOut = z.object({
  field: z.enum(["input", "output"]),
  model: z.string(),
  status: z.enum(["tested", "not_enough_data", "failed"]),
  method: z.string(),
  value: z.number().nullable(),
  threshold: z.number().nullable(),
  drift: z.boolean().nullable(),
  referenceSize: z.number(),
  currentSize: z.number(),
  dimensions: z.number(),
  projection: z.object({ reference: z.array(point), current: z.array(point) }).nullable(),
  error: z.string().optional(),
});
/** A preview: the first run's figures, nothing stored (server/drift/engine.ts Evaluation). */
export const evaluationOut = z.object({
  verdict: z.enum(["drift", "no_drift", "not_enough_data"]),
  reference: windowOut,
  current: windowOut,
  columns: z.array(columnResultOut),
  columnCount: z.number(),
  driftedCount: z.number(),
  driftShare: z.number(),
  embeddings: embeddingResultOut.nullable(),
  message: z.string().nullable(),
});
const runRow = rowSchema(driftRuns);
export const runOut = runRow.extend({ reference: windowOut, current: windowOut, config: storedConfig });
export const runSummaryOut = runOut.omit({ columns: true, embeddings: true, config: true });
export const runDetailOut = runOut.extend({ monitor: z.object({ id: z.string(), name: z.string() }) });
export const ruleOut = rowSchema(driftAlertRules);
export const alertOut = rowSchema(driftAlerts);
export const alertViewOut = alertOut.extend({ monitorName: z.string(), ruleName: z.string(), runNumber: z.number() });
export const columnCatalogOut = z.object({
  builtin: z.array(
    z.object({ name: z.string(), type: z.enum(["numerical", "categorical"]), label: z.string(), unit: z.string().nullable() }),
  ),
  scores: z.array(z.string()),
  metadata: z.array(z.object({ name: z.string(), type: z.enum(["numerical", "categorical"]) })),
  stattests: z.array(z.enum(STATTESTS)).readonly(),
  embeddingMethods: z.array(z.enum(EMBEDDING_METHODS)).readonly(),
});
export const idOut = z.object({ id: z.string() });
export { pageOf };
