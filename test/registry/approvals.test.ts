import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { startWorker, type WorkerHandle } from "../../server/core/worker";
import { evalRunJob } from "../../server/evals";
import { handleV1 } from "../../server/http/v1";
import { callerFor, makeKey, makeMember, makeProject, req } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";
import { waitFor } from "../helpers/wait";

let d: TestDatabase;
let worker: WorkerHandle;
let p: Awaited<ReturnType<typeof makeProject>>;
let key: string;
beforeAll(async () => {
  d = await freshRuntimeDatabase();
  worker = await startWorker({ url: d.url, jobs: [evalRunJob], pollIntervalMs: 200 });
  p = await makeProject(d.db);
  key = (await makeKey(d.db, p.project.id, p.owner.user.id, "owner")).key;
});
afterAll(async () => {
  await worker.stop();
  await d.drop();
});

const refs = ["the cat sat on the mat", "a dog barked at the mailman", "it is raining in paris today"];

/** An eval run of `predictions` against refs, finished. */
async function evalRun(name: string, predictions: string[]) {
  const body = refs.map((r, i) => JSON.stringify({ input: `q${i}`, references: [r], prediction: predictions[i] })).join("\n");
  const up = await handleV1(
    req(`/api/v1/projects/${p.project.slug}/datasets/${name}/versions?format=jsonl`, { method: "POST", key, body }),
  );
  const dv = (await up.json()) as { id: string };
  const run = await callerFor(d.db, p.owner.principal).evals.runs.create({ projectId: p.project.id, name, datasetVersionId: dv.id });
  await waitFor("the eval run", async () => {
    const [r] = await d.db
      .select()
      .from(schema.evalRuns)
      .where(and(eq(schema.evalRuns.id, run.id), eq(schema.evalRuns.status, "succeeded")));
    return r;
  });
  return run.id;
}

describe("promotion with gates and approvals", () => {
  it("blocks a failing gate with its figures, waits for a second member's approval, and never lets the requester approve", async () => {
    const owner = callerFor(d.db, p.owner.principal);
    const P = { projectId: p.project.id };
    await owner.registry.models.create({ ...P, name: "summarizer" });
    for (const uri of ["s3://m/1", "s3://m/2", "s3://m/3"]) await owner.registry.versions.createFromUri({ ...P, model: "summarizer", uri });
    await owner.registry.aliases.move({ ...P, model: "summarizer", alias: "production", version: 1 });

    const good = await evalRun("good", refs);
    const poor = await evalRun("poor", ["a cat", "dog", "rain"]);
    await owner.registry.versions.linkEvalRun({ ...P, model: "summarizer", version: 2, evalRunId: good });
    await owner.registry.versions.linkEvalRun({ ...P, model: "summarizer", version: 3, evalRunId: poor });
    const gate = await owner.evals.gates.create({ ...P, name: "quality", rules: ["rougeL.fmeasure >= 0.6"] });

    const engineer = await makeMember(d.db, p.project.id, "engineer");
    const admin = await makeMember(d.db, p.project.id, "admin");
    const annotator = await makeMember(d.db, p.project.id, "annotator");
    await expect(
      callerFor(d.db, engineer.principal).registry.approvals.setPolicy({
        ...P,
        model: "summarizer",
        aliases: ["production"],
        requiredApprovals: 1,
        approverRoles: ["admin"],
        gateIds: [],
      }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(
      owner.registry.approvals.setPolicy({
        ...P,
        model: "summarizer",
        aliases: ["production"],
        requiredApprovals: 1,
        approverRoles: ["admin"],
        gateIds: [gate.id, "00000000-0000-4000-8000-000000000000"],
      }),
    ).rejects.toMatchObject({ code: "NOT_FOUND", message: "gate not found" });
    expect(await owner.registry.approvals.policy({ ...P, model: "summarizer" })).toBeNull();
    await owner.registry.approvals.setPolicy({
      ...P,
      model: "summarizer",
      aliases: ["production"],
      requiredApprovals: 1,
      approverRoles: ["admin", "owner"],
      gateIds: [gate.id],
    });

    // the engineer asks to promote the poor version over HTTP: 412, naming the gate and its figures
    const engKey = (await makeKey(d.db, p.project.id, engineer.user.id, "engineer")).key;
    const put = (version: number) =>
      handleV1(
        req("/api/v1/registry/models/summarizer/aliases/production", {
          method: "PUT",
          key: engKey,
          json: { version, reason: "new model" },
        }),
      );
    const blocked = await put(3);
    expect(blocked.status).toBe(412);
    const err = (
      (await blocked.json()) as {
        error: { message: string; details: { gates: { gate: string; passed: boolean; results: { actual: number }[] }[] } };
      }
    ).error;
    expect(err.message).toMatch(
      /^Moving production to version 3 is blocked: gate quality: rougeL.fmeasure >= 0.6 \(got 0\.\d+, needs 0\.6\)/,
    );
    expect(err.details.gates[0]).toMatchObject({ gate: "quality", passed: false });
    expect(await d.db.select().from(schema.approvalRequests)).toEqual([]);

    // the good version passes the gate and waits for approval: 202
    const pending = await put(2);
    expect(pending.status).toBe(202);
    const waiting = (await pending.json()) as {
      status: string;
      request: { id: string; status: string; gateResults: { passed: boolean }[] };
    };
    expect(waiting).toMatchObject({ status: "pending", request: { status: "pending", gateResults: [{ passed: true }] } });
    expect((await put(2)).status).toBe(202); // asking again returns the open request
    expect(await d.db.select().from(schema.approvalRequests)).toHaveLength(1);
    const requestId = waiting.request.id;

    const asEngineer = callerFor(d.db, engineer.principal);
    await expect(asEngineer.registry.approvals.vote({ ...P, requestId, decision: "approve" })).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: "You requested this move; another member must approve it",
    });
    await expect(
      callerFor(d.db, annotator.principal).registry.approvals.vote({ ...P, requestId, decision: "approve" }),
    ).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    expect((await owner.registry.versions.get({ ...P, model: "summarizer", version: "production" })).version).toBe(1);

    const approved = await callerFor(d.db, admin.principal).registry.approvals.vote({
      ...P,
      requestId,
      decision: "approve",
      comment: "lgtm",
    });
    expect(approved).toMatchObject({ status: "approved", votes: [{ decision: "approve", comment: "lgtm", email: admin.user.email }] });
    expect((await owner.registry.versions.get({ ...P, model: "summarizer", version: "production" })).version).toBe(2);
    const [last] = (await owner.registry.aliases.history({ ...P, model: "summarizer", alias: "production" })).items;
    expect(last).toMatchObject({ from: 1, to: 2, requestId, reason: "new model" });
    await expect(callerFor(d.db, p.owner.principal).registry.approvals.vote({ ...P, requestId, decision: "reject" })).rejects.toMatchObject(
      {
        code: "CONFLICT",
      },
    );

    // rollback needs an approver role under the policy, and skips gates and approvals
    await expect(asEngineer.registry.aliases.rollback({ ...P, model: "summarizer", alias: "production" })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    expect(await owner.registry.aliases.rollback({ ...P, model: "summarizer", alias: "production" })).toMatchObject({
      version: 1,
      previous: 2,
    });

    // a rejection closes the request and moves nothing
    const again = (await (await put(2)).json()) as { request: { id: string } };
    const rejected = await callerFor(d.db, admin.principal).registry.approvals.vote({
      ...P,
      requestId: again.request.id,
      decision: "reject",
      comment: "not now",
    });
    expect(rejected.status).toBe("rejected");
    expect((await owner.registry.versions.get({ ...P, model: "summarizer", version: "production" })).version).toBe(1);

    // the lineage names the eval run and the alias
    const graph = await owner.registry.versions.lineage({ ...P, model: "summarizer", version: 1 });
    expect(graph.nodes.map((n) => n.kind).sort()).toEqual(["alias", "version"]);
    const g2 = await owner.registry.versions.lineage({ ...P, model: "summarizer", version: 2 });
    expect(g2.nodes.find((n) => n.kind === "eval")?.label).toBe("eval good");
  });
});
