import { and, eq, ne, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError, isUniqueViolation, notFound } from "../core/errors";
import { keyset, type Page, type PageInput, toPage } from "../core/pagination";
import { recordAudit } from "./audit";
import { clearKeyCache } from "./auth";
import type { Actor } from "./principal";
import { atLeast, type Role } from "./roles";
import { findUserByEmail } from "./users";

export interface MemberView {
  id: string;
  userId: string;
  email: string;
  name: string | null;
  role: Role;
  createdAt: Date;
}

const m = schema.memberships;
const cols = { id: m.id, userId: m.userId, email: schema.users.email, name: schema.users.name, role: m.role, createdAt: m.createdAt };

export async function listMembers(db: DbOrTx, projectId: string, page: PageInput): Promise<Page<MemberView>> {
  const k = keyset(m.createdAt, m.id, page.cursor);
  const rows = await db
    .select(cols)
    .from(m)
    .innerJoin(schema.users, eq(schema.users.id, m.userId))
    .where(and(eq(m.projectId, projectId), k.where))
    .orderBy(...k.orderBy)
    .limit(page.limit + 1);
  return toPage(rows, page.limit);
}

/** Nobody grants more than they hold; only an owner makes owners. */
function checkGrant(actorRole: Role, role: Role) {
  if (!atLeast(actorRole, role)) throw new DomainError("FORBIDDEN", `A ${actorRole} cannot grant the ${role} role`, "role");
}

async function getMember(db: DbOrTx, projectId: string, memberId: string) {
  const [row] = await db
    .select()
    .from(m)
    .where(and(eq(m.id, memberId), eq(m.projectId, projectId)))
    .for("update");
  if (!row) throw notFound("member");
  return row;
}

async function assertOtherOwner(db: DbOrTx, projectId: string, memberId: string) {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(m)
    .where(and(eq(m.projectId, projectId), eq(m.role, "owner"), ne(m.id, memberId)));
  if (!row?.n) throw new DomainError("CONFLICT", "A project keeps at least one owner");
}

export async function addMember(
  db: DbOrTx,
  actor: Actor,
  ctx: { projectId: string; role: Role },
  input: { email: string; role: Role },
): Promise<MemberView> {
  checkGrant(ctx.role, input.role);
  const user = await findUserByEmail(db, input.email);
  // Only members who may manage members get here, so saying the email is unknown leaks nothing to outsiders.
  if (!user) throw new DomainError("NOT_FOUND", `No user with email ${input.email.trim().toLowerCase()}; create the user first`, "email");
  try {
    return await db.transaction(async (tx) => {
      const [row] = await tx.insert(m).values({ projectId: ctx.projectId, userId: user.id, role: input.role }).returning();
      if (!row) throw new Error("insert returned nothing");
      await recordAudit(tx, actor, {
        projectId: ctx.projectId,
        action: "workspace.member.add",
        targetType: "membership",
        targetId: row.id,
        after: { userId: user.id, role: input.role },
      });
      return { id: row.id, userId: user.id, email: user.email, name: user.name, role: row.role, createdAt: row.createdAt };
    });
  } catch (err) {
    if (isUniqueViolation(err, "memberships_project_user_key"))
      throw new DomainError("CONFLICT", `${user.email} is already a member`, "email");
    throw err;
  }
}

export async function updateMemberRole(
  db: DbOrTx,
  actor: Actor,
  ctx: { projectId: string; role: Role },
  input: { memberId: string; role: Role },
): Promise<{ id: string; role: Role }> {
  // cached keys are cleared after the commit, so no request can re-cache the old state
  const out = await db.transaction(async (tx) => {
    const before = await getMember(tx, ctx.projectId, input.memberId);
    checkGrant(ctx.role, input.role);
    checkGrant(ctx.role, before.role);
    if (before.role === "owner" && input.role !== "owner") await assertOtherOwner(tx, ctx.projectId, before.id);
    await tx.update(m).set({ role: input.role }).where(eq(m.id, before.id));
    await recordAudit(tx, actor, {
      projectId: ctx.projectId,
      action: "workspace.member.role",
      targetType: "membership",
      targetId: before.id,
      before: { role: before.role },
      after: { role: input.role },
    });
    return { id: before.id, role: input.role };
  });
  clearKeyCache();
  return out;
}

export async function removeMember(
  db: DbOrTx,
  actor: Actor,
  ctx: { projectId: string; role: Role },
  memberId: string,
): Promise<{ id: string }> {
  // cached keys are cleared after the commit, so no request can re-cache the old state
  const out = await db.transaction(async (tx) => {
    const before = await getMember(tx, ctx.projectId, memberId);
    checkGrant(ctx.role, before.role);
    if (before.role === "owner") await assertOtherOwner(tx, ctx.projectId, before.id);
    await tx.delete(m).where(eq(m.id, before.id));
    await recordAudit(tx, actor, {
      projectId: ctx.projectId,
      action: "workspace.member.remove",
      targetType: "membership",
      targetId: before.id,
      before: { userId: before.userId, role: before.role },
    });
    return { id: before.id };
  });
  clearKeyCache();
  return out;
}
