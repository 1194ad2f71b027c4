import { eq, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError, isUniqueViolation } from "../core/errors";
import { recordAudit } from "./audit";
import { hashPassword } from "./passwords";
import type { Actor } from "./principal";

export interface UserView {
  id: string;
  email: string;
  name: string | null;
  isAdmin: boolean;
  createdAt: Date;
}

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

/** Serializes "is there an admin yet?" so two first users cannot both become (or both miss being) admin. */
const FIRST_ADMIN_LOCK = sql`select pg_advisory_xact_lock(hashtext('keel.users.first-admin'))`;

/**
 * Create a user. The first user of a fresh instance (no admin yet) is an instance admin, so a new
 * instance always has someone who can manage it; `admin` makes any user one.
 */
export async function createUser(
  db: DbOrTx,
  actor: Actor,
  input: { email: string; password: string; name?: string | null; admin?: boolean },
): Promise<UserView> {
  const email = normalizeEmail(input.email);
  const passwordHash = await hashPassword(input.password);
  try {
    return await db.transaction(async (tx) => {
      await tx.execute(FIRST_ADMIN_LOCK);
      const [admin] = await tx.select({ id: schema.users.id }).from(schema.users).where(eq(schema.users.isAdmin, true)).limit(1);
      const isAdmin = Boolean(input.admin) || !admin;
      const [u] = await tx
        .insert(schema.users)
        .values({ email, passwordHash, name: input.name ?? null, isAdmin })
        .returning({
          id: schema.users.id,
          email: schema.users.email,
          name: schema.users.name,
          isAdmin: schema.users.isAdmin,
          createdAt: schema.users.createdAt,
        });
      if (!u) throw new Error("insert returned nothing");
      await recordAudit(tx, actor, {
        projectId: null,
        action: "workspace.user.create",
        targetType: "user",
        targetId: u.id,
        after: { email, isAdmin },
      });
      return u;
    });
  } catch (err) {
    if (isUniqueViolation(err, "users_email_key")) throw new DomainError("CONFLICT", `A user with email ${email} already exists`, "email");
    throw err;
  }
}

export async function findUserByEmail(db: DbOrTx, email: string) {
  const [u] = await db
    .select()
    .from(schema.users)
    .where(eq(schema.users.email, normalizeEmail(email)));
  return u ?? null;
}
