import { z } from "zod";
import type { SCORE_TYPES as STORED_SCORE_TYPES } from "../../db/schema";

/*
 * Logs inputs as plain zod, importing nothing but zod: the console's forms validate with these same
 * schemas (scripts/check-boundaries.ts lets app/ import `server/<slug>/inputs.ts` files only).
 */

export const queueInput = z.object({
  name: z.string().trim().min(1).max(100),
  description: z.string().max(1000).optional(),
  scoreConfigIds: z.array(z.uuid()).min(1).max(20),
  assigneeIds: z.array(z.uuid()).max(200).default([]),
  lockSeconds: z.number().int().min(30).max(86_400).default(600),
  requiredRatings: z.number().int().min(1).max(10).default(1),
});

/**
 * The kinds of score config, as db/schema/logs.ts stores them (db/ may not import server/, and this
 * file may not import db values): the two checks below fail the typecheck when the lists drift apart.
 */
export const SCORE_TYPES = ["numeric", "categorical", "boolean", "text"] as const satisfies readonly (typeof STORED_SCORE_TYPES)[number][];
const _everyStoredType: readonly (typeof SCORE_TYPES)[number][] = [] as unknown as typeof STORED_SCORE_TYPES;
void _everyStoredType;

export const scoreConfigInput = z
  .object({
    name: z.string().trim().min(1, "enter a config name").max(100),
    dataType: z.enum(SCORE_TYPES),
    min: z.number({ message: "enter a number" }).finite().optional(),
    max: z.number({ message: "enter a number" }).finite().optional(),
    categories: z
      .array(z.object({ label: z.string().min(1).max(100), value: z.number().finite() }))
      .min(2, "give at least two categories, e.g. good=1, bad=0")
      .max(50)
      .optional(),
    description: z.string().max(1000).optional(),
  })
  .superRefine((c, ctx) => {
    if (c.dataType === "categorical" && !c.categories)
      ctx.addIssue({ code: "custom", path: ["categories"], message: "a categorical config needs categories" });
    if (c.dataType !== "categorical" && c.categories)
      ctx.addIssue({ code: "custom", path: ["categories"], message: "only categorical configs take categories" });
    if (c.dataType !== "numeric" && (c.min !== undefined || c.max !== undefined))
      ctx.addIssue({ code: "custom", path: ["min"], message: "only numeric configs take min and max" });
    if (c.min !== undefined && c.max !== undefined && c.min >= c.max)
      ctx.addIssue({ code: "custom", path: ["max"], message: "max must be greater than min" });
  });

/** A project's price for a model: an exact model name, or a pattern written /regex/flags (checked by the service). */
export const priceInput = z.object({
  match: z.string().trim().min(1, "enter a model name or a /pattern/").max(200),
  inputPerMillion: z.number({ message: "enter a price ≥ 0" }).finite("enter a price ≥ 0").min(0, "enter a price ≥ 0"),
  outputPerMillion: z.number({ message: "enter a price ≥ 0" }).finite("enter a price ≥ 0").min(0, "enter a price ≥ 0"),
});

const instant = z.iso
  .datetime({ offset: true, message: "must be an ISO 8601 date-time with an offset (2026-01-01T00:00:00Z)" })
  .transform((s) => new Date(s));

/** Recompute costs over `[from, to)` of the observations' start time. */
export const recomputeInput = z
  .object({ from: instant, to: instant })
  .refine((r) => r.from < r.to, { path: ["to"], message: "must be after from" });

/** The built-in redaction rules (server/logs/redaction.ts implements them). */
export const REDACTION_BUILTINS = ["email", "phone", "credit_card", "api_key", "ip_address"] as const;
/** A custom redaction rule's name: it shows in the text as [REDACTED:name]. */
export const REDACTION_RULE_NAME = /^[a-z0-9_-]{1,40}$/;
export const MAX_CUSTOM_RULES = 50;

const retention = "retention is a whole number of days from 1 to 3650";

/**
 * A project's log settings. The shapes and names are checked here; redaction.ts's
 * validateRedactionConfig checks the rest (a pattern compiles, matches no empty string, is not
 * exponential; names are unique) and names the rule's field.
 */
export const logSettingsInput = z.object({
  retentionDays: z.number({ message: retention }).int(retention).min(1, retention).max(3650, retention).nullable(),
  redaction: z.object({
    builtins: z.array(z.enum(REDACTION_BUILTINS)).max(REDACTION_BUILTINS.length),
    custom: z
      .array(
        z.object({
          name: z.string().regex(REDACTION_RULE_NAME, 'a rule name is 1-40 characters of a-z, 0-9, "_" or "-"'),
          pattern: z.string().min(1, "enter a pattern"),
          flags: z
            .string()
            .regex(/^[imsu]*$/, "flags are any of i, m, s, u")
            .optional(),
        }),
      )
      .max(MAX_CUSTOM_RULES),
  }),
});
