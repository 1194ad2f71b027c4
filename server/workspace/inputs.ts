import { z } from "zod";
import type { ROLES as STORED_ROLES } from "../../db/schema";

/*
 * Workspace inputs as plain zod, importing nothing but zod: the console's forms validate with these
 * same schemas (scripts/check-boundaries.ts lets app/ import `server/<slug>/inputs.ts` files only).
 */

export const createKeyInput = z.object({
  name: z.string().trim().min(1, { message: "is required" }).max(100),
  kind: z.enum(["secret", "public"]).default("secret"),
  origins: z.array(z.string().max(300)).max(50).optional(),
});

/**
 * The member roles, highest first, as db/schema/workspace.ts stores them (db/ may not import server/,
 * and this file may not import db values): the two checks below fail the typecheck when they drift apart.
 */
export const ROLES = ["owner", "admin", "engineer", "annotator", "viewer"] as const satisfies readonly (typeof STORED_ROLES)[number][];
const _everyStoredRole: readonly (typeof ROLES)[number][] = [] as unknown as typeof STORED_ROLES;
void _everyStoredRole;

export const email = z.email({ message: "must be an email address" }).max(254);
export const role = z.enum(ROLES);
export const addMemberInput = z.object({ email, role });
