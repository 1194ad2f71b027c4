import { and, asc, eq } from "drizzle-orm";
import type { z } from "zod";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError, isUniqueViolation, notFound, parseOrThrow } from "../core/errors";
import { type Actor, recordAudit } from "../workspace";
import { isRouterModel } from "./candidates";
import { type RouterInput, type RouterKind, routerConfigSchemas, routerInput } from "./inputs";

const r = schema.routers;
export type RouterRow = typeof r.$inferSelect;

/** Validate the kind's config (the field named), and that every target and fallback is a deployment of the project. */
async function checked(db: DbOrTx, projectId: string, input: RouterInput) {
  const config = parseOrThrow(routerConfigSchemas[input.kind as RouterKind] as z.ZodType, input.config, "config") as Record<
    string,
    unknown
  >;
  const targets = new Set<string>(input.fallbacks);
  const c = config as {
    default?: string;
    rules?: { target: string }[];
    targets?: { target: string }[];
    small?: string;
    large?: string | string[];
  };
  // rules list their large targets; cascade and learned name one
  const large = Array.isArray(c.large) ? c.large : c.large ? [c.large] : [];
  for (const t of [c.default, c.small, ...large, ...(c.rules ?? []).map((x) => x.target), ...(c.targets ?? []).map((x) => x.target)])
    if (t) targets.add(t);
  const have = new Set(
    (await db.select({ name: schema.deployments.name }).from(schema.deployments).where(eq(schema.deployments.projectId, projectId))).map(
      (x) => x.name,
    ),
  );
  const missing = [...targets].filter((t) => !have.has(t));
  if (missing.length) throw new DomainError("BAD_REQUEST", `no deployment named ${missing.join(", ")} in this project`, "config");
  return { config, targets: [...targets] };
}

export async function createRouter(db: DbOrTx, actor: Actor, projectId: string, raw: RouterInput): Promise<RouterRow> {
  // parsed again here: explicit fields only (a router's input also carries projectId, a slug)
  const input = parseOrThrow(routerInput, raw);
  const { config } = await checked(db, projectId, input);
  try {
    return await db.transaction(async (tx) => {
      const [row] = await tx
        .insert(r)
        .values({
          projectId,
          name: input.name,
          kind: input.kind,
          config,
          fallbacks: input.fallbacks,
          cache: input.cache,
          active: input.active,
        })
        .returning();
      if (!row) throw new Error("insert returned nothing");
      await recordAudit(tx, actor, { projectId, action: "routing.router.create", targetType: "router", targetId: row.id, after: input });
      return row;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new DomainError("CONFLICT", `a router named ${input.name} already exists`, "name");
    throw err;
  }
}

/** Replace a router's definition; a learned router keeps its trained model only while its kind stays learned. */
export async function updateRouter(db: DbOrTx, actor: Actor, projectId: string, raw: RouterInput): Promise<RouterRow> {
  const input = parseOrThrow(routerInput, raw);
  const { config } = await checked(db, projectId, input);
  return db.transaction(async (tx) => {
    const before = await getRouter(tx, projectId, input.name);
    const [row] = await tx
      .update(r)
      .set({
        kind: input.kind,
        config,
        fallbacks: input.fallbacks,
        cache: input.cache,
        active: input.active,
        ...(input.kind !== "learned" ? { trained: null, trainedAt: null } : {}),
        updatedAt: new Date(),
      })
      .where(eq(r.id, before.id))
      .returning();
    if (!row) throw new Error("update returned nothing");
    await recordAudit(tx, actor, {
      projectId,
      action: "routing.router.update",
      targetType: "router",
      targetId: row.id,
      before: { kind: before.kind, config: before.config, fallbacks: before.fallbacks, cache: before.cache, active: before.active },
      after: input,
    });
    return row;
  });
}

export async function deleteRouter(db: DbOrTx, actor: Actor, projectId: string, name: string): Promise<{ deleted: true }> {
  return db.transaction(async (tx) => {
    const gone = await tx
      .delete(r)
      .where(and(eq(r.projectId, projectId), eq(r.name, name)))
      .returning({ id: r.id });
    if (!gone[0]) throw notFound(`router ${name}`);
    await recordAudit(tx, actor, { projectId, action: "routing.router.delete", targetType: "router", targetId: gone[0].id });
    return { deleted: true };
  });
}

export async function getRouter(db: DbOrTx, projectId: string, name: string): Promise<RouterRow> {
  const [row] = await db
    .select()
    .from(r)
    .where(and(eq(r.projectId, projectId), eq(r.name, name)));
  if (!row) throw notFound(`router ${name}`);
  return row;
}

/** Routers with a summary of the trained model (not its weights). */
export async function listRouters(db: DbOrTx, projectId: string) {
  const rows = await db.select().from(r).where(eq(r.projectId, projectId)).orderBy(asc(r.name)).limit(500);
  return rows.map(({ trained, ...row }) => ({
    ...row,
    trainedSummary: isRouterModel(trained)
      ? { trainedOn: trained.trainedOn, threshold: trained.threshold, metrics: trained.metrics }
      : null,
  }));
}
