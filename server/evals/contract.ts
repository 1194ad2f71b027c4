import { z } from "zod";
import { evalRuns, gateEvaluations, gates } from "../../db/schema";
import { pageOf, rowSchema } from "../core/output-schema";

/** Outputs of api.evals.* (issue 15: every procedure declares one; the OpenAPI document is generated from them). */

export const evalRunOut = rowSchema(evalRuns);
/** The prompt version a run rendered its rows with, as it resolved when the run was created. */
const runPromptOut = z.object({ id: z.string(), name: z.string(), version: z.number(), label: z.string().optional() });
export const evalRunProgressOut = evalRunOut.extend({
  itemsDone: z.number(),
  itemsTotal: z.number(),
  dataset: z.object({ name: z.string(), version: z.number() }).nullable(),
  prompt: runPromptOut.nullable(),
});
export const evalItemOut = z.object({
  idx: z.number(),
  prediction: z.string(),
  /** flat figures: {"bleu.score": 31.2, ...} */
  scores: z.record(z.string(), z.number()),
  /** a generated item that failed after retries: why (it has no scores) */
  error: z.string().nullable(),
  /** a generated answer: who answered (a router's chosen target), its wall time (ms), cost (USD) and gateway trace */
  answeredBy: z.string().nullable(),
  latencyMs: z.number().nullable(),
  cost: z.number().nullable(),
  traceId: z.string().nullable(),
  /** per scorer key: a judge's verdict and reasoning, or why the item is unscored */
  details: z.record(z.string(), z.record(z.string(), z.unknown())).nullable(),
  /** the dataset row's input: free-form JSON */
  input: z.unknown(),
  references: z.array(z.string()),
});
/** A run beside the other in a comparison: what it was of, and for live runs what it cost and who answered. */
const runRef = z.object({
  id: z.string(),
  name: z.string(),
  target: z.string(),
  /** a run whose template was a prompt version: which */
  prompt: z.object({ name: z.string(), version: z.number() }).nullable(),
  cost: z.number().nullable(),
  /** a router run: the share of items its large targets answered */
  largeShare: z.number().nullable(),
  answeredBy: z.record(z.string(), z.number()).nullable(),
});
/** Paired bootstrap of B - A for one figure (server/evals/stats.ts). */
const pairedOut = z.object({
  mean: z.number(),
  low: z.number(),
  high: z.number(),
  n: z.number(),
  wins: z.number(),
  losses: z.number(),
  ties: z.number(),
  pValue: z.number(),
});
export const evalCompareOut = z.object({
  a: runRef,
  b: runRef,
  items: z.number(),
  figures: z.record(z.string(), pairedOut),
  focus: z.string(),
  changed: z.array(
    z.object({
      idx: z.number(),
      a: z.number(),
      b: z.number(),
      diff: z.number(),
      input: z.unknown(),
      references: z.array(z.string()),
      predictionA: z.string(),
      predictionB: z.string(),
    }),
  ),
});
export const gateOut = rowSchema(gates);
export const gateEvaluationOut = rowSchema(gateEvaluations).extend({ gate: z.object({ id: z.string(), name: z.string() }) });
export { pageOf };
