import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorker, type WorkerHandle } from "../../server/core/worker";
import { evalRunJob } from "../../server/evals";
import "../../server/routing"; // the live targets, for the worker this file starts
import { makeKey } from "../factories/workspace";
import { errorOf, evalCliSetup, EVAL_ROWS as ROWS, uploadRows } from "../helpers/eval-runs";
import { type KeelServer, startKeel } from "../sdk/helpers";

/**
 * `keel eval run` as CI runs it against a real HTTP server with a secret key (remote mode, --url and
 * --key), and in local mode beside a worker that is online (local mode alone: eval-run.test.ts).
 */
const t = evalCliSetup();
const { keel, file, counts, jobOf } = t;

describe("keel eval run (remote mode, --url and --key)", () => {
  let server: KeelServer;
  let worker: WorkerHandle;
  let key: string;
  beforeAll(async () => {
    server = await startKeel();
    worker = await startWorker({ url: t.d.url, jobs: [evalRunJob], pollIntervalMs: 200 });
    key = (await makeKey(t.d.db, t.projectId, t.ownerId, "engineer")).key;
    await uploadRows(t.slug, key, "ci-answers", ROWS); // the dataset that local mode's run names (--dataset)
  });
  afterAll(async () => {
    await worker?.stop();
    await server?.close();
  });
  // no database for the command: remote mode must never reach for one
  const noDb = { DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" };

  it("uploads the file with the run over REST, waits for the server's worker and judges the gates", async () => {
    const rows = ROWS.map(({ prediction: _, ...r }) => r);
    const args = ["eval", "run", "--project", t.slug, "--data", file("remote.jsonl", rows), "--dataset-name", "ci-remote"];
    const target = ["--target", "model:tiny-gpt2@production", "--template", "Q: {{input}}", "--template-kind", "completion"];
    const remote = ["--url", server.url, "--key", key];
    const res = await keel(
      [...args, ...target, "--scorer", "rouge,chrf", "--gate", "chrf.score >= 0", ...remote, "--wait", "--json"],
      noDb,
    );
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect(res.out).toMatchObject({ status: "succeeded", gates: [{ rule: "chrf.score >= 0", passed: true }] });
    // the server's worker ran it (this process's), through the REST route of api.evals.runs.createWithData
    const job = await jobOf(res.out?.run);
    expect(job?.workerId).toBe(worker.workerId);
    expect(server.requests.some((r) => r.path === `/api/v1/projects/${t.slug}/evals/runs/with-data`)).toBe(true);

    // refused by the server: exit 2, nothing written
    const before = await counts();
    const refused = await keel([...args, "--target", "model:tiny-gpt2", "--template", "{{metadata.topic}}", ...remote, "--json"], noDb);
    expect(refused.code).toBe(2);
    expect(errorOf(refused)).toMatch(/^--template: .*\{\{metadata\.topic\}\}.*row 0/);
    const badKey = await keel([...args, ...target, "--url", server.url, "--key", "sk_not-a-key", "--json"], noDb);
    expect(badKey.code).toBe(2);
    expect(errorOf(badKey)).toMatch(/^--key: /);
    expect(await counts()).toEqual(before);
  });

  it("in local mode, leaves the run to a worker that is online", async () => {
    const res = await keel([
      "eval",
      "run",
      "--project",
      t.slug,
      "--dataset",
      "ci-answers",
      "--target",
      "predictions",
      "--scorer",
      "chrf",
      "--wait",
      "--json",
    ]);
    expect(res.code).toBe(0);
    const job = await jobOf(res.out?.run);
    expect(job?.workerId).toBe(worker.workerId);
  });
});
