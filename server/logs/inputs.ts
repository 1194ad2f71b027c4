import { z } from "zod";

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
