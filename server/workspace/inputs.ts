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

/** A new password: the rule the server applies wherever one is set (sign-up, change, admin reset). */
export const password = z.string().min(8, { message: "must be at least 8 characters" }).max(200);

/** No rule on the password beyond "given": an account made before a rule changed still signs in. */
export const signInInput = z.object({
  email: z.string().trim().min(1, { message: "is required" }).max(254),
  password: z.string().min(1, { message: "is required" }).max(200),
});

export const changePasswordInput = z.object({
  currentPassword: z.string().min(1, { message: "is required" }).max(200),
  newPassword: password,
});

/** An invitation link's secret part. */
export const invitationToken = z.string().min(20).max(100);
export const signUpInput = z.object({ token: invitationToken, password, name: z.string().trim().max(200).optional() });

/** A project's slug is its path in the console's URLs: the app's own top-level paths are taken. */
export const RESERVED_SLUGS: ReadonlySet<string> = new Set([
  "api",
  "sign-in",
  "sign-out",
  "sign-up",
  "projects",
  "settings",
  "admin",
  "invite",
  "account",
  "new",
  "_next",
  "static",
]);
export const SLUG_RE = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
export const SLUG_RULE = "must be 1-40 lower-case letters, digits and inner hyphens";
export const createProjectInput = z.object({
  name: z.string().trim().min(1, { message: "is required" }).max(100),
  /** omitted: derived from the name (the service checks that one against the same rules) */
  slug: z
    .string()
    .trim()
    .regex(SLUG_RE, { message: SLUG_RULE })
    .refine((s) => !RESERVED_SLUGS.has(s), { message: "is reserved (a page of the app has that path); choose another" })
    .optional(),
});

/** Instance settings (instance admins): each key with its own value schema. */
export const egressAllowList = z.array(z.string().trim().min(1).max(64)).max(256);
export const projectCreation = z.enum(["anyone", "admins"]);
export const instanceSettingInput = z.discriminatedUnion("key", [
  z.object({ key: z.literal("egress.allow"), value: egressAllowList }),
  z.object({ key: z.literal("projects.creation"), value: projectCreation }),
]);
