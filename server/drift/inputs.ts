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
