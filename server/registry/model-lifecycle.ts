import { and, eq, inArray, notInArray, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError, isUniqueViolation } from "../core/errors";
import { type Actor, recordAudit } from "../workspace";
import { modelName } from "./contract";
import { getModel, type RegisteredModel } from "./models";
import { type ModelVersion, resolveVersion, type VersionView } from "./versions";

/**
 * What MLflow's registry can do and Keel's did not: delete and rename models, delete versions, tag
 * versions. Each refuses (PRECONDITION_FAILED, MLflow's INVALID_STATE) where Keel's rules forbid it:
 * a version an alias points at, one an approval request or a tuning job names, a model a deployment
 * serves by name. Nothing is deleted that a live endpoint, an approval record or a pending job still
 * relies on; each delete and rename is in the audit log.
 */

const v = schema.modelVersions;
const TUNING_DONE = ["succeeded", "failed", "cancelled", "rejected"] as const;

const refuse = (message: string, field: string) => new DomainError("PRECONDITION_FAILED", message, field);
const list = (names: string[]) => names.map((n) => JSON.stringify(n)).join(", ");

/** Deployments that serve this model by name (a pinned version, or any alias when `version` is absent). */
async function servingDeployments(tx: DbOrTx, projectId: string, model: string, version?: number): Promise<string[]> {
  const d = schema.deployments;
  const rows = await tx
    .select({ name: d.name })
    .from(d)
    .where(and(eq(d.projectId, projectId), eq(d.modelName, model), version === undefined ? undefined : eq(d.modelRef, String(version))));
  return rows.map((r) => r.name);
}

/** Tuning jobs still to produce a version of `model` (done ones are history). */
async function pendingTuningJobs(tx: DbOrTx, projectId: string, model: string): Promise<number[]> {
  const j = schema.tuningJobs;
  const rows = await tx
    .select({ number: j.number })
    .from(j)
    .where(and(eq(j.projectId, projectId), eq(j.outputModel, model), notInArray(j.status, [...TUNING_DONE])));
  return rows.map((r) => r.number);
}

/** Eval runs still to read `model` by name: a registry-version target, or a prompt template (a prompt is a model of kind prompt). */
async function pendingEvalRuns(tx: DbOrTx, projectId: string, model: string): Promise<string[]> {
  const r = schema.evalRuns;
  const rows = await tx
    .select({ name: r.name })
    .from(r)
    .where(
      and(
        eq(r.projectId, projectId),
        inArray(r.status, ["queued", "running"]),
        sql`((${r.target}->>'kind' = 'model' AND ${r.target}->>'name' = ${model}) OR ${r.target}->'prompt'->>'name' = ${model})`,
      ),
    );
  return rows.map((x) => x.name);
}

/** Why the versions can't go, or null: an alias, an approval request (decided ones are the audit trail), a tuning job's base. */
async function versionBlocker(tx: DbOrTx, versionIds: string[]): Promise<string | null> {
  if (!versionIds.length) return null;
  const a = schema.modelAliases;
  const aliased = await tx
    .select({ alias: a.alias, version: v.version })
    .from(a)
    .innerJoin(v, eq(v.id, a.versionId))
    .where(inArray(a.versionId, versionIds));
  if (aliased.length)
    return `aliased (${aliased.map((x) => `${x.alias} -> version ${x.version}`).join(", ")}); move or delete the alias first`;
  const r = schema.approvalRequests;
  const requests = await tx
    .select({ id: r.id, status: r.status, version: v.version })
    .from(r)
    .innerJoin(v, eq(v.id, r.versionId))
    .where(inArray(r.versionId, versionIds));
  if (requests.length)
    return `named by approval request(s) ${requests.map((x) => `${x.id} (version ${x.version}, ${x.status})`).join(", ")}, which Keel keeps as the approval record`;
  const j = schema.tuningJobs;
  const bases = await tx.select({ number: j.number }).from(j).where(inArray(j.baseVersionId, versionIds));
  if (bases.length) return `the base of tuning job(s) ${bases.map((x) => `#${x.number}`).join(", ")}`;
  return null;
}

/** Delete one version (MLflow's model-versions/delete); its number is never handed out again. */
export async function deleteVersion(db: DbOrTx, actor: Actor, projectId: string, model: string, version: number): Promise<void> {
  await db.transaction(async (tx) => {
    const m = await getModel(tx, projectId, model, { forUpdate: true });
    const ver = await resolveVersion(tx, projectId, m.name, version);
    const deployments = await servingDeployments(tx, projectId, m.name, ver.version);
    if (deployments.length)
      throw refuse(`Version ${ver.version} of ${m.name} is pinned by deployment(s) ${list(deployments)}; repoint them first`, "version");
    const why = await versionBlocker(tx, [ver.id]);
    if (why) throw refuse(`Version ${ver.version} of ${m.name} can't be deleted: it is ${why}`, "version");
    await tx.delete(v).where(eq(v.id, ver.id));
    await recordAudit(tx, actor, {
      projectId,
      action: "registry.version.delete",
      targetType: "model_version",
      targetId: ver.id,
      before: { model: m.name, version: ver.version, source: ver.source, files: ver.fileCount },
    });
  });
}

/** Delete a model and its versions (MLflow's registered-models/delete), unless something still relies on them. */
export async function deleteModel(db: DbOrTx, actor: Actor, projectId: string, model: string): Promise<void> {
  await db.transaction(async (tx) => {
    const m = await getModel(tx, projectId, model, { forUpdate: true });
    const deployments = await servingDeployments(tx, projectId, m.name);
    if (deployments.length) throw refuse(`Model ${m.name} is served by deployment(s) ${list(deployments)}; remove them first`, "name");
    const jobs = await pendingTuningJobs(tx, projectId, m.name);
    if (jobs.length) throw refuse(`Tuning job(s) ${jobs.map((n) => `#${n}`).join(", ")} will add versions to ${m.name}`, "name");
    const [policy] = await tx.select().from(schema.approvalPolicies).where(eq(schema.approvalPolicies.modelId, m.id));
    if (policy) throw refuse(`Model ${m.name} has an approval policy; an admin removes it first`, "name");
    const versions = await tx.select({ id: v.id }).from(v).where(eq(v.modelId, m.id));
    const why = await versionBlocker(
      tx,
      versions.map((x) => x.id),
    );
    if (why) throw refuse(`Model ${m.name} can't be deleted: a version is ${why}`, "name");
    await tx.delete(schema.registeredModels).where(eq(schema.registeredModels.id, m.id));
    await recordAudit(tx, actor, {
      projectId,
      action: "registry.model.delete",
      targetType: "model",
      targetId: m.id,
      before: { name: m.name, versions: versions.length },
    });
  });
}

/** Rename a model (MLflow's registered-models/rename); deployments and tuning jobs name models, so those refuse it. */
export async function renameModel(db: DbOrTx, actor: Actor, projectId: string, model: string, newName: string): Promise<RegisteredModel> {
  const parsed = modelName.safeParse(newName);
  if (!parsed.success) throw new DomainError("BAD_REQUEST", `new_name: ${parsed.error.issues[0]?.message}`, "new_name");
  try {
    return await db.transaction(async (tx) => {
      const m = await getModel(tx, projectId, model, { forUpdate: true });
      if (parsed.data === m.name) return m;
      const deployments = await servingDeployments(tx, projectId, m.name);
      if (deployments.length)
        throw refuse(`Model ${m.name} is served by deployment(s) ${list(deployments)}, which name it; repoint them first`, "name");
      const jobs = await pendingTuningJobs(tx, projectId, m.name);
      if (jobs.length) throw refuse(`Tuning job(s) ${jobs.map((n) => `#${n}`).join(", ")} will add versions to ${m.name}`, "name");
      const runs = await pendingEvalRuns(tx, projectId, m.name);
      if (runs.length) throw refuse(`Eval run(s) ${list(runs)} will read ${m.name} by name; wait for them or cancel them first`, "name");
      const [row] = await tx
        .update(schema.registeredModels)
        .set({ name: parsed.data, updatedAt: sql`date_trunc('milliseconds', clock_timestamp())` })
        .where(eq(schema.registeredModels.id, m.id))
        .returning();
      if (!row) throw new Error("update returned nothing");
      await recordAudit(tx, actor, {
        projectId,
        action: "registry.model.rename",
        targetType: "model",
        targetId: m.id,
        before: { name: m.name },
        after: { name: row.name },
      });
      return row;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new DomainError("CONFLICT", `a model named ${parsed.data} already exists`, "new_name");
    throw err;
  }
}

const TAG_KEY_MAX = 250;
const TAG_VALUE_MAX = 5000;

/**
 * Set (value) or delete (null) one tag of a version. Tags are the version's changeable labels; its
 * params (fixed at creation) also show as MLflow tags, and deleting one of those is refused.
 */
export async function setVersionTag(
  db: DbOrTx,
  actor: Actor,
  projectId: string,
  input: { model: string; version: number; key: string; value: string | null },
): Promise<VersionView> {
  const { key, value } = input;
  if (!key || key.length > TAG_KEY_MAX || /\p{Cc}/u.test(key))
    throw new DomainError("BAD_REQUEST", `tag key must be 1 to ${TAG_KEY_MAX} printable characters`, "key");
  if (value !== null && value.length > TAG_VALUE_MAX)
    throw new DomainError("BAD_REQUEST", `tag ${key}: value is longer than ${TAG_VALUE_MAX} characters`, "value");
  return db.transaction(async (tx) => {
    const before = await resolveVersion(tx, projectId, input.model, input.version);
    if (value === null && !(key in before.tags)) {
      if (key in before.params)
        throw new DomainError("BAD_REQUEST", `${key} is a param of version ${before.version}, fixed when it was created`, "key");
      throw new DomainError("NOT_FOUND", `version ${before.version} of ${before.model} has no tag ${key}`, "key");
    }
    const expr = value === null ? sql`${v.tags} - ${key}::text` : sql`${v.tags} || jsonb_build_object(${key}::text, ${value}::text)`;
    const [row] = await tx
      .update(v)
      .set({ tags: expr as unknown as Record<string, string> })
      .where(eq(v.id, before.id))
      .returning();
    if (!row) throw new Error("update returned nothing");
    await recordAudit(tx, actor, {
      projectId,
      action: value === null ? "registry.version.tag_delete" : "registry.version.tag_set",
      targetType: "model_version",
      targetId: row.id,
      after: { key, value },
    });
    return { ...row, model: before.model, aliases: before.aliases };
  });
}

/** A version by its id, within the project (the artifact proxy addresses versions by id: names change). */
export async function getVersionById(db: DbOrTx, projectId: string, versionId: string): Promise<ModelVersion> {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const [row] = uuid.test(versionId)
    ? await db
        .select()
        .from(v)
        .where(and(eq(v.projectId, projectId), eq(v.id, versionId)))
    : [];
  if (!row) throw new DomainError("NOT_FOUND", `model version ${versionId} not found`, "path");
  return row;
}
