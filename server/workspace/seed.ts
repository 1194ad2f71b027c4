import { and, eq } from "drizzle-orm";
import { type Db, schema } from "../../db/client";
import { createKey } from "./keys";
import { SYSTEM_ACTOR } from "./principal";
import { createProject, findProjectBySlug } from "./projects";
import { createUser, findUserByEmail } from "./users";

export const DEMO_EMAIL = "demo@keel.local";
export const DEMO_SLUG = "demo";

export interface SeedResult {
  created: boolean;
  email: string;
  projectId: string;
  /** The demo secret key, present only when this call created it (keys are shown once). */
  key: string | null;
}

/**
 * The demo workspace: a user, the project `demo` they own, and a secret key. Idempotent: a second
 * call finds the project and creates nothing.
 */
export async function seedDemo(db: Db, opts: { password: string }): Promise<SeedResult> {
  const existing = await findProjectBySlug(db, DEMO_SLUG);
  if (existing) return { created: false, email: DEMO_EMAIL, projectId: existing.id, key: null };
  const user =
    (await findUserByEmail(db, DEMO_EMAIL)) ??
    (await createUser(db, SYSTEM_ACTOR, { email: DEMO_EMAIL, password: opts.password, name: "Demo" }));
  const project = await createProject(db, SYSTEM_ACTOR, { name: "Demo", slug: DEMO_SLUG, ownerUserId: user.id });
  const [owner] = await db
    .select({ role: schema.memberships.role })
    .from(schema.memberships)
    .where(and(eq(schema.memberships.projectId, project.id), eq(schema.memberships.userId, user.id)));
  const { key } = await createKey(
    db,
    { userId: user.id, keyId: null },
    { projectId: project.id, role: owner?.role ?? "owner" },
    { name: "demo key", kind: "secret" },
  );
  return { created: true, email: DEMO_EMAIL, projectId: project.id, key };
}
