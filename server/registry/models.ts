import { and, asc, eq, gt, ilike, or, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError, isUniqueViolation, notFound } from "../core/errors";
import { type Actor, recordAudit } from "../workspace";
import type { CreateModelInput } from "./contract";

const m = schema.registeredModels;
export type RegisteredModel = typeof m.$inferSelect;
export type RegistryKind = RegisteredModel["kind"];

export interface ModelSummary extends RegisteredModel {
  aliases: { alias: string; version: number }[];
}

export async function createModel(db: DbOrTx, actor: Actor, projectId: string, input: CreateModelInput): Promise<RegisteredModel> {
  try {
    return await db.transaction(async (tx) => {
      const [row] = await tx
        .insert(m)
        .values({
          projectId,
          name: input.name,
          description: input.description ?? null,
          task: input.task ?? null,
          tags: input.tags ?? {},
          ownerId: actor.userId,
        })
        .returning();
      if (!row) throw new Error("insert returned nothing");
      await recordAudit(tx, actor, { projectId, action: "registry.model.create", targetType: "model", targetId: row.id, after: input });
      return row;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw await nameTaken(db, projectId, input.name);
    throw err;
  }
}

/** The 409 for a name the project's registry holds already: models and prompts share one namespace, so it names the holder's kind. */
export async function nameTaken(db: DbOrTx, projectId: string, name: string): Promise<DomainError> {
  const [row] = await db
    .select({ kind: m.kind })
    .from(m)
    .where(and(eq(m.projectId, projectId), eq(m.name, name)));
  return new DomainError("CONFLICT", `a ${row?.kind ?? "model"} named ${name} already exists`, "name");
}

/** "X is a prompt, not a model" (400): a model-only path (serving, tuning, eval targets) was given the other kind. */
export function assertKind(row: Pick<RegisteredModel, "name" | "kind">, kind: RegistryKind, field = kind === "model" ? "model" : "name") {
  if (row.kind !== kind) throw new DomainError("BAD_REQUEST", `${row.name} is a ${row.kind}, not a ${kind}`, field);
}

/**
 * The model by name; `forUpdate` locks its row (version numbering and alias moves serialize on it).
 * Without `kind` a prompt is found too (aliases, approvals and history serve both); with it, the other
 * kind is a 400 and a missing row a 404 naming the kind.
 */
export async function getModel(
  db: DbOrTx,
  projectId: string,
  name: string,
  opts: { forUpdate?: boolean; kind?: RegistryKind } = {},
): Promise<RegisteredModel> {
  const q = db
    .select()
    .from(m)
    .where(and(eq(m.projectId, projectId), eq(m.name, name)));
  const [row] = opts.forUpdate ? await q.for("update") : await q;
  if (!row) throw notFound(`${opts.kind ?? "model"} ${name}`);
  if (opts.kind) assertKind(row, opts.kind);
  return row;
}

export async function updateModel(
  db: DbOrTx,
  actor: Actor,
  projectId: string,
  input: { model: string; description?: string | null; task?: string | null; tags?: Record<string, string> },
): Promise<RegisteredModel> {
  return db.transaction(async (tx) => {
    const before = await getModel(tx, projectId, input.model, { forUpdate: true });
    const set: Partial<RegisteredModel> = { updatedAt: new Date() };
    if (input.description !== undefined) set.description = input.description;
    if (input.task !== undefined) set.task = input.task;
    if (input.tags !== undefined) set.tags = input.tags;
    const [row] = await tx.update(m).set(set).where(eq(m.id, before.id)).returning();
    if (!row) throw new Error("update returned nothing");
    await recordAudit(tx, actor, {
      projectId,
      action: "registry.model.update",
      targetType: "model",
      targetId: row.id,
      before: { description: before.description, task: before.task, tags: before.tags },
      after: set,
    });
    return row;
  });
}

/** Name order, keyset on name; `q` filters by a substring of the name. Each with its aliases. Models only, unless `kind` says prompts. */
export async function listModels(
  db: DbOrTx,
  projectId: string,
  input: { cursor?: string; limit: number; q?: string; kind?: RegistryKind; tag?: string },
): Promise<{ items: ModelSummary[]; nextCursor: string | null }> {
  const rows = await db
    .select()
    .from(m)
    .where(
      and(
        eq(m.projectId, projectId),
        eq(m.kind, input.kind ?? "model"),
        input.cursor ? gt(m.name, input.cursor) : undefined,
        input.q ? or(ilike(m.name, `%${input.q.replace(/[%_\\]/g, "\\$&")}%`)) : undefined,
        // a prompt's tags are keys with value "" (prompt-tags.ts)
        input.tag !== undefined ? sql`${m.tags} @> ${JSON.stringify({ [input.tag]: "" })}::jsonb` : undefined,
      ),
    )
    .orderBy(asc(m.name))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  const ids = page.map((r) => r.id);
  const aliases = ids.length
    ? await db
        .select({ modelId: schema.modelAliases.modelId, alias: schema.modelAliases.alias, version: schema.modelVersions.version })
        .from(schema.modelAliases)
        .innerJoin(schema.modelVersions, eq(schema.modelVersions.id, schema.modelAliases.versionId))
        .where(sql`${schema.modelAliases.modelId} in ${ids}`)
        .orderBy(asc(schema.modelAliases.alias))
    : [];
  return {
    items: page.map((r) => ({
      ...r,
      aliases: aliases.filter((a) => a.modelId === r.id).map(({ alias, version }) => ({ alias, version })),
    })),
    nextCursor: rows.length > input.limit ? (page[page.length - 1]?.name ?? null) : null,
  };
}
