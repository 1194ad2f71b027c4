import { and, desc, eq, inArray, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import type { GateCheck } from "../../db/schema";
import { DomainError, forbidden, notFound } from "../core/errors";
import { keyset, toPage } from "../core/pagination";
import { evaluateGateOnRun } from "../evals";
import { type Actor, type Role, recordAudit } from "../workspace";
import { applyAliasMove } from "./alias-moves";
import type { PolicyInput } from "./contract";
import { assertKind, getModel } from "./models";
import { emitRegistryEvent } from "./webhooks";

const pol = schema.approvalPolicies;
const req = schema.approvalRequests;
const votes = schema.approvalVotes;
export type ApprovalPolicy = typeof pol.$inferSelect;
export type ApprovalRequest = typeof req.$inferSelect;

export async function getPolicy(db: DbOrTx, projectId: string, model: string): Promise<ApprovalPolicy | null> {
  const m = await getModel(db, projectId, model);
  const [row] = await db.select().from(pol).where(eq(pol.modelId, m.id));
  return row ?? null;
}

export async function setPolicy(db: DbOrTx, actor: Actor, projectId: string, input: PolicyInput): Promise<ApprovalPolicy> {
  return db.transaction(async (tx) => {
    const m = await getModel(tx, projectId, input.model, { forUpdate: true });
    if (input.gateIds.length) {
      const rows = await tx
        .select({ id: schema.gates.id })
        .from(schema.gates)
        .where(and(eq(schema.gates.projectId, projectId), inArray(schema.gates.id, input.gateIds)));
      const found = new Set(rows.map((r) => r.id));
      const missing = input.gateIds.findIndex((id) => !found.has(id));
      if (missing >= 0) throw new DomainError("NOT_FOUND", "gate not found", `gateIds.${missing}`);
    }
    const values = {
      aliases: input.aliases,
      requiredApprovals: input.requiredApprovals,
      approverRoles: input.approverRoles,
      gateIds: input.gateIds,
    };
    const [row] = await tx
      .insert(pol)
      .values({ modelId: m.id, projectId, ...values })
      .onConflictDoUpdate({ target: pol.modelId, set: { ...values, updatedAt: new Date() } })
      .returning();
    if (!row) throw new Error("upsert returned nothing");
    await recordAudit(tx, actor, { projectId, action: "registry.policy.set", targetType: "model", targetId: m.id, after: input });
    return row;
  });
}

export async function deletePolicy(db: DbOrTx, actor: Actor, projectId: string, model: string): Promise<{ deleted: boolean }> {
  return db.transaction(async (tx) => {
    const m = await getModel(tx, projectId, model, { forUpdate: true });
    const gone = await tx.delete(pol).where(eq(pol.modelId, m.id)).returning();
    if (gone.length) await recordAudit(tx, actor, { projectId, action: "registry.policy.delete", targetType: "model", targetId: m.id });
    return { deleted: gone.length > 0 };
  });
}

/** The policy that guards `alias` of the model, if any. */
export async function policyFor(tx: DbOrTx, modelId: string, alias: string): Promise<ApprovalPolicy | null> {
  const [row] = await tx.select().from(pol).where(eq(pol.modelId, modelId));
  return row && (row.aliases.includes("*") || row.aliases.includes(alias)) ? row : null;
}

/**
 * What serving a model at `ref` (an alias or a version number) bypasses, if anything. A model with an
 * approval policy is "guarded": its guarded aliases only move through gates and approvals, so a
 * deployment that follows one serves approved versions only. Pinning a version number, or following an
 * alias the policy does not guard, skips that, so only the policy's approver roles may (the caller
 * checks the role and audits the pin). Null when nothing is bypassed: no such model, no policy, or a
 * guarded alias. `version` is the version served now (null for an alias that points nowhere yet).
 */
export async function servingPinGuard(
  db: DbOrTx,
  projectId: string,
  model: string,
  ref: string,
): Promise<{ approverRoles: Role[]; guardedAliases: string[]; version: number | null } | null> {
  const rm = schema.registeredModels;
  const [m] = await db
    .select({ id: rm.id, name: rm.name, kind: rm.kind })
    .from(rm)
    .where(and(eq(rm.projectId, projectId), eq(rm.name, model)));
  if (!m) return null;
  // a prompt has no weights to serve: refused here, where every deployment's model is looked up
  assertKind(m, "model", "modelName");
  const [policy] = await db.select().from(pol).where(eq(pol.modelId, m.id));
  if (!policy) return null;
  const isVersion = /^\d+$/.test(ref);
  if (!isVersion && (policy.aliases.includes("*") || policy.aliases.includes(ref))) return null;
  const mv = schema.modelVersions;
  const [row] = isVersion
    ? await db
        .select({ version: mv.version })
        .from(mv)
        .where(and(eq(mv.modelId, m.id), eq(mv.version, Number(ref))))
    : await db
        .select({ version: mv.version })
        .from(schema.modelAliases)
        .innerJoin(mv, eq(mv.id, schema.modelAliases.versionId))
        .where(and(eq(schema.modelAliases.modelId, m.id), eq(schema.modelAliases.alias, ref)));
  return { approverRoles: policy.approverRoles as Role[], guardedAliases: policy.aliases, version: row?.version ?? null };
}

/** The newest succeeded eval run linked to a version, preferring one on `datasetVersionId`. */
async function latestEvalRun(tx: DbOrTx, versionId: string, datasetVersionId?: string) {
  const e = schema.evalRuns;
  const [row] = await tx
    .select({ id: e.id, datasetVersionId: e.datasetVersionId })
    .from(schema.modelVersionEvals)
    .innerJoin(e, eq(e.id, schema.modelVersionEvals.evalRunId))
    .where(and(eq(schema.modelVersionEvals.versionId, versionId), eq(e.status, "succeeded")))
    .orderBy(datasetVersionId ? sql`(${e.datasetVersionId} = ${datasetVersionId}) desc` : desc(e.finishedAt), desc(e.finishedAt))
    .limit(1);
  return row ?? null;
}

/**
 * Evaluate the policy's gates for moving an alias to `versionId`: each gate reads the version's newest
 * succeeded eval run, and its baseline rules the newest run (same dataset preferred) of the version
 * the alias points at now. A version without a run fails the gate, saying so.
 */
export async function checkGates(
  tx: DbOrTx,
  projectId: string,
  policy: ApprovalPolicy,
  versionId: string,
  currentVersionId: string | null,
) {
  if (!policy.gateIds.length) return [];
  const run = await latestEvalRun(tx, versionId);
  const baseline = currentVersionId && run ? await latestEvalRun(tx, currentVersionId, run.datasetVersionId) : null;
  const gateRows = await tx.select().from(schema.gates).where(inArray(schema.gates.id, policy.gateIds));
  const checks: GateCheck[] = [];
  for (const gate of gateRows) {
    const base = { gateId: gate.id, gate: gate.name, evalRunId: run?.id ?? null, baselineRunId: baseline?.id ?? null };
    if (!run) {
      checks.push({ ...base, passed: false, results: [], error: "this version has no succeeded eval run linked to it" });
      continue;
    }
    try {
      const verdict = await evaluateGateOnRun(tx, projectId, { gateId: gate.id, runId: run.id, baselineRunId: baseline?.id });
      checks.push({ ...base, passed: verdict.passed, results: verdict.results });
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      checks.push({ ...base, passed: false, results: [], error: err.message });
    }
  }
  return checks;
}

/** "gate quality: rougeL.fmeasure >= 0.4 got 0.31" for every failed rule. */
export function describeFailures(checks: readonly GateCheck[]): string {
  return checks
    .filter((c) => !c.passed)
    .map((c) =>
      c.error
        ? `gate ${c.gate}: ${c.error}`
        : `gate ${c.gate}: ${c.results
            .filter((r) => !r.passed)
            .map((r) => `${r.rule} (got ${+r.actual.toFixed(6)}, needs ${+r.threshold.toFixed(6)})`)
            .join("; ")}`,
    )
    .join("; ");
}

export interface RequestView extends ApprovalRequest {
  model: string;
  version: number;
  votes: { userId: string; email: string | null; decision: "approve" | "reject"; comment: string | null; createdAt: Date }[];
  requestedByEmail: string | null;
}

async function withDetail(db: DbOrTx, rows: ApprovalRequest[]): Promise<RequestView[]> {
  if (!rows.length) return [];
  const ids = rows.map((r) => r.id);
  const [vs, meta] = await Promise.all([
    db
      .select({
        requestId: votes.requestId,
        userId: votes.userId,
        email: schema.users.email,
        decision: votes.decision,
        comment: votes.comment,
        createdAt: votes.createdAt,
      })
      .from(votes)
      .leftJoin(schema.users, eq(schema.users.id, votes.userId))
      .where(inArray(votes.requestId, ids))
      .orderBy(votes.createdAt),
    db
      .select({ id: req.id, model: schema.registeredModels.name, version: schema.modelVersions.version, email: schema.users.email })
      .from(req)
      .innerJoin(schema.registeredModels, eq(schema.registeredModels.id, req.modelId))
      .innerJoin(schema.modelVersions, eq(schema.modelVersions.id, req.versionId))
      .leftJoin(schema.users, eq(schema.users.id, req.requestedBy))
      .where(inArray(req.id, ids)),
  ]);
  return rows.map((r) => {
    const m = meta.find((x) => x.id === r.id);
    return {
      ...r,
      model: m?.model ?? "",
      version: m?.version ?? 0,
      requestedByEmail: m?.email ?? null,
      votes: vs.filter((x) => x.requestId === r.id).map(({ requestId: _r, ...rest }) => rest),
    };
  });
}

export async function listRequests(
  db: DbOrTx,
  projectId: string,
  input: { model?: string; status?: ApprovalRequest["status"][]; cursor?: string; limit: number },
): Promise<{ items: RequestView[]; nextCursor: string | null }> {
  const modelId = input.model ? (await getModel(db, projectId, input.model)).id : undefined;
  const k = keyset(req.createdAt, req.id, input.cursor);
  const rows = await db
    .select()
    .from(req)
    .where(
      and(
        eq(req.projectId, projectId),
        modelId ? eq(req.modelId, modelId) : undefined,
        input.status?.length ? inArray(req.status, input.status) : undefined,
        k.where,
      ),
    )
    .orderBy(...k.orderBy)
    .limit(input.limit + 1);
  const page = toPage(rows, input.limit);
  return { items: await withDetail(db, page.items), nextCursor: page.nextCursor };
}

export async function getRequest(db: DbOrTx, projectId: string, id: string): Promise<RequestView> {
  const [row] = await db
    .select()
    .from(req)
    .where(and(eq(req.id, id), eq(req.projectId, projectId)));
  if (!row) throw notFound("approval request");
  return (await withDetail(db, [row]))[0] as RequestView;
}

/**
 * Approve or reject a pending request. Only the policy's approver roles vote, never the requester,
 * once each. The approval that reaches the required count moves the alias in the same transaction;
 * one rejection closes the request.
 */
export async function vote(
  db: DbOrTx,
  actor: Actor,
  role: Role,
  projectId: string,
  input: { requestId: string; decision: "approve" | "reject"; comment?: string },
): Promise<RequestView> {
  await db.transaction(async (tx) => {
    const [r] = await tx
      .select()
      .from(req)
      .where(and(eq(req.id, input.requestId), eq(req.projectId, projectId)))
      .for("update");
    if (!r) throw notFound("approval request");
    if (r.status !== "pending") throw new DomainError("CONFLICT", `this request is already ${r.status}`);
    if (!actor.userId) throw forbidden("Approvals are given by members; this key has no user");
    if (r.requestedBy === actor.userId) throw forbidden("You requested this move; another member must approve it");
    if (!r.approverRoles.includes(role)) throw forbidden(`Approvers here are ${r.approverRoles.join(", ")}; you act as ${role}`);
    const inserted = await tx
      .insert(votes)
      .values({ requestId: r.id, userId: actor.userId, decision: input.decision, comment: input.comment ?? null })
      .onConflictDoNothing()
      .returning();
    if (!inserted.length) throw new DomainError("CONFLICT", "You have already voted on this request");
    const [m] = await tx.select().from(schema.registeredModels).where(eq(schema.registeredModels.id, r.modelId)).for("update");
    const [ver] = await tx.select().from(schema.modelVersions).where(eq(schema.modelVersions.id, r.versionId));
    if (!m || !ver) throw notFound("model version");
    const detail = {
      requestId: r.id,
      model: m.name,
      alias: r.alias,
      version: ver.version,
      decision: input.decision,
      comment: input.comment ?? null,
    };
    await recordAudit(tx, actor, {
      projectId,
      action: `registry.approval.${input.decision}`,
      targetType: "approval_request",
      targetId: r.id,
      after: detail,
    });
    await emitRegistryEvent(tx, projectId, "approval.voted", detail);
    if (input.decision === "reject") {
      await tx.update(req).set({ status: "rejected", decidedAt: new Date() }).where(eq(req.id, r.id));
      await emitRegistryEvent(tx, projectId, "approval.rejected", detail);
      return;
    }
    const [{ n } = { n: 0 }] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(votes)
      .where(and(eq(votes.requestId, r.id), eq(votes.decision, "approve")));
    if (n < r.requiredApprovals) return;
    if (ver.status !== "ready") throw new DomainError("CONFLICT", `version ${ver.version} is ${ver.status} now; it cannot be aliased`);
    await applyAliasMove(tx, actor, m, r.alias, ver, { kind: "move", reason: r.reason, requestId: r.id });
    await tx.update(req).set({ status: "approved", decidedAt: new Date() }).where(eq(req.id, r.id));
    await emitRegistryEvent(tx, projectId, "approval.approved", detail);
  });
  return getRequest(db, projectId, input.requestId);
}

/** The requester (or an admin) withdraws a pending request. */
export async function cancelRequest(db: DbOrTx, actor: Actor, role: Role, projectId: string, requestId: string): Promise<RequestView> {
  await db.transaction(async (tx) => {
    const [r] = await tx
      .select()
      .from(req)
      .where(and(eq(req.id, requestId), eq(req.projectId, projectId)))
      .for("update");
    if (!r) throw notFound("approval request");
    if (r.status !== "pending") throw new DomainError("CONFLICT", `this request is already ${r.status}`);
    if (r.requestedBy !== actor.userId && role !== "admin" && role !== "owner")
      throw forbidden("Only the requester or an admin withdraws a request");
    await tx.update(req).set({ status: "cancelled", decidedAt: new Date() }).where(eq(req.id, r.id));
    await recordAudit(tx, actor, { projectId, action: "registry.approval.cancel", targetType: "approval_request", targetId: r.id });
  });
  return getRequest(db, projectId, requestId);
}
