import { randomBytes } from "node:crypto";
import { and, eq, inArray, isNull, or } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError, notFound } from "../core/errors";
import { keyset, type Page, type PageInput, toPage } from "../core/pagination";
import { type Actor, recordAudit, sha256 } from "../workspace";
import { POOL_NAME_RE, POOL_NAME_RULE } from "./inputs";

/**
 * Remote workers' credentials: `wk_...` tokens made by instance admins, stored as their sha256 (as
 * API keys are), each scoped to a pool of projects (or all). Tokens are instance objects, not project
 * data: their audit entries carry no project.
 */

const pools = schema.workerPools;
const t = schema.workerTokens;
const TOKEN = /^wk_[A-Za-z0-9_-]{20,100}$/;
/** last_used_at is written at most this often per token, so a polling worker costs no write per request. */
const LAST_USED_EVERY_MS = 60_000;

export interface PoolView {
  id: string;
  name: string;
  /** project slugs; null: every project */
  projects: string[] | null;
  createdAt: Date;
}

export interface WorkerTokenView {
  id: string;
  name: string;
  prefix: string;
  pool: string | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}

/** What an accepted `wk_` token may do: the projects its workers are offered jobs of (null: all). */
export interface WorkerPrincipal {
  kind: "workerToken";
  tokenId: string;
  name: string;
  projectIds: string[] | null;
}

async function slugsOf(db: DbOrTx, ids: string[] | null): Promise<string[] | null> {
  if (ids === null) return null;
  if (ids.length === 0) return [];
  const rows = await db
    .select({ id: schema.projects.id, slug: schema.projects.slug })
    .from(schema.projects)
    .where(inArray(schema.projects.id, ids));
  return rows.map((r) => r.slug).sort();
}

/** A pool of projects (slugs or ids, each must exist); `projects` empty or omitted: every project. */
export async function createPool(db: DbOrTx, actor: Actor, input: { name: string; projects?: string[] }): Promise<PoolView> {
  const name = input.name.trim();
  if (!POOL_NAME_RE.test(name)) throw new DomainError("BAD_REQUEST", POOL_NAME_RULE, "name");
  const refs = [...new Set((input.projects ?? []).map((s) => s.trim()).filter(Boolean))];
  let projectIds: string[] | null = null;
  if (refs.length) {
    const uuids = refs.filter((r) => /^[0-9a-f-]{36}$/i.test(r));
    const found = await db
      .select({ id: schema.projects.id, slug: schema.projects.slug })
      .from(schema.projects)
      .where(or(inArray(schema.projects.slug, refs), uuids.length ? inArray(schema.projects.id, uuids) : undefined));
    const missing = refs.filter((r) => !found.some((f) => f.slug === r || f.id === r));
    if (missing.length) throw new DomainError("BAD_REQUEST", `no project ${missing.join(", ")}`, "projects");
    projectIds = [...new Set(found.map((f) => f.id))];
  }
  return db.transaction(async (tx) => {
    const [clash] = await tx.select({ id: pools.id }).from(pools).where(eq(pools.name, name));
    if (clash) throw new DomainError("CONFLICT", `a worker pool named ${name} exists`, "name");
    const [row] = await tx.insert(pools).values({ name, projectIds, createdBy: actor.userId }).returning();
    if (!row) throw new Error("pool insert returned nothing");
    await recordAudit(tx, actor, {
      projectId: null,
      action: "tuning.pool.create",
      targetType: "worker_pool",
      targetId: row.id,
      after: { name, projectIds },
    });
    return { id: row.id, name: row.name, projects: await slugsOf(tx, projectIds), createdAt: row.createdAt };
  });
}

export async function listPools(db: DbOrTx): Promise<PoolView[]> {
  const rows = await db.select().from(pools).orderBy(pools.name);
  return Promise.all(
    rows.map(async (r) => ({ id: r.id, name: r.name, projects: await slugsOf(db, r.projectIds), createdAt: r.createdAt })),
  );
}

const cols = {
  id: t.id,
  name: t.name,
  prefix: t.prefix,
  pool: pools.name,
  lastUsedAt: t.lastUsedAt,
  revokedAt: t.revokedAt,
  createdAt: t.createdAt,
};

/** A new token, shown once; `pool` names a pool (omitted: every project). */
export async function createWorkerToken(
  db: DbOrTx,
  actor: Actor,
  input: { name?: string; pool?: string | null },
): Promise<{ token: string; view: WorkerTokenView }> {
  let poolId: string | null = null;
  if (input.pool) {
    const [p] = await db.select({ id: pools.id }).from(pools).where(eq(pools.name, input.pool));
    if (!p) throw new DomainError("BAD_REQUEST", `no worker pool named ${input.pool}`, "pool");
    poolId = p.id;
  }
  const token = `wk_${randomBytes(32).toString("base64url")}`;
  const name = (input.name ?? "").trim() || `worker token ${token.slice(3, 9)}`;
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(t)
      .values({ name, prefix: token.slice(0, 9), hash: sha256(token), poolId, createdBy: actor.userId })
      .returning({ id: t.id });
    if (!row) throw new Error("token insert returned nothing");
    await recordAudit(tx, actor, {
      projectId: null,
      action: "tuning.worker_token.create",
      targetType: "worker_token",
      targetId: row.id,
      after: { name, pool: input.pool ?? null },
    });
    return { token, view: await tokenView(tx, row.id) };
  });
}

async function tokenView(db: DbOrTx, id: string): Promise<WorkerTokenView> {
  const [row] = await db.select(cols).from(t).leftJoin(pools, eq(pools.id, t.poolId)).where(eq(t.id, id));
  if (!row) throw notFound("worker token");
  return row;
}

export async function listWorkerTokens(db: DbOrTx, page: PageInput & { includeRevoked?: boolean }): Promise<Page<WorkerTokenView>> {
  const ks = keyset(t.createdAt, t.id, page.cursor);
  const rows = await db
    .select(cols)
    .from(t)
    .leftJoin(pools, eq(pools.id, t.poolId))
    .where(and(page.includeRevoked ? undefined : isNull(t.revokedAt), ks.where))
    .orderBy(...ks.orderBy)
    .limit(page.limit + 1);
  return toPage(rows, page.limit);
}

/** Revoke a token (by id or its prefix); its workers' next request is a 401. Revoking twice is a no-op. */
export async function revokeWorkerToken(db: DbOrTx, actor: Actor, ref: string): Promise<WorkerTokenView> {
  return db.transaction(async (tx) => {
    const byId = /^[0-9a-f-]{36}$/i.test(ref);
    const [row] = await tx
      .select({ id: t.id, revokedAt: t.revokedAt })
      .from(t)
      .where(byId ? eq(t.id, ref) : eq(t.prefix, ref))
      .for("update");
    if (!row) throw notFound(`worker token ${ref}`);
    if (!row.revokedAt) {
      await tx.update(t).set({ revokedAt: new Date() }).where(eq(t.id, row.id));
      await recordAudit(tx, actor, { projectId: null, action: "tuning.worker_token.revoke", targetType: "worker_token", targetId: row.id });
    }
    return tokenView(tx, row.id);
  });
}

/** The token's principal, or null (unknown, malformed or revoked: a 401). Read on every request, so a revoke takes effect at once. */
export async function workerFromToken(db: DbOrTx, token: string | null): Promise<WorkerPrincipal | null> {
  if (!token || !TOKEN.test(token)) return null;
  const [row] = await db
    .select({ id: t.id, name: t.name, lastUsedAt: t.lastUsedAt, poolId: t.poolId, projectIds: pools.projectIds })
    .from(t)
    .leftJoin(pools, eq(pools.id, t.poolId))
    .where(and(eq(t.hash, sha256(token)), isNull(t.revokedAt)));
  if (!row) return null;
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > LAST_USED_EVERY_MS)
    await db.update(t).set({ lastUsedAt: new Date() }).where(eq(t.id, row.id));
  return { kind: "workerToken", tokenId: row.id, name: row.name, projectIds: row.poolId ? (row.projectIds ?? null) : null };
}
