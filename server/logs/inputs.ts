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
