import type { Database } from "../db/client";
import { DomainError } from "../server/core/errors";
import { createKeyInput } from "../server/workspace";

/**
 * `keel keys create`: a key of a project on this machine's database, acting with a member's rights
 * (--as EMAIL, else the project's first owner). Secret keys take gateway limits (issue 20): --rpm,
 * --tpm, --budget USD [--budget-period day|month] [--budget-mode hard|soft], --models a,b, --expires
 * DATE; they are checked by the same schema as the API's, and a bad one names its flag.
 */
export interface KeysOptions {
  project?: string;
  name?: string;
  as?: string;
  public?: boolean;
  origin?: string[];
  rpm?: string;
  tpm?: string;
  budget?: string;
  "budget-period"?: string;
  "budget-mode"?: string;
  models?: string;
  expires?: string;
}
type Say = (human: string, data: unknown) => void;

const FLAG: Record<string, string> = {
  rpm: "--rpm",
  tpm: "--tpm",
  budgetUsd: "--budget",
  budgetPeriod: "--budget-period",
  budgetMode: "--budget-mode",
  allowedModels: "--models",
  expiresAt: "--expires",
  name: "--name",
  origins: "--origin",
};

/** A number flag as given (`--rpm abc` stays a string, so the schema names it), or absent. */
const num = (v: string | undefined) => (v === undefined ? undefined : v.trim() !== "" && Number.isFinite(Number(v)) ? Number(v) : v);

/** The flags as the API's create input, or a refusal naming the first bad flag. */
export function keyInputOf(opts: KeysOptions) {
  const parsed = createKeyInput.safeParse({
    name: opts.name ?? (opts.public ? "public key" : "cli key"),
    kind: opts.public ? "public" : "secret",
    origins: opts.origin,
    rpm: num(opts.rpm),
    tpm: num(opts.tpm),
    budgetUsd: num(opts.budget),
    budgetPeriod: opts["budget-period"],
    budgetMode: opts["budget-mode"],
    allowedModels: opts.models?.split(",").map((m) => m.trim()),
    expiresAt: opts.expires,
  });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = String(issue?.path[0] ?? "");
  throw new DomainError("BAD_REQUEST", `${FLAG[field] ?? field}: ${issue?.message}`, field);
}

export async function keysCreate(d: Database, opts: KeysOptions, say: Say) {
  const [{ and, asc, eq }, { schema }, { createKey, findProjectBySlug, findUserByEmail }] = await Promise.all([
    import("drizzle-orm"),
    import("../db/client"),
    import("../server/workspace"),
  ]);
  if (!opts.project) throw new DomainError("BAD_REQUEST", "missing --project SLUG", "project");
  const input = keyInputOf(opts);
  const slug = opts.project;
  const project = await findProjectBySlug(d.db, slug);
  if (!project) throw new DomainError("NOT_FOUND", `No project with slug ${slug}`, "project");
  const m = schema.memberships;
  const asUser = opts.as ? await findUserByEmail(d.db, opts.as) : null;
  if (opts.as && !asUser) throw new DomainError("NOT_FOUND", `No user with email ${opts.as}`, "as");
  const [member] = await d.db
    .select({ userId: m.userId, role: m.role })
    .from(m)
    .where(and(eq(m.projectId, project.id), asUser ? eq(m.userId, asUser.id) : eq(m.role, "owner")))
    .orderBy(asc(m.createdAt))
    .limit(1);
  if (!member) throw new DomainError("NOT_FOUND", opts.as ? `${opts.as} is not a member of ${slug}` : `${slug} has no owner`, "as");
  const res = await createKey(d.db, { userId: member.userId, keyId: null }, { projectId: project.id, role: member.role }, input);
  const v = res.view;
  const limits = [
    v.rpm !== null ? `${v.rpm} requests/min` : null,
    v.tpm !== null ? `${v.tpm} tokens/min` : null,
    v.budgetUsd !== null ? `$${v.budgetUsd} per ${v.budgetPeriod} (${v.budgetMode})` : null,
    v.allowedModels ? `models ${v.allowedModels.join(", ")}` : null,
    v.expiresAt ? `expires ${v.expiresAt.toISOString()}` : null,
  ].filter(Boolean);
  say(`${res.key}\n(shown once: store it now)${limits.length ? `\nlimits: ${limits.join("; ")}` : ""}`, {
    key: res.key,
    id: v.id,
    kind: v.kind,
    role: v.role,
    origins: v.origins,
    rpm: v.rpm,
    tpm: v.tpm,
    budgetUsd: v.budgetUsd,
    budgetPeriod: v.budgetPeriod,
    budgetMode: v.budgetMode,
    allowedModels: v.allowedModels,
    expiresAt: v.expiresAt,
  });
}
