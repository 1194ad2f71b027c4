import { z } from "zod";
import { routers } from "../../db/schema";
import { rowSchema } from "../core/output-schema";

/** Outputs of api.routing.* (issue 15: every procedure declares one; the OpenAPI document is generated from them). */

export const routerOut = rowSchema(routers);
const learnedMetrics = z.object({
  positives: z.number(),
  trainLogLoss: z.number(),
  trainAccuracy: z.number(),
  cvLogLoss: z.number().nullable(),
  targetLargeShare: z.number(),
  largeShare: z.number(),
  iterations: z.number(),
});
/** A list row: the trained model's summary instead of its weights. */
export const routerListOut = routerOut
  .omit({ trained: true })
  .extend({ trainedSummary: z.object({ trainedOn: z.number(), threshold: z.number(), metrics: learnedMetrics }).nullable() });
export const deletedOut = z.object({ deleted: z.literal(true) });
/**
 * The trained model without its parameters (server/routing/candidates.ts modelSummary): its kind,
 * threshold, metrics, and which candidate won on the validation slice with every candidate's figures.
 */
export const trainedOut = z.object({
  router: z.string(),
  model: z.object({
    kind: z.enum(["logistic", "tfidf-logistic", "knn", "mlp", "mf"]),
    bias: z.number().optional(),
    featureSpec: z
      .object({ embedding: z.object({ model: z.string(), dim: z.number() }).nullable(), text: z.array(z.string()).readonly() })
      .optional(),
    embedding: z.object({ model: z.string(), dim: z.number() }).optional(),
    threshold: z.number(),
    margin: z.number(),
    l2: z.number().optional(),
    trainedOn: z.number(),
    metrics: learnedMetrics,
    selection: z
      .object({
        winner: z.string(),
        by: z.enum(["apgr", "logLoss", "single"]),
        validationItems: z.number(),
        seed: z.number(),
        candidates: z.array(
          z.object({ kind: z.string(), apgr: z.number().nullable(), logLoss: z.number().nullable(), error: z.string().optional() }),
        ),
        note: z.string().optional(),
      })
      .optional(),
  }),
});
/** RouteLLM's measures per router kind (server/routing/service-eval.ts RouterEvalReport, without per-item scores). */
export const evalReportOut = z.object({
  n_train: z.number(),
  n_test: z.number(),
  small_only: z.number(),
  large_only: z.number(),
  routers: z.array(z.object({ kind: z.string(), apgr: z.number(), cpt50: z.number(), cpt80: z.number() })),
  skipped: z.array(z.object({ kind: z.string(), reason: z.string() })),
  curves: z.array(z.object({ kind: z.string(), points: z.array(z.object({ share: z.number(), quality: z.number(), pgr: z.number() })) })),
});
export const routerStatsOut = z.object({
  router: z.object({ name: z.string(), kind: z.enum(["rules", "split", "cascade", "learned"]) }),
  hours: z.number(),
  totals: z.object({
    calls: z.number(),
    large: z.number(),
    cost: z.number(),
    largeCost: z.number(),
    exactHits: z.number(),
    semanticHits: z.number(),
    fallbacks: z.number(),
    largeShare: z.number(),
    saved: z.number(),
    cacheHitRate: z.number(),
  }),
  /** calls per target per hour; `hour` is PostgreSQL's text of the hour */
  buckets: z.array(z.object({ hour: z.string(), target: z.string(), calls: z.number() })),
  byTarget: z.array(
    z.object({
      target: z.string(),
      large: z.boolean(),
      calls: z.number(),
      p50: z.number(),
      p95: z.number(),
      cost: z.number(),
      rating: z.number().nullable(),
      rated: z.number(),
    }),
  ),
});
