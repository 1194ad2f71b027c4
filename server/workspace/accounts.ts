import { randomBytes } from "node:crypto";
import { and, eq, isNull, ne } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError, notFound } from "../core/errors";
import { keyset, type Page, type PageInput, toPage } from "../core/pagination";
import { recordAudit } from "./audit";
import { clearKeyCache, endSessions } from "./auth";
import { hashPassword, verifyPassword } from "./passwords";
import type { Actor } from "./principal";
import { normalizeEmail } from "./users";

/**
 * Account lifecycle: what an instance admin does to users (list, disable, enable, make admin, reset a
 * password) and what a user does to their own account (change password). Every change that takes
 * rights away ends the user's sessions and clears the in-process key cache after the commit, so it
 * holds from the next request on (other web processes: within KEEL_KEY_CACHE_SECONDS for keys).
 */

export interface AdminUserView {
  id: string;
  email: string;
  name: string | null;
  isAdmin: boolean;
  disabledAt: Date | null;
  disabledByEmail: string | null;
  createdAt: Date;
}

const u = schema.users;

export async function listUsers(db: DbOrTx, page: PageInput): Promise<Page<AdminUserView>> {
  const k = keyset(u.createdAt, u.id, page.cursor);
  const by = alias(u, "disabled_by_user");
  const rows = await db
    .select({
      id: u.id,
      email: u.email,
      name: u.name,
      isAdmin: u.isAdmin,
      disabledAt: u.disabledAt,
      disabledByEmail: by.email,
      createdAt: u.createdAt,
    })
    .from(u)
    .leftJoin(by, eq(by.id, u.disabledBy))
    .where(k.where)
    .orderBy(...k.orderBy)
    .limit(page.limit + 1);
  return toPage(rows, page.limit);
}

/** The user row, locked for the rest of the transaction; by id or email. */
async function lockUser(tx: DbOrTx, ref: { userId?: string; email?: string }) {
  const where = ref.userId ? eq(u.id, ref.userId) : eq(u.email, normalizeEmail(ref.email ?? ""));
  const [row] = await tx.select().from(u).where(where).for("update");
  if (!row)
    throw ref.userId ? notFound("user") : new DomainError("NOT_FOUND", `No user with email ${normalizeEmail(ref.email ?? "")}`, "email");
  return row;
}

/** An instance keeps at least one enabled admin: nobody can lock everyone out of the instance settings. */
async function assertOtherAdmin(tx: DbOrTx, userId: string) {
  const [other] = await tx
    .select({ id: u.id })
    .from(u)
    .where(and(eq(u.isAdmin, true), isNull(u.disabledAt), ne(u.id, userId)))
    .limit(1);
  if (!other) throw new DomainError("CONFLICT", "An instance keeps at least one instance admin");
}

export async function setAdmin(
  db: DbOrTx,
  actor: Actor,
  ref: { userId?: string; email?: string },
  isAdmin: boolean,
): Promise<{ id: string; email: string; isAdmin: boolean }> {
  return db.transaction(async (tx) => {
    const row = await lockUser(tx, ref);
    if (row.isAdmin === isAdmin) return { id: row.id, email: row.email, isAdmin };
    if (!isAdmin) await assertOtherAdmin(tx, row.id);
    await tx.update(u).set({ isAdmin }).where(eq(u.id, row.id));
    await recordAudit(tx, actor, {
      projectId: null,
      action: "workspace.user.admin",
      targetType: "user",
      targetId: row.id,
      before: { isAdmin: row.isAdmin },
      after: { isAdmin },
    });
    return { id: row.id, email: row.email, isAdmin };
  });
}

/** Disable a user: sign-in refused, sessions deleted, keys refused, all from the commit on. */
export async function disableUser(db: DbOrTx, actor: Actor, userId: string): Promise<{ id: string; disabledAt: Date }> {
  if (actor.userId === userId) throw new DomainError("CONFLICT", "You cannot disable your own account", "userId");
  const out = await db.transaction(async (tx) => {
    const row = await lockUser(tx, { userId });
    if (row.disabledAt) return { id: row.id, disabledAt: row.disabledAt };
    const disabledAt = new Date();
    await tx.update(u).set({ disabledAt, disabledBy: actor.userId }).where(eq(u.id, row.id));
    await endSessions(tx, row.id);
    await recordAudit(tx, actor, {
      projectId: null,
      action: "workspace.user.disable",
      targetType: "user",
      targetId: row.id,
      before: { disabledAt: null },
      after: { disabledAt, email: row.email },
    });
    return { id: row.id, disabledAt };
  });
  clearKeyCache();
  return out;
}

export async function enableUser(db: DbOrTx, actor: Actor, userId: string): Promise<{ id: string }> {
  return db.transaction(async (tx) => {
    const row = await lockUser(tx, { userId });
    if (!row.disabledAt) return { id: row.id };
    await tx.update(u).set({ disabledAt: null, disabledBy: null }).where(eq(u.id, row.id));
    await recordAudit(tx, actor, {
      projectId: null,
      action: "workspace.user.enable",
      targetType: "user",
      targetId: row.id,
      before: { disabledAt: row.disabledAt },
      after: { disabledAt: null },
    });
    return { id: row.id };
  });
}

/** A random password people can type: 18 base64url characters (108 bits). */
export const generatePassword = () => randomBytes(18).toString("base64url").slice(0, 18);

/**
 * Set a user's password (instance admin, or `keel users reset-password`): generated when not given
 * (returned once), every session ended.
 */
export async function resetPassword(
  db: DbOrTx,
  actor: Actor,
  input: { email: string; password?: string },
): Promise<{ id: string; email: string; password: string | null; sessionsEnded: number }> {
  const password = input.password ?? generatePassword();
  if (password.length < 8) throw new DomainError("BAD_REQUEST", "password: must be at least 8 characters", "password");
  const passwordHash = await hashPassword(password);
  return db.transaction(async (tx) => {
    const row = await lockUser(tx, { email: input.email });
    await tx.update(u).set({ passwordHash }).where(eq(u.id, row.id));
    const sessionsEnded = await endSessions(tx, row.id);
    await recordAudit(tx, actor, { projectId: null, action: "workspace.user.password.reset", targetType: "user", targetId: row.id });
    return { id: row.id, email: row.email, password: input.password ? null : password, sessionsEnded };
  });
}

/** A user changes their own password: the current one is needed; their other sessions end. */
export async function changePassword(
  db: DbOrTx,
  actor: Actor,
  input: { userId: string; sessionId: string; currentPassword: string; newPassword: string },
): Promise<{ sessionsEnded: number }> {
  const [row] = await db.select({ passwordHash: u.passwordHash }).from(u).where(eq(u.id, input.userId));
  if (!row || !(await verifyPassword(input.currentPassword, row.passwordHash)))
    throw new DomainError("BAD_REQUEST", "The current password is not right", "currentPassword");
  if (input.newPassword === input.currentPassword)
    throw new DomainError("BAD_REQUEST", "The new password must differ from the current one", "newPassword");
  const passwordHash = await hashPassword(input.newPassword);
  return db.transaction(async (tx) => {
    await tx.update(u).set({ passwordHash }).where(eq(u.id, input.userId));
    const sessionsEnded = await endSessions(tx, input.userId, input.sessionId);
    await recordAudit(tx, actor, { projectId: null, action: "workspace.user.password.change", targetType: "user", targetId: input.userId });
    return { sessionsEnded };
  });
}

/** Sign out everywhere: every session of the user, this one included. */
export async function signOutEverywhere(db: DbOrTx, userId: string): Promise<{ sessionsEnded: number }> {
  return { sessionsEnded: await endSessions(db, userId) };
}
