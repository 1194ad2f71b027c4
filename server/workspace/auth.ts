import { createHash, randomBytes } from "node:crypto";
import { and, eq, gt, isNull, lt, ne, or, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { env } from "../../env";
import { DomainError } from "../core/errors";
import { dummyHash, verifyPassword } from "./passwords";
import type { Principal } from "./principal";
import { lesserRole } from "./roles";
import { findUserByEmail } from "./users";

export const SESSION_COOKIE = "keel_session";
const FAILURE_WINDOW_MS = 15 * 60 * 1000;
/** last_used_at is written at most this often per key, so a busy key costs no write per request. */
const LAST_USED_EVERY_MS = 60 * 1000;

export const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

async function recentFailures(db: DbOrTx, key: string): Promise<number> {
  const since = new Date(Date.now() - FAILURE_WINDOW_MS);
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(schema.loginFailures)
    .where(and(eq(schema.loginFailures.key, key), gt(schema.loginFailures.createdAt, since)));
  return row?.n ?? 0;
}

export interface SignInResult {
  token: string;
  expiresAt: Date;
  user: { id: string; email: string; name: string | null };
}

/**
 * Failures are counted per (email, address) pair and per address, never per email alone: counting by
 * email let anyone lock a victim out by failing on purpose from anywhere. An attacker spread over many
 * addresses still pays a scrypt check per guess and each address is limited.
 */
const failureKeys = (email: string, ip: string) => [`pair:${email}|${ip}`, `ip:${ip}`];

/** Idle sessions end after KEEL_SESSION_IDLE_HOURS; last_seen_at is written at most this often per session. */
const LAST_SEEN_EVERY_MS = 60 * 1000;
const idleCutoff = () => new Date(Date.now() - env.KEEL_SESSION_IDLE_HOURS * 3600 * 1000);

/**
 * Check a password and open a session. Unknown email, wrong password and a disabled account give the
 * same error after the same work (a scrypt check either way), so sign-in never tells which emails exist.
 */
export async function signIn(db: DbOrTx, input: { email: string; password: string; ip: string }): Promise<SignInResult> {
  const email = input.email.trim().toLowerCase();
  const keys = failureKeys(email, input.ip);
  for (const k of keys) {
    if ((await recentFailures(db, k)) >= env.KEEL_LOGIN_MAX_FAILURES) {
      throw new DomainError("TOO_MANY_REQUESTS", "Too many failed sign-in attempts; try again in 15 minutes");
    }
  }
  const user = await findUserByEmail(db, email);
  const ok = await verifyPassword(input.password, user?.passwordHash ?? (await dummyHash()));
  if (!user || !ok || user.disabledAt) {
    await db.insert(schema.loginFailures).values(keys.map((key) => ({ key })));
    throw new DomainError("UNAUTHORIZED", "Invalid email or password");
  }
  const opened = await openSession(db, user.id);
  return { ...opened, user: { id: user.id, email: user.email, name: user.name } };
}

/** A new session for a user whose credentials were just checked (sign-in, sign-up through an invitation). */
export async function openSession(db: DbOrTx, userId: string): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString("base64url");
  const expiresAt = new Date(Date.now() + env.KEEL_SESSION_TTL_HOURS * 3600 * 1000);
  await db.insert(schema.sessions).values({ id: sha256(token), userId, expiresAt, lastSeenAt: new Date() });
  return { token, expiresAt };
}

export async function signOut(db: DbOrTx, token: string): Promise<void> {
  await db.delete(schema.sessions).where(eq(schema.sessions.id, sha256(token)));
}

/** End every session of a user (sign out everywhere, disable, password change or reset), but `keepSessionId`. */
export async function endSessions(db: DbOrTx, userId: string, keepSessionId?: string): Promise<number> {
  const s = schema.sessions;
  const gone = await db
    .delete(s)
    .where(and(eq(s.userId, userId), keepSessionId ? ne(s.id, keepSessionId) : undefined))
    .returning({ id: s.id });
  return gone.length;
}

/**
 * The user behind a session cookie, or null (401): unknown, past its absolute lifetime, idle longer
 * than KEEL_SESSION_IDLE_HOURS, or its user disabled. A live session's last_seen_at is moved at most
 * once a minute, so a busy session costs no write per request.
 */
export async function principalFromSession(db: DbOrTx, token: string): Promise<Principal | null> {
  const id = sha256(token);
  const s = schema.sessions;
  const [row] = await db
    .select({
      userId: schema.users.id,
      email: schema.users.email,
      name: schema.users.name,
      isAdmin: schema.users.isAdmin,
      lastSeenAt: s.lastSeenAt,
    })
    .from(s)
    .innerJoin(schema.users, eq(schema.users.id, s.userId))
    .where(and(eq(s.id, id), gt(s.expiresAt, new Date()), gt(s.lastSeenAt, idleCutoff()), isNull(schema.users.disabledAt)));
  if (!row) return null;
  if (Date.now() - row.lastSeenAt.getTime() > LAST_SEEN_EVERY_MS) await db.update(s).set({ lastSeenAt: new Date() }).where(eq(s.id, id));
  return { kind: "user", userId: row.userId, email: row.email, name: row.name, sessionId: id, isAdmin: row.isAdmin };
}

/**
 * Resolve `sk_...` or `pk_...`. A revoked or unknown key is null (401). A secret key's role is
 * capped by its creator's current role in the project: a creator who left takes the key's rights too.
 */
/** Resolved keys (by hash), for KEEL_KEY_CACHE_SECONDS; only keys that exist, so junk keys can't fill it. */
const keyCache = new Map<string, { principal: Principal; until: number }>();
const KEY_CACHE_MAX = 10_000;
/**
 * Bumped by every clear: a lookup that began before a clear (it may have read the state the clear is
 * about, e.g. a user not yet disabled) does not cache its answer, so nothing stale outlives the clear.
 */
let generation = 0;

/** Forget every cached key: called by writes that change what a key may do (revoke, member role, disable). */
export function clearKeyCache(): void {
  generation++;
  keyCache.clear();
}

export async function principalFromApiKey(db: DbOrTx, key: string): Promise<Principal | null> {
  if (!/^(sk|pk)_[A-Za-z0-9_-]{20,100}$/.test(key)) return null;
  const hash = sha256(key);
  const hit = keyCache.get(hash);
  if (hit && hit.until > Date.now()) {
    const p = hit.principal;
    // an expiry passes while the key is cached too
    return p.kind === "secretKey" && p.expiresAt !== null && p.expiresAt <= Date.now() ? null : p;
  }
  const startedAt = generation;
  const principal = await lookupApiKey(db, hash);
  if (principal && env.KEEL_KEY_CACHE_SECONDS > 0 && startedAt === generation) {
    if (keyCache.size >= KEY_CACHE_MAX) keyCache.clear();
    keyCache.set(hash, { principal, until: Date.now() + env.KEEL_KEY_CACHE_SECONDS * 1000 });
  }
  return principal;
}

async function lookupApiKey(db: DbOrTx, hash: string): Promise<Principal | null> {
  const k = schema.apiKeys;
  const [row] = await db
    .select({
      id: k.id,
      projectId: k.projectId,
      kind: k.kind,
      role: k.role,
      origins: k.origins,
      createdBy: k.createdBy,
      lastUsedAt: k.lastUsedAt,
      rpm: k.rpm,
      tpm: k.tpm,
      budgetUsd: k.budgetUsd,
      budgetPeriod: k.budgetPeriod,
      budgetMode: k.budgetMode,
      allowedModels: k.allowedModels,
      expiresAt: k.expiresAt,
      memberRole: schema.memberships.role,
      creatorDisabledAt: schema.users.disabledAt,
    })
    .from(k)
    .leftJoin(schema.memberships, and(eq(schema.memberships.projectId, k.projectId), eq(schema.memberships.userId, k.createdBy)))
    .leftJoin(schema.users, eq(schema.users.id, k.createdBy))
    .where(and(eq(k.hash, hash), isNull(k.revokedAt)));
  // A disabled user's keys stop with their sessions, public (widget) keys included.
  if (!row || row.creatorDisabledAt) return null;
  if (row.expiresAt && row.expiresAt.getTime() <= Date.now()) return null;
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > LAST_USED_EVERY_MS) {
    await db.update(k).set({ lastUsedAt: new Date() }).where(eq(k.id, row.id));
  }
  if (row.kind === "public") return { kind: "publicKey", keyId: row.id, projectId: row.projectId, origins: row.origins };
  if (!row.memberRole) return null;
  const { rpm, tpm, budgetUsd, budgetPeriod, budgetMode, allowedModels } = row;
  const limited = rpm !== null || tpm !== null || budgetUsd !== null || allowedModels !== null;
  return {
    kind: "secretKey",
    keyId: row.id,
    projectId: row.projectId,
    role: lesserRole(row.role, row.memberRole),
    userId: row.createdBy,
    limits: limited ? { rpm, tpm, budgetUsd, budgetPeriod, budgetMode, allowedModels } : null,
    expiresAt: row.expiresAt?.getTime() ?? null,
  };
}

/** Delete expired and idle sessions and old login failures; run hourly by the worker. */
export async function purgeExpired(db: DbOrTx): Promise<{ sessions: number; failures: number }> {
  const s = await db
    .delete(schema.sessions)
    .where(or(lt(schema.sessions.expiresAt, new Date()), lt(schema.sessions.lastSeenAt, idleCutoff())))
    .returning({ id: schema.sessions.id });
  const f = await db
    .delete(schema.loginFailures)
    .where(or(lt(schema.loginFailures.createdAt, new Date(Date.now() - FAILURE_WINDOW_MS))))
    .returning({ id: schema.loginFailures.id });
  return { sessions: s.length, failures: f.length };
}
