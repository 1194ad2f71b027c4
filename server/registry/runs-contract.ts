import { z } from "zod";
import { webhookDeliveries } from "../../db/schema";
import { rowSchema } from "../core/output-schema";
import { RUN_STATUSES } from "./mlflow-search";

/** Inputs of api.registry.experiments.* (tRPC) and of /api/v1/experiments, /api/v1/runs (REST). */

const key = z.string().min(1).max(250);
const stringMap = (max: number) => z.record(key, z.string().max(max));
const epochMs = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const experimentName = z
  .string()
  .min(1)
  .max(500)
  .regex(/^[^\p{Cc}]*\S[^\p{Cc}]*$/u, { message: "must be printable and not blank" });

export const listExperimentsInput = z.object({
  cursor: z.string().max(200).optional(),
  limit: z.number().int().min(1).max(200).default(50),
  lifecycle: z.enum(["active", "deleted", "all"]).default("active"),
  search: z.string().max(200).optional(),
});

export const createExperimentInput = z.object({
  name: experimentName,
  description: z.string().max(5000).optional(),
  tags: stringMap(8000).optional(),
});

export const updateExperimentInput = z.object({
  experimentId: z.string().min(1).max(100),
  name: experimentName.optional(),
  description: z.string().max(5000).nullable().optional(),
});

export const searchRunsInput = z.object({
  /** one or more experiments (their ids) */
  experimentIds: z.array(z.string().min(1).max(100)).min(1).max(20),
  /** MLflow's grammar: `metrics.loss < 0.5 AND params.lr = '0.01' AND attributes.status = 'FINISHED'` */
  filter: z.string().max(4000).optional(),
  /** `metrics.loss ASC`, `params.lr DESC`, `attributes.start_time DESC` (default) */
  orderBy: z.string().max(300).optional(),
  lifecycle: z.enum(["active", "deleted", "all"]).default("active"),
  cursor: z.string().max(1000).optional(),
  limit: z.number().int().min(1).max(1000).default(50),
});

export const runStatus = z.enum(RUN_STATUSES);

export const createRunInput = z
  .object({
    /** by name: created when missing */
    experiment: experimentName.optional(),
    experimentId: z.string().min(1).max(100).optional(),
    name: z.string().min(1).max(250).optional(),
    startTime: epochMs.optional(),
    params: stringMap(6000).optional(),
    tags: stringMap(8000).optional(),
  })
  .refine((x) => Boolean(x.experiment) !== Boolean(x.experimentId), {
    message: "give exactly one of experiment (a name) or experimentId",
    path: ["experiment"],
  });

export const updateRunInput = z.object({
  status: runStatus.optional(),
  endTime: epochMs.nullable().optional(),
  name: z.string().min(1).max(250).optional(),
});

/**
 * A batch of a run's data. Values are checked finite by the service (a NaN sent as a string is
 * refused there too, naming the key), not here, so the message names the metric.
 */
export const logInput = z.object({
  metrics: z
    .array(
      z.object({
        key,
        value: z.union([z.number(), z.string()]),
        step: z.number().int().optional(),
        timestamp: epochMs.optional(),
      }),
    )
    .max(1000)
    .optional(),
  params: z.record(key, z.union([z.string(), z.number(), z.boolean()]).transform(String)).optional(),
  tags: z.record(key, z.string()).optional(),
});

export const historyInput = z.object({
  runId: z.string().min(1).max(100),
  keys: z.array(key).min(1).max(20),
  /** points per series at most (evenly thinned, first and last kept) */
  maxPoints: z.number().int().min(2).max(100_000).default(2000),
});

export const compareInput = z.object({
  runIds: z.array(z.string().min(1).max(100)).min(2).max(10),
  keys: z.array(key).max(20).default([]),
  maxPoints: z.number().int().min(2).max(100_000).default(1000),
});

export type CreateRunBody = z.infer<typeof createRunInput>;
export type LogBody = z.infer<typeof logInput>;

// ---- outputs of api.registry.experiments.* and api.registry.webhooks.*

const tagMap = z.record(z.string(), z.string());
export const experimentOut = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  tags: tagMap,
  lifecycleStage: z.enum(["active", "deleted"]),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export const experimentSummaryOut = experimentOut.extend({ runCount: z.number(), lastRunStart: z.number().nullable() });
export const runOut = z.object({
  id: z.string(),
  experimentId: z.string(),
  name: z.string(),
  status: z.enum(RUN_STATUSES),
  /** epoch ms */
  startTime: z.number(),
  endTime: z.number().nullable(),
  lifecycleStage: z.enum(["active", "deleted"]),
  params: tagMap,
  tags: tagMap,
  userName: z.string().nullable(),
  createdBy: z.string().nullable(),
  createdAt: z.date(),
});
const latestMetricOut = z.object({ key: z.string(), value: z.number(), step: z.number(), timestamp: z.number() });
export const runDetailOut = runOut.extend({
  experimentName: z.string(),
  metrics: z.array(latestMetricOut),
  artifacts: z.array(z.object({ path: z.string(), size: z.number(), sha256: z.string(), createdAt: z.date() })),
});
export const runSearchOut = z.object({
  items: z.array(runOut.extend({ metrics: z.record(z.string(), z.number()) })),
  nextCursor: z.string().nullable(),
  paramKeys: z.array(z.string()),
  metricKeys: z.array(z.string()),
});
export const metricSeriesOut = z.object({
  key: z.string(),
  steps: z.array(z.number()),
  timestamps: z.array(z.number()),
  values: z.array(z.number()),
});
export const runComparisonOut = z.object({
  runs: z.array(runOut.extend({ metrics: z.array(latestMetricOut) })),
  params: z.array(z.object({ key: z.string(), values: z.array(z.string().nullable()), differs: z.boolean() })),
  metrics: z.array(z.object({ key: z.string(), values: z.array(z.number().nullable()) })),
  series: z.array(metricSeriesOut.extend({ runId: z.string() })),
});

export const webhookOut = z.object({
  id: z.string(),
  url: z.string(),
  /** event names, or ["*"] for all */
  events: z.array(z.string()),
  active: z.boolean(),
  description: z.string().nullable(),
  createdAt: z.date(),
});
export const deliveryOut = rowSchema(webhookDeliveries).omit({ projectId: true });
