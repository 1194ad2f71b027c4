import { z } from "zod";
import { TUNING_STATUSES } from "../../db/schema";
import { buildFromLogsInput } from "../datasets";
import { fromLogsOptions, launchInput, type TuningMethod } from "./inputs";

/** The launch input's parts live in inputs.ts (plain zod, for the console's form too); they are re-exported here. */
export { HYPERPARAMETER_SPECS, HYPERPARAMETERS, type HyperparameterSpec, type TuningMethod } from "./inputs";

/** The base model's task each method can train. */
export const BASE_TASKS: Record<TuningMethod, string[]> = {
  head: ["feature-extraction"],
  lora: ["text-generation"],
  full: ["text-generation"],
};

/** The launch input (inputs.ts) with fromLogs checked in full: the datasets domain's build input, less what the job decides. */
export const createJobInput = launchInput.extend({
  fromLogs: buildFromLogsInput.omit({ format: true, dedupe: true, heldOut: true }).extend(fromLogsOptions.shape).optional(),
});
export type CreateJobInput = z.infer<typeof createJobInput>;

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
