import { z } from "zod";
import { DRIFT_VERDICTS, driftAlertRules, driftAlerts, driftMonitors, driftRuns } from "../../db/schema";
import { jsonOf, pageOf, rowSchema } from "../core/output-schema";
import { traceFilter } from "../logs";
import { EMBEDDING_METHODS, monitorConfigFields, monitorFields, STATTESTS, sourceFields } from "./inputs";

export {
  type ColumnSpec,
  type CurrentConfig,
  columnSpec,
  currentConfig,
  EMBEDDING_METHODS,
  embeddingsConfig,
  P_VALUE_TESTS,
  type ReferenceConfig,
  referenceConfig,
  STATTESTS,
  type StatTest,
  WINDOWS,
} from "./inputs";

/**
 * A drift monitor's configuration, validated on every write (create, update, preview) and kept as
 * JSON on the monitor (db/schema/drift.ts). Column names are a small vocabulary over logged traces
 * (./columns.ts); every name is checked against it, so a typo is a 400 naming the column.
 */

/** Traces of the project, narrowed like the logs explorer (a filter, a saved view) and to one deployment. */
export const sourceConfig = z
  .object({
    ...sourceFields.pick({ kind: true }).shape,
    filter: traceFilter.omit({ from: true, to: true }).strict().default({}),
    ...sourceFields.omit({ kind: true }).shape,
  })
  .strict();

export const monitorConfig = z
  .object({ source: sourceConfig.default({ kind: "traffic", filter: {} }), ...monitorConfigFields.shape })
  .strict();
export type MonitorConfig = z.infer<typeof monitorConfig>;

export const monitorInput = z.object({ ...monitorFields.shape, config: monitorConfig }).strict();
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
