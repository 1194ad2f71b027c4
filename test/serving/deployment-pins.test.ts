import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { SYSTEM_ACTOR } from "../../server/workspace";
import { callerFor, makeMember, makeProject } from "../factories/workspace";
import { freshDatabase, type TestDatabase } from "../helpers/db";

/**
 * Issue 14: a deployment must not serve an unapproved version of a model whose alias is guarded by an
 * approval policy. Following the guarded alias is anyone's; pinning a version (or an unguarded alias)
 * is the approvers', audited.
 */
let d: TestDatabase;
let p: Awaited<ReturnType<typeof makeProject>>;
let engineer: ReturnType<typeof callerFor>;
let admin: ReturnType<typeof callerFor>;
let P: { projectId: string };

const local = (name: string, modelName: string, modelRef: string) => ({
  ...P,
  name,
  kind: "local" as const,
  task: "chat" as const,
  modelName,
  modelRef,
});

async function pinAudits(deploymentName: string) {
  const [dep] = await d.db
    .select({ id: schema.deployments.id })
    .from(schema.deployments)
    .where(and(eq(schema.deployments.projectId, P.projectId), eq(schema.deployments.name, deploymentName)));
  if (!dep) return [];
  return d.db
    .select()
    .from(schema.auditLogs)
    .where(and(eq(schema.auditLogs.targetId, dep.id), eq(schema.auditLogs.action, "serving.deployment.pin")));
}

beforeAll(async () => {
  d = await freshDatabase();
  p = await makeProject(d.db);
  P = { projectId: p.project.id };
  const owner = callerFor(d.db, p.owner.principal);
  engineer = callerFor(d.db, (await makeMember(d.db, p.project.id, "engineer")).principal);
  admin = callerFor(d.db, (await makeMember(d.db, p.project.id, "admin")).principal);
  for (const model of ["guarded", "open"]) {
    await owner.registry.models.create({ ...P, name: model });
    for (const uri of ["s3://m/1", "s3://m/2"]) await owner.registry.versions.createFromUri({ ...P, model, uri });
    await owner.registry.aliases.move({ ...P, model, alias: "production", version: 1 });
    await owner.registry.aliases.move({ ...P, model, alias: "staging", version: 2 });
  }
  await owner.registry.approvals.setPolicy({
    ...P,
    model: "guarded",
    aliases: ["production"],
    requiredApprovals: 1,
    approverRoles: ["admin"],
    gateIds: [],
  });
});
afterAll(async () => {
  await d.drop();
});

describe("deployments of a model guarded by an approval policy", () => {
  it("an engineer may not pin a version or an unguarded alias (403 naming modelRef), on create or update", async () => {
    for (const ref of ["2", "staging"]) {
      await expect(engineer.serving.deployments.create(local(`eng-${ref}`, "guarded", ref))).rejects.toMatchObject({
        code: "FORBIDDEN",
        cause: { field: "modelRef" },
      });
    }
    expect((await engineer.serving.deployments.list(P)).map((x) => x.name)).not.toContain("eng-2");

    // following the guarded alias is fine, and moving it to a pin by update is refused, leaving it as it was
    await engineer.serving.deployments.create(local("eng-follow", "guarded", "production"));
    await expect(engineer.serving.deployments.update(local("eng-follow", "guarded", "2"))).rejects.toMatchObject({
      code: "FORBIDDEN",
      cause: { field: "modelRef" },
    });
    const row = (await engineer.serving.deployments.list(P)).find((x) => x.name === "eng-follow");
    expect(row?.modelRef).toBe("production");
    expect(await pinAudits("eng-follow")).toHaveLength(0);
  });

  it("an approver may pin, and the pin is audit-logged with the version", async () => {
    await admin.serving.deployments.create(local("pinned", "guarded", "2"));
    const audits = await pinAudits("pinned");
    expect(audits).toHaveLength(1);
    expect(audits[0]?.after).toMatchObject({ model: "guarded", modelRef: "2", version: 2, role: "admin" });

    // an engineer's edit that keeps the pin (a price) is not a new pin; changing it is refused
    await engineer.serving.deployments.update({ ...local("pinned", "guarded", "2"), inputPricePer1k: 0.5 });
    expect(await pinAudits("pinned")).toHaveLength(1);
    await expect(engineer.serving.deployments.update(local("pinned", "guarded", "1"))).rejects.toMatchObject({ code: "FORBIDDEN" });

    // an approver moving a follower to an unguarded alias is audited too
    await admin.serving.deployments.update(local("eng-follow", "guarded", "staging"));
    expect((await pinAudits("eng-follow"))[0]?.after).toMatchObject({ modelRef: "staging", version: 2 });
  });

  it("a model without a policy is unchanged: engineers pin versions, nothing extra is audited", async () => {
    await engineer.serving.deployments.create(local("open-pin", "open", "2"));
    await engineer.serving.deployments.update(local("open-pin", "open", "staging"));
    expect(await pinAudits("open-pin")).toHaveLength(0);
  });

  it("the system actor (CLI, seeds) acts for the operator", async () => {
    const { createDeployment } = await import("../../server/serving");
    await createDeployment(d.db, SYSTEM_ACTOR, P.projectId, {
      ...local("system-pin", "guarded", "1"),
      inputPricePer1k: 0,
      outputPricePer1k: 0,
      defaults: {},
      batching: { windowMs: 5, maxBatch: 16 },
    });
    expect(await pinAudits("system-pin")).toHaveLength(1);
  });
});
