import { z } from "zod";

/*
 * Drift inputs as plain zod, importing nothing but zod: the console's forms validate with these
 * same schemas (scripts/check-boundaries.ts lets app/ import `server/<slug>/inputs.ts` files only).
 */

export const columnName = z
  .string()
  .trim()
  .min(1, "enter a column name")
  .max(200)
  .regex(/^[A-Za-z0-9_.:\- ]+$/, "column names use letters, digits, _ . : - and spaces");

export const alertCondition = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("dataset_drift") }).strict(),
  z.object({ kind: z.literal("column"), column: columnName }).strict(),
  z
    .object({
      kind: z.literal("consecutive"),
      runs: z
        .number({ message: "runs in a row is a whole number" })
        .int("runs in a row is a whole number")
        .min(2, "runs in a row is 2 or more")
        .max(100, "runs in a row is at most 100"),
    })
    .strict(),
]);

/** The tuning job a rule proposes: the tuning domain's launch input (base, method, dataset or fromLogs...). */
export const retrainConfig = z.record(z.string(), z.unknown());

export const alertRuleInput = z
  .object({
    name: z.string().trim().min(1, "enter a rule name").max(200),
    condition: alertCondition,
    retrain: retrainConfig.nullish(),
    active: z.boolean().default(true),
  })
  .strict();
export type AlertRuleInput = z.infer<typeof alertRuleInput>;

// ---- monitors: the console's monitor form checks these; server/drift/contract.ts adds the logs filter of the source

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
    threshold: z.number({ message: "the threshold is a number" }).finite("the threshold is a number").optional(),
  })
  .strict();
export type ColumnSpec = z.infer<typeof columnSpec>;

/** A monitor's source but its trace filter (the logs domain's traceFilter, added by contract.ts). */
export const sourceFields = z.object({
  kind: z.literal("traffic").default("traffic"),
  /** a saved logs view by name: its query narrows the traces too */
  view: z.string().trim().min(1).max(200).optional(),
  /** only calls served by this gateway deployment (a classification deployment's predictions, say) */
  deployment: z.string().trim().min(1).max(200).optional(),
  /** phrases that mark an answer as a refusal (case-insensitive substrings), for the `refusal` column */
  refusalPhrases: z
    .array(z.string().trim().min(2, "a refusal phrase is 2 characters or more").max(200, "a refusal phrase is at most 200 characters"))
    .max(100, "at most 100 refusal phrases")
    .optional(),
});

const isoDate = (what: string) => z.coerce.date({ message: `give the ${what} as a date and time` });
export const referenceConfig = z.discriminatedUnion("kind", [
  /** rows of a dataset version (its input, prediction or first reference, metadata) */
  z
    .object({
      kind: z.literal("dataset"),
      dataset: z.string().trim().min(1, "enter the reference dataset's name").max(200),
      version: z
        .number({ message: "the dataset version is a whole number from 1" })
        .int("the dataset version is a whole number from 1")
        .positive("the dataset version is a whole number from 1")
        .optional(),
    })
    .strict(),
  /** a fixed past time range of the same traffic */
  z.object({ kind: z.literal("range"), from: isoDate("reference range's start"), to: isoDate("reference range's end") }).strict(),
  /** the window just before the current one, of the same length */
  z.object({ kind: z.literal("previous") }).strict(),
]);
export type ReferenceConfig = z.infer<typeof referenceConfig>;

export const WINDOWS = { hour: 3600_000, day: 86_400_000, week: 7 * 86_400_000 } as const;
export const currentConfig = z.discriminatedUnion("kind", [
  /** the last hour, day or week before the run */
  z.object({ kind: z.literal("sliding"), window: z.enum(["hour", "day", "week"]) }).strict(),
  z.object({ kind: z.literal("range"), from: isoDate("current range's start"), to: isoDate("current range's end") }).strict(),
]);
export type CurrentConfig = z.infer<typeof currentConfig>;

const maxRowsMessage = "texts per window is a whole number from 10 to 20,000";
export const embeddingsConfig = z
  .object({
    field: z.enum(["input", "output"]),
    /** a registered feature-extraction model (name, optionally @alias or :version); the bundled tiny-bert-embed by default */
    model: z.string().trim().min(1).max(200).default("tiny-bert-embed"),
    method: z.enum(EMBEDDING_METHODS).default("model"),
    threshold: z.number({ message: "the embedding threshold is a number" }).finite("the embedding threshold is a number").optional(),
    pcaComponents: z.number().int().min(1).max(1024).optional(),
    /** at most this many traces per window are embedded (the newest) */
    maxRows: z.number({ message: maxRowsMessage }).int(maxRowsMessage).min(10, maxRowsMessage).max(20_000, maxRowsMessage).default(2000),
  })
  .strict();

const minSamplesMessage = "minimum rows is a whole number from 1 to 1,000,000";
const driftShareMessage = "the drift share is a number above 0, at most 1";
/** A monitor's configuration but its source (contract.ts monitorConfig adds it, with the logs filter). */
export const monitorConfigFields = z.object({
  columns: z.array(columnSpec).min(1, "name at least one column").max(200, "at most 200 columns"),
  embeddings: embeddingsConfig.optional(),
  reference: referenceConfig,
  current: currentConfig,
  /** a window with fewer rows than this is "not enough data", never "no drift" */
  minSamples: z
    .number({ message: minSamplesMessage })
    .int(minSamplesMessage)
    .min(1, minSamplesMessage)
    .max(1_000_000, minSamplesMessage)
    .default(30),
  /** dataset drift when at least this share of the tested columns drifted */
  driftShare: z.number({ message: driftShareMessage }).gt(0, driftShareMessage).max(1, driftShareMessage).default(0.5),
});

/** A monitor but its configuration (contract.ts monitorInput adds monitorConfig). */
export const monitorFields = z.object({
  name: z.string().trim().min(1, "give the monitor a name").max(200),
  description: z.string().max(2000, "a description is at most 2,000 characters").nullish(),
  /** crontab (5 fields, UTC), e.g. "0 * * * *"; null: on demand only */
  schedule: z.string().trim().max(200).nullish(),
  active: z.boolean().default(true),
  retentionDays: z.number().int().min(1).max(3650).default(90),
});
