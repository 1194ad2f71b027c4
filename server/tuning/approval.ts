import { and, eq, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError } from "../core/errors";
import { type Actor, atLeast, type Role, recordAudit } from "../workspace";
import { getJob, type JobView, waitReasonFor } from "./jobs";

/**
 * Proposed jobs (a drift alert's retraining) wait in `awaiting_approval`; nothing trains until an
 * approver starts one. Approvers are the roles of the output model's approval policy (the registry's
 * `approval_policies`), or admins and owners where the model has none (or does not exist yet).
 */

const j = schema.tuningJobs;

export async function approverRolesFor(db: DbOrTx, projectId: string, outputModel: string): Promise<Role[] | null> {
  const [policy] = await db
    .select({ roles: schema.approvalPolicies.approverRoles })
    .from(schema.approvalPolicies)
    .innerJoin(schema.registeredModels, eq(schema.registeredModels.id, schema.approvalPolicies.modelId))
    .where(and(eq(schema.registeredModels.projectId, projectId), eq(schema.registeredModels.name, outputModel)));
  return (policy?.roles as Role[] | undefined) ?? null;
}

export async function decideJob(
  db: DbOrTx,
  actor: Actor,
  ctx: { projectId: string; role: Role },
  ref: string | number,
  decision: "approve" | "reject",
  reason?: string | null,
): Promise<JobView> {
  const job = await getJob(db, ctx.projectId, ref);
  if (job.status !== "awaiting_approval")
    throw new DomainError("CONFLICT", `job #${job.number} is ${job.status}; only a proposed job awaiting approval can be ${decision}d`);
  const roles = await approverRolesFor(db, ctx.projectId, job.outputModel);
  const allowed = roles ? roles.includes(ctx.role) || ctx.role === "owner" : atLeast(ctx.role, "admin");
  if (!allowed)
    throw new DomainError(
      "FORBIDDEN",
      roles
        ? `approving retraining of ${job.outputModel} needs one of the roles ${roles.join(", ")} (its approval policy); you are ${ctx.role}`
        : `approving retraining needs the admin role (${job.outputModel} has no approval policy); you are ${ctx.role}`,
    );
  await db.transaction(async (tx) => {
    const now = new Date();
    const set =
      decision === "approve"
        ? { status: "queued" as const, waitReason: await waitReasonFor(tx, job) }
        : { status: "rejected" as const, finishedAt: now, waitReason: null };
    const [row] = await tx
      .update(j)
      .set({
        ...set,
        decision: {
          decision: decision === "approve" ? "approved" : "rejected",
          by: actor.userId,
          at: now.toISOString(),
          reason: reason ?? null,
        },
      })
      .where(and(eq(j.id, job.id), eq(j.status, "awaiting_approval")))
      .returning({ id: j.id });
    if (!row) throw new DomainError("CONFLICT", `job #${job.number} was decided meanwhile`);
    await recordAudit(tx, actor, {
      projectId: ctx.projectId,
      action: `tuning.job.${decision}`,
      targetType: "tuning_job",
      targetId: job.id,
      after: { reason: reason ?? null },
    });
    if (decision === "approve") await tx.execute(sql`SELECT pg_notify('keel_tuning', ${job.id})`);
  });
  return getJob(db, ctx.projectId, job.id);
}
