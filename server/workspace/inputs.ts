import { z } from "zod";
import type { ROLES as STORED_ROLES } from "../../db/schema";

/*
 * Workspace inputs as plain zod, importing nothing but zod: the console's forms validate with these
 * same schemas (scripts/check-boundaries.ts lets app/ import `server/<slug>/inputs.ts` files only).
 */

/**
 * A secret key's gateway limits (issue 20; LiteLLM's virtual keys): requests and tokens per minute, a
 * USD budget per UTC day or month (a `hard` one refuses calls once spent, a `soft` one flags them),
 * the deployments and `router:<name>`s it may call, an expiry. Absent: unchanged (new key: none);
 * null: removed.
 */
export const keyLimitFields = {
  rpm: z.int().min(1, { message: "must be at least 1" }).max(10_000_000).nullable().optional(),
  tpm: z.int().min(1, { message: "must be at least 1" }).max(1_000_000_000).nullable().optional(),
  budgetUsd: z.number().positive({ message: "must be more than 0" }).max(1_000_000_000).nullable().optional(),
  budgetPeriod: z.enum(["day", "month"]).optional(),
  budgetMode: z.enum(["hard", "soft"]).optional(),
  allowedModels: z
    .array(
      z
        .string()
        .trim()
        .min(1, { message: "is empty" })
        .max(200)
        .regex(/^[^\s]+$/, { message: "must be a deployment name or router:<name>, without spaces" }),
    )
    .min(1, { message: "lists no deployment (leave it out to allow every one)" })
    .max(200)
    .nullable()
    .optional(),
  expiresAt: z.coerce.date({ message: "must be a date" }).nullable().optional(),
};

const budgetWhole = (v: { budgetUsd?: number | null; budgetPeriod?: string; budgetMode?: string }, ctx: z.RefinementCtx) => {
  for (const f of ["budgetPeriod", "budgetMode"] as const)
    if (v[f] !== undefined && (v.budgetUsd === null || v.budgetUsd === undefined))
      ctx.addIssue({ code: "custom", path: [f], message: "needs budgetUsd" });
};

export const createKeyInput = z
  .object({
    name: z.string().trim().min(1, { message: "is required" }).max(100),
    kind: z.enum(["secret", "public"]).default("secret"),
    origins: z.array(z.string().max(300)).max(50).optional(),
    ...keyLimitFields,
  })
  .superRefine(budgetWhole);

export const updateKeyLimitsInput = z.object({ keyId: z.uuid(), ...keyLimitFields }).superRefine(budgetWhole);

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
