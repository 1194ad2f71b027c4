import { z } from "zod";

/*
 * Workspace inputs as plain zod, importing nothing but zod: the console's forms validate with these
 * same schemas (scripts/check-boundaries.ts lets app/ import `server/<slug>/inputs.ts` files only).
 */

export const createKeyInput = z.object({
  name: z.string().trim().min(1, { message: "is required" }).max(100),
  kind: z.enum(["secret", "public"]).default("secret"),
  origins: z.array(z.string().max(300)).max(50).optional(),
});
