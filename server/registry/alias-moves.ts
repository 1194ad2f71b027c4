import { and, eq } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { type Actor, recordAudit } from "../workspace";
import type { RegisteredModel } from "./models";
import type { ModelVersion } from "./versions";
import { emitRegistryEvent } from "./webhooks";

const a = schema.modelAliases;

/** The version an alias points at now (row-locked when `forUpdate`), or null. */
export async function currentAlias(tx: DbOrTx, modelId: string, alias: string, opts: { forUpdate?: boolean } = {}) {
  const q = tx
    .select({ versionId: a.versionId, version: schema.modelVersions.version })
    .from(a)
    .innerJoin(schema.modelVersions, eq(schema.modelVersions.id, a.versionId))
    .where(and(eq(a.modelId, modelId), eq(a.alias, alias)));
  const [row] = opts.forUpdate ? await q.for("update", { of: a }) : await q;
  return row ?? null;
}

/**
 * Point `alias` at `version` (or delete it when `version` is null), writing the transition, the
 * audit entry and the webhook event in the caller's transaction. The caller has locked the model row.
 */
export async function applyAliasMove(
  tx: DbOrTx,
  actor: Actor,
  model: RegisteredModel,
  alias: string,
  version: Pick<ModelVersion, "id" | "version"> | null,
  opts: { reason?: string | null; requestId?: string | null; kind: "move" | "rollback" | "delete" },
) {
  const from = await currentAlias(tx, model.id, alias, { forUpdate: true });
  if (version)
    await tx
      .insert(a)
      .values({ projectId: model.projectId, modelId: model.id, alias, versionId: version.id })
      .onConflictDoUpdate({ target: [a.modelId, a.alias], set: { versionId: version.id, updatedAt: new Date() } });
  else await tx.delete(a).where(and(eq(a.modelId, model.id), eq(a.alias, alias)));
  const [transition] = await tx
    .insert(schema.aliasTransitions)
    .values({
      projectId: model.projectId,
      modelId: model.id,
      alias,
      fromVersionId: from?.versionId ?? null,
      toVersionId: version?.id ?? null,
      kind: opts.kind,
      reason: opts.reason ?? null,
      requestId: opts.requestId ?? null,
      actorUserId: actor.userId,
      actorKeyId: actor.keyId,
    })
    .returning();
  const detail = {
    model: model.name,
    alias,
    from: from?.version ?? null,
    to: version?.version ?? null,
    kind: opts.kind,
    reason: opts.reason ?? null,
  };
  await recordAudit(tx, actor, {
    projectId: model.projectId,
    action: version ? "registry.alias.move" : "registry.alias.delete",
    targetType: "model",
    targetId: model.id,
    before: { alias, version: from?.version ?? null },
    after: detail,
  });
  await emitRegistryEvent(tx, model.projectId, version ? "alias.moved" : "alias.deleted", { ...detail, requestId: opts.requestId ?? null });
  return { transitionId: transition?.id ?? null, from: from?.version ?? null, to: version?.version ?? null };
}
