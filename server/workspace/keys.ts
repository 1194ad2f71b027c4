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
};

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
  input: { name: string; kind: "secret" | "public"; origins?: string[] },
): Promise<{ key: string; view: KeyView }> {
  const origins = (input.origins ?? []).map(normalizeOrigin);
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
      })
      .returning(cols);
    if (!view) throw new Error("insert returned nothing");
    await recordAudit(tx, actor, {
      projectId: ctx.projectId,
      action: "workspace.key.create",
      targetType: "api_key",
      targetId: view.id,
      after: { name: view.name, kind: view.kind, prefix: view.prefix, role: view.role },
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
