import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorker, type WorkerHandle } from "../../server/core/worker";
import { evalRunJob } from "../../server/evals";
import { createPrompt, registerBundled, renameModel } from "../../server/registry";
import { seedDeployments } from "../../server/serving";
import { SYSTEM_ACTOR } from "../../server/workspace";
import { callerFor, makeKey, makeProject } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";
import { runEnded, uploadRows } from "../helpers/eval-runs";

/**
 * A queued eval run reads its prompt (or registry model) by name when a worker takes it: renaming the
 * prompt before then is refused, naming the run, and allowed once the run has ended.
 */
let d: TestDatabase;
let worker: WorkerHandle | undefined;
let p: Awaited<ReturnType<typeof makeProject>>;

beforeAll(async () => {
  d = await freshRuntimeDatabase();
  p = await makeProject(d.db);
  await registerBundled(d.db, SYSTEM_ACTOR, p.project.id, path.resolve("models"));
  await seedDeployments(d.db, SYSTEM_ACTOR, p.project.id);
});
afterAll(async () => {
  await worker?.stop();
  await d?.drop();
});

describe("renaming a prompt that queued eval runs name", () => {
  it("is refused while a run is queued, naming it, and done once the run ended", async () => {
    const key = (await makeKey(d.db, p.project.id, p.owner.user.id, "owner")).key;
    const v = await uploadRows(p.project.slug, key, "greetings", [{ input: { who: "Ann" }, references: ["Hello Ann"] }]);
    await createPrompt(d.db, SYSTEM_ACTOR, p.project.id, { name: "greet", prompt: "Say hello to {{who}}", config: { max_tokens: 4 } });
    const run = await callerFor(d.db, p.owner.principal).evals.runs.create({
      projectId: p.project.id,
      name: "greet-v1",
      datasetVersionId: v.id,
      metrics: { rouge: {} },
      target: { kind: "deployment", name: "tiny-gpt2", prompt: { name: "greet", version: 1 }, params: { temperature: 0 } },
    });
    expect(run.status).toBe("queued"); // no worker yet
    const refused = await renameModel(d.db, SYSTEM_ACTOR, p.project.id, "greet", "greeting").catch((e) => e);
    expect(refused).toMatchObject({ code: "PRECONDITION_FAILED", field: "name" });
    expect(refused.message).toContain('"greet-v1"');

    worker = await startWorker({ url: d.url, jobs: [evalRunJob], pollIntervalMs: 200 });
    expect(await runEnded(d.db, run.id)).toMatchObject({ status: "succeeded", error: null });
    expect(await renameModel(d.db, SYSTEM_ACTOR, p.project.id, "greet", "greeting")).toMatchObject({ name: "greeting" });
  });
});
