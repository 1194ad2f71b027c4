import { and, asc, eq } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { env } from "../../env";
import { DomainError, isUniqueViolation, notFound, parseOrThrow } from "../core/errors";
import { servingPinGuard } from "../registry";
import { type Actor, type Role, recordAudit } from "../workspace";
import { type DeploymentInput, deploymentInput } from "./contract";
import { clearDeploymentCache, deploymentCache } from "./deployment-cache";
import { getProviderByName, type ProviderRow } from "./providers";

const d = schema.deployments;
export type DeploymentRow = typeof d.$inferSelect;
export interface DeploymentView extends DeploymentRow {
  provider: string | null;
}
/** A deployment with its provider row (for provider deployments), as the gateway needs it. */
export interface ResolvedDeployment extends DeploymentRow {
  providerRow: ProviderRow | null;
}

async function values(db: DbOrTx, projectId: string, input: DeploymentInput) {
  const provider = input.kind === "provider" ? await getProviderByName(db, projectId, input.provider ?? "") : null;
  return {
    projectId,
    name: input.name,
    kind: input.kind,
    task: input.task,
    modelName: input.kind === "local" ? (input.modelName ?? null) : null,
    modelRef: input.kind === "local" ? input.modelRef : null,
    providerId: provider?.id ?? null,
    providerModel: input.kind === "provider" ? (input.providerModel ?? null) : null,
    inputPricePer1k: input.inputPricePer1k,
    outputPricePer1k: input.outputPricePer1k,
    defaults: input.defaults,
    batching: input.batching,
  };
}

/**
 * The approval rule for serving (registry approvals.ts, servingPinGuard): a deployment of a guarded
 * model follows a guarded alias; pinning a version (or an unguarded alias) serves what nobody approved,
 * so it needs one of the policy's approver roles and is audited as serving.deployment.pin. `role`
 * is the caller's project role; none means the system (CLI, seeds), which acts for the operator.
 */
async function checkPin(
  tx: DbOrTx,
  actor: Actor,
  role: Role | undefined,
  projectId: string,
  input: DeploymentInput,
  deploymentId: string,
): Promise<void> {
  if (input.kind !== "local" || !input.modelName) return;
  const guard = await servingPinGuard(tx, projectId, input.modelName, input.modelRef);
  if (!guard) return;
  const system = !actor.userId && !actor.keyId;
  if (role ? !guard.approverRoles.includes(role) : !system)
    throw new DomainError(
      "FORBIDDEN",
      `model ${input.modelName} is guarded by an approval policy: a deployment follows its alias ` +
        `${guard.guardedAliases.filter((a) => a !== "*").join(" or ") || "(any alias)"}; pinning ${input.modelRef} needs one of ${guard.approverRoles.join(", ")}`,
      "modelRef",
    );
  await recordAudit(tx, actor, {
    projectId,
    action: "serving.deployment.pin",
    targetType: "deployment",
    targetId: deploymentId,
    after: { deployment: input.name, model: input.modelName, modelRef: input.modelRef, version: guard.version, role: role ?? null },
  });
}

export async function createDeployment(
  db: DbOrTx,
  actor: Actor,
  projectId: string,
  input: DeploymentInput,
  role?: Role,
): Promise<DeploymentRow> {
  try {
    return await db.transaction(async (tx) => {
      const [row] = await tx
        .insert(d)
        .values(await values(tx, projectId, input))
        .returning();
      if (!row) throw new Error("insert returned nothing");
      await recordAudit(tx, actor, {
        projectId,
        action: "serving.deployment.create",
        targetType: "deployment",
        targetId: row.id,
        after: input,
      });
      await checkPin(tx, actor, role, projectId, input, row.id);
      clearDeploymentCache();
      return row;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new DomainError("CONFLICT", `a deployment named ${input.name} already exists`, "name");
    throw err;
  }
}

/**
 * Replace a deployment's definition (same name: prices, defaults, target, ...); `active` stays as it
 * was unless given. The gateway picks it up at once in this process (the deployment cache is cleared).
 */
export async function updateDeployment(
  db: DbOrTx,
  actor: Actor,
  projectId: string,
  raw: DeploymentInput & { active?: boolean },
  role?: Role,
): Promise<DeploymentRow> {
  // parsed again here: explicit fields only (a router's input also carries projectId, a slug)
  const input = parseOrThrow(deploymentInput, raw);
  const active = typeof raw.active === "boolean" ? raw.active : undefined;
  return db.transaction(async (tx) => {
    const [before] = await tx
      .select()
      .from(d)
      .where(and(eq(d.projectId, projectId), eq(d.name, input.name)))
      .for("update");
    if (!before) throw notFound(`deployment ${input.name}`);
    const [row] = await tx
      .update(d)
      .set({ ...(await values(tx, projectId, input)), ...(active === undefined ? {} : { active }), updatedAt: new Date() })
      .where(eq(d.id, before.id))
      .returning();
    if (!row) throw notFound(`deployment ${input.name}`);
    const was = {
      kind: before.kind,
      task: before.task,
      modelName: before.modelName,
      modelRef: before.modelRef,
      providerId: before.providerId,
      providerModel: before.providerModel,
      inputPricePer1k: before.inputPricePer1k,
      outputPricePer1k: before.outputPricePer1k,
      defaults: before.defaults,
      batching: before.batching,
      active: before.active,
    };
    await recordAudit(tx, actor, {
      projectId,
      action: "serving.deployment.update",
      targetType: "deployment",
      targetId: row.id,
      before: was,
      after: { ...input, ...(active === undefined ? {} : { active }) },
    });
    // only a change of what is served is checked: an approver's pin survives an engineer's price edit
    const retargeted =
      row.kind === "local" && (before.kind !== "local" || before.modelName !== row.modelName || before.modelRef !== row.modelRef);
    if (retargeted) await checkPin(tx, actor, role, projectId, input, row.id);
    clearDeploymentCache();
    return row;
  });
}

export async function deleteDeployment(db: DbOrTx, actor: Actor, projectId: string, name: string): Promise<{ deleted: true }> {
  return db.transaction(async (tx) => {
    const gone = await tx
      .delete(d)
      .where(and(eq(d.projectId, projectId), eq(d.name, name)))
      .returning({ id: d.id });
    if (!gone[0]) throw notFound(`deployment ${name}`);
    await recordAudit(tx, actor, { projectId, action: "serving.deployment.delete", targetType: "deployment", targetId: gone[0].id });
    clearDeploymentCache();
    return { deleted: true };
  });
}

export async function listDeployments(db: DbOrTx, projectId: string): Promise<DeploymentView[]> {
  const rows = await db
    .select({ d, provider: schema.providers.name })
    .from(d)
    .leftJoin(schema.providers, eq(schema.providers.id, d.providerId))
    .where(eq(d.projectId, projectId))
    .orderBy(asc(d.name))
    .limit(1000);
  return rows.map((r) => ({ ...r.d, provider: r.provider }));
}

/** Resolved deployments, reused for KEEL_KEY_CACHE_SECONDS; every write clears it (deployment-cache.ts). */
const cache = deploymentCache;

export { clearDeploymentCache };

export async function resolveDeployment(db: DbOrTx, projectId: string, name: string): Promise<ResolvedDeployment | null> {
  const key = `${projectId}\u0000${name}`;
  const hit = cache.get(key);
  const ttl = env.KEEL_KEY_CACHE_SECONDS * 1000;
  if (hit && Date.now() - hit.at < ttl) return hit.value;
  const [row] = await db
    .select({ d, p: schema.providers })
    .from(d)
    .leftJoin(schema.providers, eq(schema.providers.id, d.providerId))
    .where(and(eq(d.projectId, projectId), eq(d.name, name), eq(d.active, true)));
  const value = row ? { ...row.d, providerRow: row.p } : null;
  if (ttl > 0) cache.set(key, { at: Date.now(), value });
  return value;
}

/** The demo project's deployments of the bundled models (idempotent). */
export async function seedDeployments(db: DbOrTx, actor: Actor, projectId: string): Promise<string[]> {
  const wanted: DeploymentInput[] = [
    {
      name: "tiny-gpt2",
      kind: "local",
      task: "chat",
      modelName: "tiny-gpt2",
      modelRef: "production",
      inputPricePer1k: 0.0001,
      outputPricePer1k: 0.0002,
      defaults: { max_tokens: 32 },
      batching: { windowMs: 5, maxBatch: 16 },
    },
    {
      name: "tiny-bert-embed",
      kind: "local",
      task: "embedding",
      modelName: "tiny-bert-embed",
      modelRef: "production",
      inputPricePer1k: 0.00002,
      outputPricePer1k: 0,
      defaults: {},
      batching: { windowMs: 5, maxBatch: 32 },
    },
    {
      name: "tiny-bert-sentiment",
      kind: "local",
      task: "classification",
      modelName: "tiny-bert-sentiment",
      modelRef: "production",
      inputPricePer1k: 0.00002,
      outputPricePer1k: 0,
      defaults: {},
      batching: { windowMs: 5, maxBatch: 32 },
    },
  ];
  const have = new Set((await listDeployments(db, projectId)).map((x) => x.name));
  const made: string[] = [];
  for (const w of wanted) {
    if (have.has(w.name)) continue;
    await createDeployment(db, actor, projectId, w);
    made.push(w.name);
  }
  return made;
}
