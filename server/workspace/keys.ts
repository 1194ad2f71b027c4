import { randomBytes } from "node:crypto";
import { and, eq, isNull } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError, notFound } from "../core/errors";
import { keyset, type Page, type PageInput, toPage } from "../core/pagination";
import { recordAudit } from "./audit";
import { clearKeyCache, sha256 } from "./auth";
import type { Actor } from "./principal";
import { atLeast, type Role } from "./roles";

export interface KeyView {
  id: string;
  name: string;
  kind: "secret" | "public";
  prefix: string;
  role: Role;
  origins: string[];
  createdBy: string | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
  rpm: number | null;
  tpm: number | null;
  budgetUsd: number | null;
  budgetPeriod: "day" | "month" | null;
  budgetMode: "hard" | "soft" | null;
  allowedModels: string[] | null;
  expiresAt: Date | null;
}

const k = schema.apiKeys;
const cols = {
  id: k.id,
  name: k.name,
  kind: k.kind,
  prefix: k.prefix,
  role: k.role,
  origins: k.origins,
  createdBy: k.createdBy,
  lastUsedAt: k.lastUsedAt,
  revokedAt: k.revokedAt,
  createdAt: k.createdAt,
  rpm: k.rpm,
  tpm: k.tpm,
  budgetUsd: k.budgetUsd,
  budgetPeriod: k.budgetPeriod,
  budgetMode: k.budgetMode,
  allowedModels: k.allowedModels,
  expiresAt: k.expiresAt,
};

/** The limit fields of a create or update (absent: unchanged; null: removed). */
export interface KeyLimitsInput {
  rpm?: number | null;
  tpm?: number | null;
  budgetUsd?: number | null;
  budgetPeriod?: "day" | "month";
  budgetMode?: "hard" | "soft";
  allowedModels?: string[] | null;
  expiresAt?: Date | null;
}

/**
 * The columns a limits input sets: a budget takes its period (default month) and mode (default hard)
 * with it, and removing it removes them; an expiry must be in the future.
 */
function limitColumns(input: KeyLimitsInput, current?: { budgetPeriod: string | null; budgetMode: string | null }) {
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now())
    throw new DomainError("BAD_REQUEST", `expiresAt ${input.expiresAt.toISOString()} is not in the future`, "expiresAt");
  const out: Partial<typeof k.$inferInsert> = {};
  if (input.rpm !== undefined) out.rpm = input.rpm;
  if (input.tpm !== undefined) out.tpm = input.tpm;
  if (input.allowedModels !== undefined) out.allowedModels = input.allowedModels ? [...new Set(input.allowedModels)] : null;
  if (input.expiresAt !== undefined) out.expiresAt = input.expiresAt;
  // a set or changed budget is announced again when crossed (key.budget_exceeded, server/routing/key-limits.ts)
  if (input.budgetUsd === null) Object.assign(out, { budgetUsd: null, budgetPeriod: null, budgetMode: null, budgetAlertedFor: null });
  else if (input.budgetUsd !== undefined)
    Object.assign(out, {
      budgetAlertedFor: null,
      budgetUsd: input.budgetUsd,
      budgetPeriod: input.budgetPeriod ?? current?.budgetPeriod ?? "month",
      budgetMode: input.budgetMode ?? current?.budgetMode ?? "hard",
    });
  return out;
}

const limitsOf = (v: KeyView) => ({
  rpm: v.rpm,
  tpm: v.tpm,
  budgetUsd: v.budgetUsd,
  budgetPeriod: v.budgetPeriod,
  budgetMode: v.budgetMode,
  allowedModels: v.allowedModels,
  expiresAt: v.expiresAt,
});

/** `scheme://host[:port]` exactly, as browsers send in the Origin header. */
export function normalizeOrigin(origin: string): string {
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    throw new DomainError("BAD_REQUEST", `origin ${JSON.stringify(origin)} is not a URL`, "origins");
  }
  if (u.protocol !== "http:" && u.protocol !== "https:")
    throw new DomainError("BAD_REQUEST", `origin ${origin} must be http or https`, "origins");
  return u.origin;
}

export async function createKey(
  db: DbOrTx,
  actor: Actor,
  ctx: { projectId: string; role: Role },
  input: { name: string; kind: "secret" | "public"; origins?: string[] } & KeyLimitsInput,
): Promise<{ key: string; view: KeyView }> {
  const origins = (input.origins ?? []).map(normalizeOrigin);
  const limits = limitColumns(input);
  if (input.kind === "public") {
    const field = (["rpm", "tpm", "budgetUsd", "allowedModels"] as const).find((f) => limits[f] !== undefined && limits[f] !== null);
    if (field)
      throw new DomainError("BAD_REQUEST", "Gateway limits apply to secret keys only (public keys cannot call the gateway)", field);
  }
  if (input.kind === "public" && origins.length === 0) {
    throw new DomainError("BAD_REQUEST", "A public key needs at least one allowed origin", "origins");
  }
  if (input.kind === "secret" && origins.length > 0) throw new DomainError("BAD_REQUEST", "Only public keys take origins", "origins");
  const key = `${input.kind === "secret" ? "sk" : "pk"}_${randomBytes(32).toString("base64url")}`;
  return db.transaction(async (tx) => {
    const [view] = await tx
      .insert(k)
      .values({
        projectId: ctx.projectId,
        name: input.name.trim(),
        kind: input.kind,
        prefix: key.slice(0, 8),
        hash: sha256(key),
        role: input.kind === "secret" ? ctx.role : "viewer",
        origins,
        createdBy: actor.userId,
        ...limits,
      })
      .returning(cols);
    if (!view) throw new Error("insert returned nothing");
    await recordAudit(tx, actor, {
      projectId: ctx.projectId,
      action: "workspace.key.create",
      targetType: "api_key",
      targetId: view.id,
      after: { name: view.name, kind: view.kind, prefix: view.prefix, role: view.role, ...limitsOf(view) },
    });
    return { key, view };
  });
}

export async function listKeys(db: DbOrTx, projectId: string, page: PageInput & { includeRevoked?: boolean }): Promise<Page<KeyView>> {
  const ks = keyset(k.createdAt, k.id, page.cursor);
  const rows = await db
    .select(cols)
    .from(k)
    .where(and(eq(k.projectId, projectId), page.includeRevoked ? undefined : isNull(k.revokedAt), ks.where))
    .orderBy(...ks.orderBy)
    .limit(page.limit + 1);
  return toPage(rows, page.limit);
}

/** Admins revoke any key of the project; others only keys they created. Revoking twice is a no-op. */
export async function revokeKey(db: DbOrTx, actor: Actor, ctx: { projectId: string; role: Role }, keyId: string): Promise<KeyView> {
  // cached keys are cleared after the commit, so no request can re-cache the old state
  const out = await db.transaction(async (tx) => {
    const [row] = await tx
      .select(cols)
      .from(k)
      .where(and(eq(k.id, keyId), eq(k.projectId, ctx.projectId)))
      .for("update");
    if (!row) throw notFound("API key");
    if (!atLeast(ctx.role, "admin") && row.createdBy !== actor.userId)
      throw new DomainError("FORBIDDEN", "Only admins revoke keys created by others");
    if (row.revokedAt) return row;
    const [view] = await tx.update(k).set({ revokedAt: new Date() }).where(eq(k.id, keyId)).returning(cols);
    await recordAudit(tx, actor, {
      projectId: ctx.projectId,
      action: "workspace.key.revoke",
      targetType: "api_key",
      targetId: keyId,
      before: { revokedAt: null },
      after: { revokedAt: view?.revokedAt },
    });
    return view ?? row;
  });
  clearKeyCache();
  return out;
}

/**
 * Change a secret key's gateway limits (LiteLLM's /key/update): admins change any key of the project,
 * others only keys they created. Other web processes apply it within KEEL_KEY_CACHE_SECONDS.
 */
export async function updateKeyLimits(
  db: DbOrTx,
  actor: Actor,
  ctx: { projectId: string; role: Role },
  input: { keyId: string } & KeyLimitsInput,
): Promise<KeyView> {
  const out = await db.transaction(async (tx) => {
    const [row] = await tx
      .select(cols)
      .from(k)
      .where(and(eq(k.id, input.keyId), eq(k.projectId, ctx.projectId)))
      .for("update");
    if (!row) throw notFound("API key");
    if (!atLeast(ctx.role, "admin") && row.createdBy !== actor.userId)
      throw new DomainError("FORBIDDEN", "Only admins change keys created by others");
    if (row.revokedAt) throw new DomainError("CONFLICT", "This key is revoked");
    if (row.kind !== "secret") throw new DomainError("BAD_REQUEST", "Gateway limits apply to secret keys only", "keyId");
    const set = limitColumns(input, row);
    if (!Object.keys(set).length) return row;
    const [view] = await tx.update(k).set(set).where(eq(k.id, row.id)).returning(cols);
    if (!view) throw new Error("update returned nothing");
    await recordAudit(tx, actor, {
      projectId: ctx.projectId,
      action: "workspace.key.update",
      targetType: "api_key",
      targetId: row.id,
      before: limitsOf(row),
      after: limitsOf(view),
    });
    return view;
  });
  clearKeyCache();
  return out;
}
