import { randomBytes } from "node:crypto";
import { and, eq, gt, isNull } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { env } from "../../env";
import { DomainError, notFound } from "../core/errors";
import { keyset, type Page, type PageInput, toPage } from "../core/pagination";
import { recordAudit } from "./audit";
import { openSession, sha256 } from "./auth";
import type { Actor } from "./principal";
import { atLeast, type Role } from "./roles";
import { createUser, normalizeEmail } from "./users";

/**
 * Invitations by link: the only way into a project besides the CLI, and the only way to create an
 * account from the web. Inviting never looks at whether the address has an account, so the answer
 * (shape and work) is the same either way. The token is 256 random bits, shown once in the url; only
 * its sha256 is stored. It is accepted by a signed-in user with the invited email, or by someone
 * without an account, who sets a password for that email. The email binds the link to one person:
 * a forwarded or leaked link cannot make a different account a member.
 */

export type InvitationStatus = "pending" | "accepted" | "revoked" | "expired";
export interface InvitationView {
  id: string;
  email: string;
  role: Role;
  status: InvitationStatus;
  createdByEmail: string | null;
  expiresAt: Date;
  createdAt: Date;
}
export interface InvitationCreated {
  invitation: { id: string; url: string; expiresAt: Date };
}

const inv = schema.invitations;

const statusOf = (r: { acceptedAt: Date | null; revokedAt: Date | null; expiresAt: Date }): InvitationStatus =>
  r.acceptedAt ? "accepted" : r.revokedAt ? "revoked" : r.expiresAt.getTime() <= Date.now() ? "expired" : "pending";

/** Where the link points: KEEL_PUBLIC_URL, else the origin the request came to. */
const linkFor = (origin: string | undefined, token: string) =>
  `${(env.KEEL_PUBLIC_URL ? new URL(env.KEEL_PUBLIC_URL).origin : (origin ?? "")).replace(/\/$/, "")}/invite/${token}`;

export async function createInvitation(
  db: DbOrTx,
  actor: Actor,
  ctx: { projectId: string; role: Role; origin?: string },
  input: { email: string; role: Role },
): Promise<InvitationCreated> {
  if (!atLeast(ctx.role, input.role)) throw new DomainError("FORBIDDEN", `A ${ctx.role} cannot grant the ${input.role} role`, "role");
  const email = normalizeEmail(input.email);
  const token = randomBytes(32).toString("base64url");
  const expiresAt = new Date(Date.now() + env.KEEL_INVITATION_TTL_HOURS * 3600 * 1000);
  const row = await db.transaction(async (tx) => {
    // Members are listed to anyone who may invite, so saying "already a member" reveals nothing new.
    const [member] = await tx
      .select({ id: schema.memberships.id })
      .from(schema.memberships)
      .innerJoin(schema.users, eq(schema.users.id, schema.memberships.userId))
      .where(and(eq(schema.memberships.projectId, ctx.projectId), eq(schema.users.email, email)));
    if (member) throw new DomainError("CONFLICT", `${email} is already a member`, "email");
    // A new link for the same address replaces the pending one: one live link per person.
    await tx
      .update(inv)
      .set({ revokedAt: new Date() })
      .where(and(eq(inv.projectId, ctx.projectId), eq(inv.email, email), isNull(inv.acceptedAt), isNull(inv.revokedAt)));
    const [created] = await tx
      .insert(inv)
      .values({ projectId: ctx.projectId, email, role: input.role, tokenHash: sha256(token), createdBy: actor.userId, expiresAt })
      .returning({ id: inv.id, expiresAt: inv.expiresAt });
    if (!created) throw new Error("insert returned nothing");
    await recordAudit(tx, actor, {
      projectId: ctx.projectId,
      action: "workspace.invitation.create",
      targetType: "invitation",
      targetId: created.id,
      after: { email, role: input.role, expiresAt },
    });
    return created;
  });
  return { invitation: { id: row.id, url: linkFor(ctx.origin, token), expiresAt: row.expiresAt } };
}

export async function listInvitations(
  db: DbOrTx,
  projectId: string,
  page: PageInput & { pendingOnly?: boolean },
): Promise<Page<InvitationView>> {
  const k = keyset(inv.createdAt, inv.id, page.cursor);
  const pending = page.pendingOnly ? and(isNull(inv.acceptedAt), isNull(inv.revokedAt), gt(inv.expiresAt, new Date())) : undefined;
  const rows = await db
    .select({
      id: inv.id,
      email: inv.email,
      role: inv.role,
      acceptedAt: inv.acceptedAt,
      revokedAt: inv.revokedAt,
      expiresAt: inv.expiresAt,
      createdByEmail: schema.users.email,
      createdAt: inv.createdAt,
    })
    .from(inv)
    .leftJoin(schema.users, eq(schema.users.id, inv.createdBy))
    .where(and(eq(inv.projectId, projectId), pending, k.where))
    .orderBy(...k.orderBy)
    .limit(page.limit + 1);
  const items = rows.map(({ acceptedAt, revokedAt, ...r }) => ({
    ...r,
    status: statusOf({ acceptedAt, revokedAt, expiresAt: r.expiresAt }),
  }));
  return toPage(items, page.limit);
}

export async function revokeInvitation(
  db: DbOrTx,
  actor: Actor,
  ctx: { projectId: string },
  invitationId: string,
): Promise<{ id: string; status: InvitationStatus }> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(inv)
      .where(and(eq(inv.id, invitationId), eq(inv.projectId, ctx.projectId)))
      .for("update");
    if (!row) throw notFound("invitation");
    if (row.acceptedAt) throw new DomainError("CONFLICT", "This invitation was already accepted; remove the member instead");
    if (row.revokedAt) return { id: row.id, status: "revoked" as const };
    await tx.update(inv).set({ revokedAt: new Date() }).where(eq(inv.id, row.id));
    await recordAudit(tx, actor, {
      projectId: ctx.projectId,
      action: "workspace.invitation.revoke",
      targetType: "invitation",
      targetId: row.id,
      before: { email: row.email, role: row.role },
    });
    return { id: row.id, status: "revoked" as const };
  });
}

/** The token's invitation, locked; refused clearly unless pending. */
async function usable(tx: DbOrTx, token: string) {
  const [row] = await tx
    .select()
    .from(inv)
    .where(eq(inv.tokenHash, sha256(token)))
    .for("update");
  if (!row) throw new DomainError("NOT_FOUND", "This invitation link is not valid; check that it was copied whole", "token");
  const status = statusOf(row);
  if (status === "accepted") throw new DomainError("CONFLICT", "This invitation was already used", "token");
  if (status === "revoked") throw new DomainError("CONFLICT", "This invitation was revoked; ask for a new one", "token");
  if (status === "expired") throw new DomainError("CONFLICT", "This invitation has expired; ask for a new one", "token");
  return row;
}

export interface InvitationInfo {
  projectName: string;
  email: string;
  role: Role;
  status: InvitationStatus;
  expiresAt: Date;
}

/** What the invitation page shows to whoever holds the link (the link is the secret). */
export async function lookupInvitation(db: DbOrTx, token: string): Promise<InvitationInfo> {
  const [row] = await db
    .select({
      email: inv.email,
      role: inv.role,
      acceptedAt: inv.acceptedAt,
      revokedAt: inv.revokedAt,
      expiresAt: inv.expiresAt,
      projectName: schema.projects.name,
    })
    .from(inv)
    .innerJoin(schema.projects, eq(schema.projects.id, inv.projectId))
    .where(eq(inv.tokenHash, sha256(token)));
  if (!row) throw new DomainError("NOT_FOUND", "This invitation link is not valid; check that it was copied whole", "token");
  return { projectName: row.projectName, email: row.email, role: row.role, status: statusOf(row), expiresAt: row.expiresAt };
}

export interface Accepted {
  projectId: string;
  slug: string;
  role: Role;
}

async function join(tx: DbOrTx, row: typeof inv.$inferSelect, userId: string): Promise<Accepted> {
  const actor = { userId, keyId: null };
  const [existing] = await tx
    .select({ role: schema.memberships.role })
    .from(schema.memberships)
    .where(and(eq(schema.memberships.projectId, row.projectId), eq(schema.memberships.userId, userId)));
  // Already a member (added another way meanwhile): the link is used up, the role is left as it is.
  const role = existing?.role ?? row.role;
  if (!existing) {
    const [m] = await tx
      .insert(schema.memberships)
      .values({ projectId: row.projectId, userId, role })
      .returning({ id: schema.memberships.id });
    await recordAudit(tx, actor, {
      projectId: row.projectId,
      action: "workspace.member.add",
      targetType: "membership",
      targetId: m?.id ?? null,
      after: { userId, role, invitationId: row.id },
    });
  }
  await tx.update(inv).set({ acceptedAt: new Date(), acceptedBy: userId }).where(eq(inv.id, row.id));
  await recordAudit(tx, actor, {
    projectId: row.projectId,
    action: "workspace.invitation.accept",
    targetType: "invitation",
    targetId: row.id,
  });
  const [p] = await tx.select({ slug: schema.projects.slug }).from(schema.projects).where(eq(schema.projects.id, row.projectId));
  return { projectId: row.projectId, slug: p?.slug ?? "", role };
}

/** A signed-in user accepts: their email must be the invited one. */
export async function acceptInvitation(db: DbOrTx, user: { userId: string; email: string }, token: string): Promise<Accepted> {
  return db.transaction(async (tx) => {
    const row = await usable(tx, token);
    if (normalizeEmail(user.email) !== row.email)
      throw new DomainError("FORBIDDEN", `This invitation is for ${row.email}; sign in with that address to accept it`, "token");
    return join(tx, row, user.userId);
  });
}

/**
 * Someone without an account accepts: an account for the invited email is created with their
 * password, they join, and a session opens. An address that has an account signs in instead.
 */
export async function signUpWithInvitation(
  db: DbOrTx,
  input: { token: string; password: string; name?: string },
): Promise<Accepted & { session: { token: string; expiresAt: Date }; user: { id: string; email: string; name: string | null } }> {
  return db.transaction(async (tx) => {
    const row = await usable(tx, input.token);
    const [taken] = await tx.select({ id: schema.users.id }).from(schema.users).where(eq(schema.users.email, row.email));
    if (taken) throw new DomainError("CONFLICT", `An account for ${row.email} exists; sign in to accept the invitation`, "email");
    const user = await createUser(
      tx,
      { userId: null, keyId: null },
      { email: row.email, password: input.password, name: input.name ?? null },
    );
    const accepted = await join(tx, row, user.id);
    const session = await openSession(tx, user.id);
    return { ...accepted, session, user: { id: user.id, email: user.email, name: user.name } };
  });
}
