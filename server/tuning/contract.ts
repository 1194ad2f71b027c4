import { z } from "zod";
import { TUNING_STATUSES } from "../../db/schema";
import { buildFromLogsInput } from "../datasets";

/** Hyperparameters of the `head` trainer (a classifier on a frozen embedding model), with their ranges. */
export const headHyperparameters = z
  .object({
    kind: z.enum(["logistic", "mlp"]).default("mlp"),
    hidden: z.number().int().min(4).max(4096).default(256),
    epochs: z.number().int().min(1).max(1000).default(8),
    learningRate: z.number().gt(0).max(1).default(0.003),
    l2: z.number().min(0).lt(1).default(0),
    batchSize: z.number().int().min(1).max(4096).default(64),
  })
  .strict();

/** Hyperparameters of `lora` (LoRA SFT of a causal LM). */
export const loraHyperparameters = z
  .object({
    r: z.number().int().min(1).max(256).default(8),
    alpha: z.number().min(1).max(1024).default(16),
    dropout: z.number().min(0).max(0.9).default(0.05),
    learningRate: z.number().gt(0).max(1).default(2e-4),
    epochs: z.number().int().min(1).max(100).default(1),
    maxSteps: z.number().int().min(1).max(1_000_000).optional(),
    batchSize: z.number().int().min(1).max(512).default(8),
    maxLength: z.number().int().min(8).max(8192).default(256),
  })
  .strict();

/** Hyperparameters of `full` fine-tuning (every weight trains: a smaller default rate than LoRA's). */
export const fullHyperparameters = loraHyperparameters
  .omit({ r: true, alpha: true, dropout: true, learningRate: true })
  .extend({
    learningRate: z.number().gt(0).max(1).default(5e-5),
    weightDecay: z.number().min(0).lt(1).default(0),
  })
  .strict();

export const HYPERPARAMETERS = { head: headHyperparameters, lora: loraHyperparameters, full: fullHyperparameters } as const;
export type TuningMethod = keyof typeof HYPERPARAMETERS;

/** The base model's task each method can train. */
export const BASE_TASKS: Record<TuningMethod, string[]> = {
  head: ["feature-extraction"],
  lora: ["text-generation"],
  full: ["text-generation"],
};

const modelName = z.string().trim().min(1).max(200);

export const createJobInput = z.object({
  method: z.enum(["head", "lora", "full"]),
  /** the base model version: a version number or an alias (default `production`) */
  base: z.object({
    model: modelName,
    version: z.union([z.number().int().positive(), z.string().trim().min(1).max(100)]).default("production"),
  }),
  /** a dataset version: by dataset name and version number (default the latest); or give `fromLogs` */
  dataset: z.object({ name: z.string().trim().min(1).max(200), version: z.number().int().positive().optional() }).optional(),
  /**
   * build the dataset version from logged traces (a saved view's filter, a rating condition) in the
   * same transaction as the job: chat SFT rows for lora and full, text and output for head; deduplicated,
   * with a held-out share for the eval run. A job that fails its checks leaves no dataset version behind.
   */
  fromLogs: buildFromLogsInput
    .omit({ format: true, dedupe: true, heldOut: true })
    .extend({ dedupe: z.boolean().default(true), heldOut: z.number().min(0.05).max(0.5).default(0.2) })
    .optional(),
  /** validated against the method's ranges (a 400 names each one out of range) */
  hyperparameters: z.record(z.string(), z.unknown()).default({}),
  resources: z
    .object({ kind: z.enum(["cpu", "gpu"]).default("cpu"), minGpuMemoryMb: z.number().int().min(0).max(1_000_000).optional() })
    .default({ kind: "cpu" }),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(0),
  /** the model the result is registered under (default `<base>-<method>`) */
  outputModel: modelName.optional(),
  /** which dataset fields hold the text and the label: input, references (the first one), metadata.X, input.X */
  fields: z
    .object({ text: z.string().trim().min(1).max(200).default("input"), label: z.string().trim().min(1).max(200).default("references") })
    .default({ text: "input", label: "references" }),
  wallTimeLimitS: z
    .number()
    .int()
    .min(10)
    .max(7 * 24 * 3600)
    .default(3600),
  maxAttempts: z.number().int().min(1).max(10).default(3),
  /** once the result's eval ran, request this alias for it (the model's approval policy and its gates decide) */
  promoteTo: z
    .string()
    .trim()
    .regex(/^[a-z][a-z0-9_-]{0,62}$/, "an alias: lowercase letters, digits, - and _")
    .optional(),
});
export type CreateJobInput = z.infer<typeof createJobInput>;

/** One hyperparameter as the launch form shows it: its type, default and range (from the schemas above, not by hand). */
export interface HyperparameterSpec {
  name: string;
  type: "integer" | "number" | "enum";
  default?: number | string;
  options?: string[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  optional: boolean;
}

interface JsonSchemaProp {
  type?: string;
  enum?: string[];
  default?: number | string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
}

function specsOf(schema: z.ZodObject): HyperparameterSpec[] {
  const json = z.toJSONSchema(schema, { io: "input" }) as { properties?: Record<string, JsonSchemaProp> };
  return Object.entries(json.properties ?? {}).map(([name, p]) => ({
    name,
    type: p.enum ? "enum" : p.type === "integer" ? "integer" : "number",
    ...(p.default !== undefined ? { default: p.default } : {}),
    ...(p.enum ? { options: p.enum } : {}),
    ...(p.minimum !== undefined ? { minimum: p.minimum } : {}),
    ...(p.maximum !== undefined ? { maximum: p.maximum } : {}),
    ...(p.exclusiveMinimum !== undefined ? { exclusiveMinimum: p.exclusiveMinimum } : {}),
    ...(p.exclusiveMaximum !== undefined ? { exclusiveMaximum: p.exclusiveMaximum } : {}),
    optional: p.default === undefined,
  }));
}

/** Each method's hyperparameters as plain data (JSON-safe), for the launch form; serve it with a query. */
export const HYPERPARAMETER_SPECS: Record<TuningMethod, HyperparameterSpec[]> = {
  head: specsOf(headHyperparameters),
  lora: specsOf(loraHyperparameters),
  full: specsOf(fullHyperparameters),
};

const workerOffer = z.object({
  cpus: z.number(),
  memoryMb: z.number(),
  gpus: z.array(z.object({ name: z.string(), memoryMb: z.number() })),
  cuda: z.string().nullable(),
  driver: z.string().nullable(),
  torch: z.string().nullable(),
  trainers: z.array(z.string()),
});
const workerCommon = {
  id: z.string(),
  /** a project sees `worker <id prefix>`; an instance admin sees the name it registered with */
  name: z.string(),
  status: z.enum(["online", "stopped", "lost"]),
  heartbeatAt: z.date(),
  capabilities: workerOffer,
  /** running a job (of any project) */
  busy: z.boolean(),
};

/** api.tuning.workers: no host, pid or other projects' jobs (extra keys are stripped by the output parse). */
export const projectWorkerOut = z.object({
  ...workerCommon,
  currentJob: z.object({ id: z.string(), number: z.number().int() }).nullable(),
});

/** api.tuning.allWorkers (instance admins): every worker with its host, pid and the job and project it runs. */
export const instanceWorkerOut = z.object({
  ...workerCommon,
  host: z.string(),
  pid: z.number().int(),
  startedAt: z.date(),
  currentJob: z
    .object({ id: z.string(), number: z.number().int(), project: z.object({ id: z.string(), slug: z.string(), name: z.string() }) })
    .nullable(),
});

const nullableDate = z.date().nullable();

/** A tuning job row as the API returns it (api.tuning.create); every column of tuning_jobs (checked in test/tuning/workers.test.ts). */
export const tuningJobOut = z.object({
  id: z.string(),
  projectId: z.string(),
  number: z.number().int(),
  method: z.enum(["head", "lora", "full"]),
  baseVersionId: z.string(),
  datasetVersionId: z.string(),
  outputModel: z.string(),
  hyperparameters: z.record(z.string(), z.unknown()),
  resources: z.object({ kind: z.enum(["cpu", "gpu"]), minGpuMemoryMb: z.number().optional() }),
  seed: z.number().int(),
  fields: z.object({ text: z.string(), label: z.string() }),
  status: z.enum(TUNING_STATUSES),
  waitReason: z.string().nullable(),
  attempt: z.number().int(),
  maxAttempts: z.number().int(),
  wallTimeLimitS: z.number().int(),
  workerId: z.string().nullable(),
  runId: z.string().nullable(),
  resultVersionId: z.string().nullable(),
  evalRunId: z.string().nullable(),
  promoteTo: z.string().nullable(),
  promotion: z
    .object({ status: z.string(), alias: z.string().optional(), requestId: z.string().optional(), message: z.string().optional() })
    .nullable(),
  settledAt: nullableDate,
  metrics: z.record(z.string(), z.number()).nullable(),
  trigger: z
    .object({
      kind: z.literal("drift"),
      monitorId: z.string(),
      runId: z.string(),
      alertId: z.string(),
      ruleId: z.string(),
      runNumber: z.number().optional(),
      monitor: z.string().optional(),
    })
    .nullable(),
  decision: z
    .object({ decision: z.enum(["approved", "rejected"]), by: z.string().nullable(), at: z.string(), reason: z.string().nullish() })
    .nullable(),
  progress: z.object({ fraction: z.number(), message: z.string().optional() }).nullable(),
  error: z.string().nullable(),
  cancelRequestedAt: nullableDate,
  createdBy: z.string().nullable(),
  createdAt: z.date(),
  startedAt: nullableDate,
  finishedAt: nullableDate,
});

/** A job with the names of what it links to (api.tuning.list, get, cancel, decide). */
export const jobViewOut = tuningJobOut.extend({
  base: z.object({ model: z.string(), version: z.number().int() }),
  dataset: z.object({ name: z.string(), version: z.number().int() }),
  result: z.object({ model: z.string(), version: z.number().int() }).nullable(),
  /** the worker that holds or ran it, named without its host or pid */
  worker: z.object({ id: z.string(), name: z.string(), remote: z.boolean() }).nullable(),
});

export const jobLogOut = z.object({
  id: z.number().int(),
  attempt: z.number().int(),
  stream: z.enum(["worker", "stdout", "stderr"]),
  line: z.string(),
  at: z.date(),
});

const hyperparameterSpecOut = z.object({
  name: z.string(),
  type: z.enum(["integer", "number", "enum"]),
  default: z.union([z.number(), z.string()]).optional(),
  options: z.array(z.string()).optional(),
  minimum: z.number().optional(),
  maximum: z.number().optional(),
  exclusiveMinimum: z.number().optional(),
  exclusiveMaximum: z.number().optional(),
  optional: z.boolean(),
});
export const hyperparameterSpecsOut = z.object({
  head: z.array(hyperparameterSpecOut),
  lora: z.array(hyperparameterSpecOut),
  full: z.array(hyperparameterSpecOut),
});

/** A worker pool (instance admins): its projects by slug, null for every project. */
export const workerPoolOut = z.object({ id: z.string(), name: z.string(), projects: z.array(z.string()).nullable(), createdAt: z.date() });
/** A worker token as lists show it: never the token itself (shown once, at create). */
export const workerTokenOut = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  pool: z.string().nullable(),
  lastUsedAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
  createdAt: z.date(),
});
export { createPoolInput, createWorkerTokenInput } from "./inputs";
