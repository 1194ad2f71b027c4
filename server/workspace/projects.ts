import { and, eq } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError, isUniqueViolation, notFound } from "../core/errors";
import { keyset, type Page, type PageInput, toPage } from "../core/pagination";
import { recordAudit } from "./audit";
import { RESERVED_SLUGS, SLUG_RE, SLUG_RULE } from "./inputs";
import { assertMayCreateProject } from "./instance";
import type { Actor, Principal } from "./principal";
import type { Role } from "./roles";

export interface ProjectView {
  id: string;
  slug: string;
  name: string;
  createdAt: Date;
}
export interface ProjectAccess extends ProjectView {
  role: Role;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const slugify = (name: string) =>
  name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/\p{M}/gu, "") // é -> e + U+0301: keep the letter, drop the accent
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/, "") || "project";

const p = schema.projects;
const cols = { id: p.id, slug: p.slug, name: p.name, createdAt: p.createdAt };

/** Match a project by id (uuid) or slug. */
const byRef = (ref: string) => (UUID_RE.test(ref) ? eq(p.id, ref) : eq(p.slug, ref));

/**
 * The project `ref` (id or slug) as this principal may see it, with the principal's role there.
 * A project the principal is not in is NOT_FOUND, never FORBIDDEN: its existence stays private.
 */
export async function projectAccess(db: DbOrTx, principal: Principal, ref: string): Promise<ProjectAccess> {
  if (principal.kind === "publicKey")
    throw new DomainError("FORBIDDEN", "A public key (pk_) only reaches the rating widget; use a secret key (sk_)");
  if (principal.kind === "secretKey") {
    const [row] = await db
      .select(cols)
      .from(p)
      .where(and(byRef(ref), eq(p.id, principal.projectId)));
    if (!row) throw notFound("project");
    return { ...row, role: principal.role };
  }
  const [row] = await db
    .select({ ...cols, role: schema.memberships.role })
    .from(p)
    .innerJoin(schema.memberships, eq(schema.memberships.projectId, p.id))
    .where(and(byRef(ref), eq(schema.memberships.userId, principal.userId)));
  if (!row) throw notFound("project");
  return row;
}

export async function createProject(
  db: DbOrTx,
  actor: Actor,
  input: { name: string; slug?: string; ownerUserId: string },
): Promise<ProjectView> {
  const slug = input.slug ?? slugify(input.name);
  if (!SLUG_RE.test(slug)) throw new DomainError("BAD_REQUEST", `slug ${SLUG_RULE}`, "slug");
  if (RESERVED_SLUGS.has(slug)) throw new DomainError("BAD_REQUEST", `slug ${slug} is reserved; choose another`, "slug");
  try {
    return await db.transaction(async (tx) => {
      const [row] = await tx.insert(p).values({ name: input.name.trim(), slug }).returning(cols);
      if (!row) throw new Error("insert returned nothing");
      await tx.insert(schema.memberships).values({ projectId: row.id, userId: input.ownerUserId, role: "owner" });
      await recordAudit(tx, actor, {
        projectId: row.id,
        action: "workspace.project.create",
        targetType: "project",
        targetId: row.id,
        after: { slug, name: row.name },
      });
      return row;
    });
  } catch (err) {
    if (isUniqueViolation(err, "projects_slug_key"))
      throw new DomainError("CONFLICT", `A project with slug ${slug} already exists`, "slug");
    throw err;
  }
}

/** A signed-in user creates a project they own, if the instance lets them (KEEL_PROJECT_CREATION). */
export async function createOwnProject(
  db: DbOrTx,
  user: { userId: string; isAdmin: boolean },
  input: { name: string; slug?: string },
): Promise<ProjectView> {
  await assertMayCreateProject(db, user);
  return createProject(db, { userId: user.userId, keyId: null }, { ...input, ownerUserId: user.userId });
}

/** Projects the user is a member of, newest first. */
export async function listProjectsForUser(db: DbOrTx, userId: string, page: PageInput): Promise<Page<ProjectAccess>> {
  const k = keyset(p.createdAt, p.id, page.cursor);
  const rows = await db
    .select({ ...cols, role: schema.memberships.role })
    .from(p)
    .innerJoin(schema.memberships, eq(schema.memberships.projectId, p.id))
    .where(and(eq(schema.memberships.userId, userId), k.where))
    .orderBy(...k.orderBy)
    .limit(page.limit + 1);
  return toPage(rows, page.limit);
}

export async function findProjectBySlug(db: DbOrTx, slug: string): Promise<ProjectView | null> {
  const [row] = await db.select(cols).from(p).where(eq(p.slug, slug));
  return row ?? null;
}
