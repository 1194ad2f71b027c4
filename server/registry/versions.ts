import { and, asc, desc, eq, inArray, lt, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import type { VersionSource } from "../../db/schema";
import { DomainError, notFound } from "../core/errors";
import { type Actor, recordAudit } from "../workspace";
import { checkArtifactPath, detectFormat } from "./artifact-paths";
import type { VersionMeta } from "./contract";
import { getModel, type RegistryKind } from "./models";
import { emitRegistryEvent } from "./webhooks";

const v = schema.modelVersions;
const files = schema.modelVersionFiles;
export type ModelVersion = typeof v.$inferSelect;
export interface FileRef {
  path: string;
  sha256: string;
  size: number;
}
export interface VersionView extends ModelVersion {
  model: string;
  aliases: string[];
}

/** A model version is addressed by number or by alias; an alias that names no version is a 404. `kind` refuses the other kind (400). */
export async function resolveVersion(
  db: DbOrTx,
  projectId: string,
  model: string,
  ref: number | string,
  opts: { kind?: RegistryKind } = {},
): Promise<VersionView> {
  const m = await getModel(db, projectId, model, opts);
  let row: ModelVersion | undefined;
  if (typeof ref === "number")
    [row] = await db
      .select()
      .from(v)
      .where(and(eq(v.modelId, m.id), eq(v.version, ref)));
  else {
    const [hit] = await db
      .select({ version: v })
      .from(schema.modelAliases)
      .innerJoin(v, eq(v.id, schema.modelAliases.versionId))
      .where(and(eq(schema.modelAliases.modelId, m.id), eq(schema.modelAliases.alias, ref)));
    if (!hit) throw notFound(`alias ${ref} of model ${model}`);
    row = hit.version;
  }
  if (!row) throw notFound(`version ${ref} of model ${model}`);
  const aliases = await db
    .select({ alias: schema.modelAliases.alias })
    .from(schema.modelAliases)
    .where(eq(schema.modelAliases.versionId, row.id))
    .orderBy(asc(schema.modelAliases.alias));
  return { ...row, model: m.name, aliases: aliases.map((a) => a.alias) };
}

export async function versionFiles(db: DbOrTx, versionId: string): Promise<FileRef[]> {
  return db
    .select({ path: files.path, sha256: files.sha256, size: files.size })
    .from(files)
    .where(eq(files.versionId, versionId))
    .orderBy(asc(files.path));
}

/** Newest first, keyset on the version number (the unique (model_id, version) index serves it). */
export async function listVersions(
  db: DbOrTx,
  projectId: string,
  model: string,
  input: { cursor?: string; limit: number; status?: ModelVersion["status"][] },
): Promise<{ items: VersionView[]; nextCursor: string | null }> {
  const m = await getModel(db, projectId, model);
  if (input.cursor !== undefined && !/^\d{1,9}$/.test(input.cursor))
    throw new DomainError("BAD_REQUEST", "cursor is not a cursor returned by this list", "cursor");
  const rows = await db
    .select()
    .from(v)
    .where(
      and(
        eq(v.modelId, m.id),
        input.cursor ? lt(v.version, Number(input.cursor)) : undefined,
        input.status?.length ? inArray(v.status, input.status) : undefined,
      ),
    )
    .orderBy(desc(v.version))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  const aliasRows = page.length
    ? await db
        .select({ versionId: schema.modelAliases.versionId, alias: schema.modelAliases.alias })
        .from(schema.modelAliases)
        .where(eq(schema.modelAliases.modelId, m.id))
    : [];
  return {
    items: page.map((r) => ({ ...r, model: m.name, aliases: aliasRows.filter((a) => a.versionId === r.id).map((a) => a.alias) })),
    nextCursor: rows.length > input.limit ? String(page[page.length - 1]?.version) : null,
  };
}

/** A file or URI version of a prompt: 409, the name belongs to the other kind. */
export const promptNotModel = (name: string) =>
  new DomainError("CONFLICT", `${name} is a prompt, not a model: add its versions with POST /api/v1/prompts`, "model");

async function checkLineage(tx: DbOrTx, projectId: string, modelId: string, lineage: VersionMeta["lineage"]) {
  const l = lineage ?? {};
  let parentVersionId: string | null = null;
  if (l.parentVersion !== undefined) {
    const [p] = await tx
      .select({ id: v.id })
      .from(v)
      .where(and(eq(v.modelId, modelId), eq(v.version, l.parentVersion)));
    if (!p) throw new DomainError("NOT_FOUND", `parent version ${l.parentVersion} not found`, "lineage.parentVersion");
    parentVersionId = p.id;
  } else if (l.parentVersionId) {
    const [p] = await tx
      .select({ id: v.id })
      .from(v)
      .where(and(eq(v.id, l.parentVersionId), eq(v.projectId, projectId)));
    if (!p) throw new DomainError("NOT_FOUND", "parent version not found", "lineage.parentVersionId");
    parentVersionId = p.id;
  }
  const exists = async (
    table: typeof schema.datasetVersions | typeof schema.runs | typeof schema.evalRuns | typeof schema.tuningJobs,
    id: string,
  ) =>
    (
      await tx
        .select({ id: table.id })
        .from(table)
        .where(and(eq(table.id, id), eq(table.projectId, projectId)))
    ).length > 0;
  if (l.datasetVersionId && !(await exists(schema.datasetVersions, l.datasetVersionId)))
    throw new DomainError("NOT_FOUND", "dataset version not found", "lineage.datasetVersionId");
  if (l.runId && !(await exists(schema.runs, l.runId))) throw new DomainError("NOT_FOUND", "run not found", "lineage.runId");
  // a job of another project (or none) would graft that project's lineage onto this version
  if (l.tuningJobId && !(await exists(schema.tuningJobs, l.tuningJobId)))
    throw new DomainError("NOT_FOUND", "tuning job not found in this project", "lineage.tuningJobId");
  for (const [i, id] of (l.evalRunIds ?? []).entries())
    if (!(await exists(schema.evalRuns, id))) throw new DomainError("NOT_FOUND", "eval run not found", `lineage.evalRunIds.${i}`);
  return { parentVersionId, l };
}

/**
 * A new version, numbered under the model's row lock, with its files (already committed to the
 * artifact store), lineage and eval runs, in one transaction: it exists whole and ready, or not at all.
 */
export async function createVersion(
  db: DbOrTx,
  actor: Actor,
  projectId: string,
  model: string,
  /** `tags`: the changeable labels (MLflow's version tags), apart from the immutable params */
  input: { files?: FileRef[]; uri?: string; meta: VersionMeta; source: VersionSource; tags?: Record<string, string> },
): Promise<VersionView> {
  const list = input.files ?? [];
  const seen = new Set<string>();
  for (const [i, f] of list.entries()) {
    const why = checkArtifactPath(f.path);
    if (why) throw new DomainError("BAD_REQUEST", `file path ${JSON.stringify(f.path)} ${why}`, `file.${i}`);
    if (seen.has(f.path)) throw new DomainError("BAD_REQUEST", `file path ${f.path} appears twice`, `file.${i}`);
    seen.add(f.path);
  }
  if (!list.length && !input.uri) throw new DomainError("BAD_REQUEST", "a version needs files or an external uri", "file");
  return db.transaction(async (tx) => {
    const m = await getModel(tx, projectId, model, { forUpdate: true });
    if (m.kind === "prompt") throw promptNotModel(m.name);
    const { parentVersionId, l } = await checkLineage(tx, projectId, m.id, input.meta.lineage);
    const number = m.latestVersion + 1;
    const metadata = { ...(input.meta.metadata ?? {}), ...(input.uri ? { uri: input.uri } : {}) };
    const [row] = await tx
      .insert(v)
      .values({
        projectId,
        modelId: m.id,
        version: number,
        status: "ready",
        source: input.source,
        format: input.meta.format ?? (input.uri ? "uri" : detectFormat(list.map((f) => f.path))),
        metadata,
        params: input.meta.params ?? {},
        metrics: input.meta.metrics ?? {},
        tags: input.tags ?? {},
        card: input.meta.card ?? null,
        description: input.meta.description ?? null,
        fileCount: list.length,
        totalSize: list.reduce((s, f) => s + f.size, 0),
        parentVersionId,
        datasetVersionId: l.datasetVersionId ?? null,
        tuningJobId: l.tuningJobId ?? null,
        runId: l.runId ?? null,
        codeRevision: l.codeRevision ?? null,
        createdBy: actor.userId,
        createdByKey: actor.keyId,
      })
      .returning();
    if (!row) throw new Error("insert returned nothing");
    if (list.length) {
      await tx
        .insert(schema.artifactBlobs)
        .values(list.map((f) => ({ sha256: f.sha256, size: f.size })))
        .onConflictDoNothing();
      for (let i = 0; i < list.length; i += 1000)
        await tx.insert(files).values(list.slice(i, i + 1000).map((f) => ({ versionId: row.id, ...f })));
    }
    if (l.evalRunIds?.length)
      await tx.insert(schema.modelVersionEvals).values(l.evalRunIds.map((evalRunId) => ({ projectId, versionId: row.id, evalRunId })));
    await tx
      .update(schema.registeredModels)
      .set({ latestVersion: number, updatedAt: sql`date_trunc('milliseconds', clock_timestamp())` })
      .where(eq(schema.registeredModels.id, m.id));
    await recordAudit(tx, actor, {
      projectId,
      action: "registry.version.create",
      targetType: "model_version",
      targetId: row.id,
      after: { model, version: number, files: list.length, source: input.source },
    });
    await emitRegistryEvent(tx, projectId, "model_version.created", {
      model,
      version: number,
      versionId: row.id,
      format: row.format,
      files: list.length,
    });
    return { ...row, model: m.name, aliases: [] };
  });
}

export async function updateVersion(
  db: DbOrTx,
  actor: Actor,
  projectId: string,
  input: { model: string; version: number; card?: string | null; description?: string | null; status?: "archived" | "ready" },
): Promise<VersionView> {
  return db.transaction(async (tx) => {
    const before = await resolveVersion(tx, projectId, input.model, input.version);
    if (input.status && !["ready", "archived"].includes(before.status))
      throw new DomainError(
        "CONFLICT",
        `version ${before.version} is ${before.status}; only ready and archived versions change status`,
        "status",
      );
    if (input.status === "archived" && before.aliases.length)
      throw new DomainError(
        "CONFLICT",
        `version ${before.version} is aliased as ${before.aliases.join(", ")}; move the alias first`,
        "status",
      );
    const set: Partial<ModelVersion> = {};
    if (input.card !== undefined) set.card = input.card;
    if (input.description !== undefined) set.description = input.description;
    if (input.status) set.status = input.status;
    if (!Object.keys(set).length) return before;
    const [row] = await tx.update(v).set(set).where(eq(v.id, before.id)).returning();
    if (!row) throw new Error("update returned nothing");
    await recordAudit(tx, actor, {
      projectId,
      action: "registry.version.update",
      targetType: "model_version",
      targetId: row.id,
      before: { status: before.status },
      after: set,
    });
    return { ...row, model: before.model, aliases: before.aliases };
  });
}

/** Record that an eval run scored this version (approval gates read these). */
export async function linkEvalRun(
  db: DbOrTx,
  actor: Actor,
  projectId: string,
  input: { model: string; version: number; evalRunId: string },
): Promise<{ linked: boolean }> {
  return db.transaction(async (tx) => {
    const ver = await resolveVersion(tx, projectId, input.model, input.version);
    const [run] = await tx
      .select({ id: schema.evalRuns.id })
      .from(schema.evalRuns)
      .where(and(eq(schema.evalRuns.id, input.evalRunId), eq(schema.evalRuns.projectId, projectId)));
    if (!run) throw new DomainError("NOT_FOUND", "eval run not found", "evalRunId");
    const res = await tx
      .insert(schema.modelVersionEvals)
      .values({ projectId, versionId: ver.id, evalRunId: run.id })
      .onConflictDoNothing()
      .returning();
    if (res.length)
      await recordAudit(tx, actor, {
        projectId,
        action: "registry.version.link_eval",
        targetType: "model_version",
        targetId: ver.id,
        after: input,
      });
    return { linked: res.length > 0 };
  });
}
