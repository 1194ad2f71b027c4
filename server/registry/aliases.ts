import { and, asc, desc, eq } from "drizzle-orm";
import { alias as aliasOf } from "drizzle-orm/pg-core";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError, forbidden } from "../core/errors";
import { keyset, toPage } from "../core/pagination";
import { type Actor, type Role, recordAudit } from "../workspace";
import { actorColumns, actorJoins, withActor } from "./activity";
import { applyAliasMove, currentAlias } from "./alias-moves";
import { checkGates, describeFailures, getRequest, policyFor, type RequestView } from "./approvals";
import { getModel } from "./models";
import { resolveVersion } from "./versions";
import { emitRegistryEvent } from "./webhooks";

export type MoveResult =
  | { status: "moved" | "unchanged"; model: string; alias: string; version: number; previous: number | null }
  | { status: "pending"; model: string; alias: string; version: number; request: RequestView };

/**
 * Ask to point `alias` at `version`. Without a policy on the alias it moves at once. With one, its
 * gates are evaluated first (a failure is a 412 naming the gate and its figures, and nothing is
 * written but the gate evaluations); then it moves when no approvals are required, or opens (or
 * returns the already open) approval request.
 */
export async function requestMove(
  db: DbOrTx,
  actor: Actor,
  projectId: string,
  input: { model: string; alias: string; version: number; reason?: string },
): Promise<MoveResult> {
  return db.transaction(async (tx) => {
    const m = await getModel(tx, projectId, input.model, { forUpdate: true });
    const ver = await resolveVersion(tx, projectId, input.model, input.version);
    if (ver.status !== "ready")
      throw new DomainError("CONFLICT", `version ${ver.version} is ${ver.status}; only a ready version can be aliased`, "version");
    const current = await currentAlias(tx, m.id, input.alias);
    const base = { model: m.name, alias: input.alias, version: ver.version };
    if (current?.versionId === ver.id) return { status: "unchanged" as const, ...base, previous: current.version };
    const policy = await policyFor(tx, m.id, input.alias);
    if (!policy) {
      const moved = await applyAliasMove(tx, actor, m, input.alias, ver, { kind: "move", reason: input.reason });
      return { status: "moved" as const, ...base, previous: moved.from };
    }
    const checks = await checkGates(tx, projectId, policy, ver.id, current?.versionId ?? null);
    if (checks.some((c) => !c.passed))
      throw new DomainError(
        "PRECONDITION_FAILED",
        `Moving ${input.alias} to version ${ver.version} is blocked: ${describeFailures(checks)}`,
        "version",
        {
          gates: checks,
        },
      );
    if (policy.requiredApprovals === 0) {
      const moved = await applyAliasMove(tx, actor, m, input.alias, ver, { kind: "move", reason: input.reason });
      return { status: "moved" as const, ...base, previous: moved.from };
    }
    const r = schema.approvalRequests;
    const [open] = await tx
      .select({ id: r.id })
      .from(r)
      .where(and(eq(r.modelId, m.id), eq(r.alias, input.alias), eq(r.versionId, ver.id), eq(r.status, "pending")));
    let requestId = open?.id;
    if (!requestId) {
      const [row] = await tx
        .insert(r)
        .values({
          projectId,
          modelId: m.id,
          alias: input.alias,
          versionId: ver.id,
          reason: input.reason ?? null,
          requiredApprovals: policy.requiredApprovals,
          approverRoles: policy.approverRoles,
          gateResults: checks,
          requestedBy: actor.userId,
          requestedByKey: actor.keyId,
        })
        .returning({ id: r.id });
      requestId = row?.id as string;
      const detail = {
        requestId,
        ...base,
        from: current?.version ?? null,
        reason: input.reason ?? null,
        requiredApprovals: policy.requiredApprovals,
      };
      await recordAudit(tx, actor, {
        projectId,
        action: "registry.approval.request",
        targetType: "approval_request",
        targetId: requestId,
        after: detail,
      });
      await emitRegistryEvent(tx, projectId, "approval.requested", detail);
    }
    return { status: "pending" as const, ...base, request: await getRequest(tx, projectId, requestId) };
  });
}

/**
 * Move the alias back to the version it pointed at before its last move. No gates or approvals: that
 * version was live on this alias already. Where a policy guards the alias, only its approver roles roll back.
 */
export async function rollback(
  db: DbOrTx,
  actor: Actor,
  role: Role,
  projectId: string,
  input: { model: string; alias: string; reason?: string },
) {
  return db.transaction(async (tx) => {
    const m = await getModel(tx, projectId, input.model, { forUpdate: true });
    const policy = await policyFor(tx, m.id, input.alias);
    if (policy && !policy.approverRoles.includes(role))
      throw forbidden(`Rolling back ${input.alias} needs one of ${policy.approverRoles.join(", ")}`);
    const t = schema.aliasTransitions;
    const [last] = await tx
      .select()
      .from(t)
      .where(and(eq(t.modelId, m.id), eq(t.alias, input.alias)))
      .orderBy(desc(t.createdAt), desc(t.id))
      .limit(1);
    if (!last?.toVersionId) throw new DomainError("NOT_FOUND", `alias ${input.alias} of model ${m.name} does not exist`, "alias");
    if (!last.fromVersionId) throw new DomainError("CONFLICT", `alias ${input.alias} has no earlier version to roll back to`, "alias");
    const [target] = await tx.select().from(schema.modelVersions).where(eq(schema.modelVersions.id, last.fromVersionId));
    if (target?.status !== "ready")
      throw new DomainError("CONFLICT", `the earlier version is ${target?.status ?? "gone"}; move the alias explicitly`, "alias");
    const moved = await applyAliasMove(tx, actor, m, input.alias, target, { kind: "rollback", reason: input.reason ?? "rollback" });
    return { status: "moved" as const, model: m.name, alias: input.alias, version: target.version, previous: moved.from };
  });
}

export async function deleteAlias(
  db: DbOrTx,
  actor: Actor,
  role: Role,
  projectId: string,
  input: { model: string; alias: string; reason?: string },
) {
  return db.transaction(async (tx) => {
    const m = await getModel(tx, projectId, input.model, { forUpdate: true });
    const policy = await policyFor(tx, m.id, input.alias);
    if (policy && !policy.approverRoles.includes(role))
      throw forbidden(`Deleting ${input.alias} needs one of ${policy.approverRoles.join(", ")}`);
    if (!(await currentAlias(tx, m.id, input.alias)))
      throw new DomainError("NOT_FOUND", `alias ${input.alias} of model ${m.name} not found`, "alias");
    await applyAliasMove(tx, actor, m, input.alias, null, { kind: "delete", reason: input.reason });
    return { deleted: true };
  });
}

export async function listAliases(db: DbOrTx, projectId: string, model: string) {
  const m = await getModel(db, projectId, model);
  const a = schema.modelAliases;
  return db
    .select({ alias: a.alias, version: schema.modelVersions.version, versionId: a.versionId, updatedAt: a.updatedAt })
    .from(a)
    .innerJoin(schema.modelVersions, eq(schema.modelVersions.id, a.versionId))
    .where(eq(a.modelId, m.id))
    .orderBy(asc(a.alias));
}

/** Every move of the model's aliases (or one alias), newest first, with version numbers and who. */
export async function aliasHistory(
  db: DbOrTx,
  projectId: string,
  input: { model: string; alias?: string; cursor?: string; limit: number },
) {
  const m = await getModel(db, projectId, input.model);
  const t = schema.aliasTransitions;
  const fromV = aliasOf(schema.modelVersions, "from_v");
  const toV = aliasOf(schema.modelVersions, "to_v");
  const k = keyset(t.createdAt, t.id, input.cursor);
  const rows = await db
    .select({
      id: t.id,
      alias: t.alias,
      kind: t.kind,
      from: fromV.version,
      to: toV.version,
      reason: t.reason,
      requestId: t.requestId,
      createdAt: t.createdAt,
      ...actorColumns,
    })
    .from(t)
    .leftJoin(fromV, eq(fromV.id, t.fromVersionId))
    .leftJoin(toV, eq(toV.id, t.toVersionId))
    .leftJoin(...actorJoins.user)
    .leftJoin(...actorJoins.key)
    .leftJoin(...actorJoins.creator)
    .where(and(eq(t.modelId, m.id), input.alias ? eq(t.alias, input.alias) : undefined, k.where))
    .orderBy(...k.orderBy)
    .limit(input.limit + 1);
  const page = toPage(rows, input.limit);
  // actorEmail and actorKeyId stay for the API's existing clients; `actor` names who moved it
  return { ...page, items: page.items.map((r) => ({ ...withActor(r), actorEmail: r.actorUserEmail, actorKeyId: r.actorKeyId })) };
}
