import { eq } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError, isUniqueViolation } from "../core/errors";
import { recordAudit } from "./audit";
import { hashPassword } from "./passwords";
import type { Actor } from "./principal";

export interface UserView {
  id: string;
  email: string;
  name: string | null;
  createdAt: Date;
}

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

export async function createUser(
  db: DbOrTx,
  actor: Actor,
  input: { email: string; password: string; name?: string | null },
): Promise<UserView> {
  const email = normalizeEmail(input.email);
  const passwordHash = await hashPassword(input.password);
  try {
    return await db.transaction(async (tx) => {
      const [u] = await tx
        .insert(schema.users)
        .values({ email, passwordHash, name: input.name ?? null })
        .returning({ id: schema.users.id, email: schema.users.email, name: schema.users.name, createdAt: schema.users.createdAt });
      if (!u) throw new Error("insert returned nothing");
      await recordAudit(tx, actor, {
        projectId: null,
        action: "workspace.user.create",
        targetType: "user",
        targetId: u.id,
        after: { email },
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
