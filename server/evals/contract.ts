import { z } from "zod";
import { evalRuns, gateEvaluations, gates } from "../../db/schema";
import { pageOf, rowSchema } from "../core/output-schema";

/** Outputs of api.evals.* (issue 15: every procedure declares one; the OpenAPI document is generated from them). */

export const evalRunOut = rowSchema(evalRuns);
export const evalRunProgressOut = evalRunOut.extend({
  itemsDone: z.number(),
  itemsTotal: z.number(),
  dataset: z.object({ name: z.string(), version: z.number() }).nullable(),
});
export const evalItemOut = z.object({
  idx: z.number(),
  prediction: z.string(),
  /** flat figures: {"bleu.score": 31.2, ...} */
  scores: z.record(z.string(), z.number()),
  /** a generated item that failed after retries: why (it has no scores) */
  error: z.string().nullable(),
  /** the dataset row's input: free-form JSON */
  input: z.unknown(),
  references: z.array(z.string()),
});
const runRef = z.object({ id: z.string(), name: z.string() });
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
