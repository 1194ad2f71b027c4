import { z } from "zod";

/*
 * Tuning inputs as plain zod, importing nothing but zod: the console's launch, worker pool and worker
 * token forms validate with these same schemas (scripts/check-boundaries.ts lets app/ import
 * `server/<slug>/inputs.ts` files only).
 */

/** A worker pool's name; the service checks it again for callers that skip the schema (`keel workers pools create`). */
export const POOL_NAME_RE = /^[\w.-]{1,64}$/;
export const POOL_NAME_RULE = "a pool name is 1 to 64 letters, digits, '.', '_' or '-'";

/** A pool of projects by slug (or id), each must exist; none: every project. */
export const createPoolInput = z.object({
  name: z.string().trim().regex(POOL_NAME_RE, { message: POOL_NAME_RULE }),
  projects: z.array(z.string().trim().min(1).max(100)).max(1000).optional(),
});

/** A remote worker's `wk_` token; `pool` names a pool (none: every project's jobs). */
export const createWorkerTokenInput = z.object({ name: z.string().max(200).optional(), pool: z.string().max(64).nullish() });

export const TUNING_METHODS = ["head", "lora", "full"] as const;

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

/** Each method's hyperparameters as plain data (JSON-safe): the launch form's fields, and api.tuning.hyperparameters. */
export const HYPERPARAMETER_SPECS: Record<TuningMethod, HyperparameterSpec[]> = {
  head: specsOf(headHyperparameters),
  lora: specsOf(loraHyperparameters),
  full: specsOf(fullHyperparameters),
};

const modelName = z.string().trim().min(1).max(200);

/** The base model version: a version number or an alias (default `production`). */
export const baseRef = z.object({
  model: modelName,
  version: z.union([z.number().int().positive(), z.string().trim().min(1).max(100)]).default("production"),
});

/** A dataset version: by dataset name and version number (default the latest). */
export const datasetRef = z.object({ name: z.string().trim().min(1).max(200), version: z.number().int().positive().optional() });

/**
 * What tuning adds to a build from logs: deduplicated by default, with a held-out share for the eval
 * run. The build's own fields (name, filter, rating, view) are the datasets domain's buildFromLogsInput,
 * which contract.ts joins to these; here they pass through unchecked.
 */
export const fromLogsOptions = z.object({
  dedupe: z.boolean().default(true),
  heldOut: z.number().min(0.05).max(0.5).default(0.2),
});

/** A job's launch input (api.tuning.create, a drift rule's retraining); contract.ts's createJobInput is this with fromLogs in full. */
export const launchInput = z.object({
  method: z.enum(TUNING_METHODS),
  base: baseRef,
  /** a dataset version; or give `fromLogs` */
  dataset: datasetRef.optional(),
  /**
   * build the dataset version from logged traces (a saved view's filter, a rating condition) in the
   * same transaction as the job: chat SFT rows for lora and full, text and output for head; deduplicated,
   * with a held-out share for the eval run. A job that fails its checks leaves no dataset version behind.
   */
  fromLogs: fromLogsOptions.loose().optional(),
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

export const DATA_SOURCE_MESSAGE = "give either dataset (a dataset version) or fromLogs (build one from traces)";

/**
 * The launch input with the checks the service makes beyond its shape: one data source, and each
 * hyperparameter against the method's ranges (an issue per hyperparameter, at its own path, so a form
 * shows each under its field; the service names them all in one 400 instead).
 */
export const checkedLaunchInput = launchInput.superRefine((input, ctx) => {
  if (Boolean(input.dataset) === Boolean(input.fromLogs)) ctx.addIssue({ code: "custom", path: ["dataset"], message: DATA_SOURCE_MESSAGE });
  const res = HYPERPARAMETERS[input.method].safeParse(input.hyperparameters);
  if (res.success) return;
  for (const i of res.error.issues) {
    const keys = i.code === "unrecognized_keys" ? i.keys : [String(i.path[0] ?? "")];
    for (const k of keys)
      ctx.addIssue({
        code: "custom",
        path: ["hyperparameters", k],
        message: `${k}: ${i.code === "unrecognized_keys" ? `not a ${input.method} hyperparameter` : i.message}`,
      });
  }
});
