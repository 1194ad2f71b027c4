import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKeelClient, type KeelRunsError } from "../../sdk/index";
import { getRunDetail, metricHistory } from "../../server/registry";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";
import { type KeelServer, projectWithKey, startKeel } from "../sdk/helpers";

let d: TestDatabase;
let keel: KeelServer;
let projectId: string;
let key: string;
beforeAll(async () => {
  d = await freshRuntimeDatabase();
  ({ projectId, key } = await projectWithKey(d));
  keel = await startKeel();
});
afterAll(async () => {
  await keel.close();
  await d.drop();
});

const logs = () => keel.requests.filter((r) => r.path.endsWith("/log"));

describe("keel.runs (SDK) against a real server", () => {
  it("starts a run, buffers metrics into batches, logs params, uploads an artifact, ends it", async () => {
    const errors: KeelRunsError[] = [];
    const client = createKeelClient({
      baseUrl: keel.url,
      apiKey: key,
      flushIntervalMs: 60_000,
      runs: { flushAt: 250, flushIntervalMs: 60_000, onError: (e) => errors.push(e) },
    });
    const run = await client.runs.start({ experiment: "sdk-exp", params: { lr: 0.01, layers: 4 }, tags: { git: "abc" } });
    expect(run.name).toMatch(/^[a-z]+-[a-z]+-\d+$/);
    const before = logs().length;
    for (let step = 0; step < 300; step++) run.log({ loss: 1 / (step + 1), acc: step / 300 }, { step });
    run.log({ bad: Number.NaN }, { step: 1 });
    await run.logParams({ epochs: 3 });
    await run.flush();
    expect(run.pending).toBe(0);
    // 600 points in batches of at most 250, plus the params request
    expect(logs().length - before).toBe(4);
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/metric bad must be a finite number/)]);
    const art = await run.logArtifact("notes/summary.txt", "done");
    expect(art).toMatchObject({ path: "notes/summary.txt", size: 4 });
    const ended = await run.end();
    expect(ended.status).toBe("FINISHED");

    const detail = await getRunDetail(d.db, projectId, run.id);
    expect(detail).toMatchObject({ experimentName: "sdk-exp", params: { lr: "0.01", layers: "4", epochs: "3" }, tags: { git: "abc" } });
    expect(detail.metrics.find((m) => m.key === "loss")).toMatchObject({ step: 299, value: 1 / 300 });
    expect(detail.artifacts.map((a) => a.path)).toEqual(["notes/summary.txt"]);
    const h = await metricHistory(d.db, projectId, run.id, "acc");
    expect(h.steps).toHaveLength(300);
  });

  it("flushes on the timer and rejects awaited calls Keel refuses, naming the field", async () => {
    const client = createKeelClient({ baseUrl: keel.url, apiKey: key, runs: { flushIntervalMs: 50 } });
    const run = await client.runs.start({ experiment: "sdk-exp", name: "timed", params: { lr: "0.1" } });
    run.log({ loss: 0.5 }, { step: 1 });
    await expect.poll(async () => (await getRunDetail(d.db, projectId, run.id)).metrics.length, { timeout: 5000 }).toBe(1);
    const refused = await run.logParams({ lr: "0.2" }).catch((e: KeelRunsError) => e);
    expect(refused).toMatchObject({ name: "KeelRunsError", status: 400, code: "BAD_REQUEST", field: "params.lr" });
    const resumed = await client.runs.resume(run.id);
    expect(resumed.name).toBe("timed");
    await resumed.end({ status: "FAILED" });
    expect((await getRunDetail(d.db, projectId, run.id)).status).toBe("FAILED");
    const missing = await client.runs.start({ experimentId: "00000000-0000-4000-8000-000000000000" }).catch((e: KeelRunsError) => e);
    expect(missing).toMatchObject({ status: 404, code: "NOT_FOUND" });
  });

  it("retries a 503 and gets through", async () => {
    const client = createKeelClient({ baseUrl: keel.url, apiKey: key, runs: { flushIntervalMs: 0 } });
    const run = await client.runs.start({ experiment: "sdk-exp" });
    let failures = 0;
    keel.intercept = (req, res) => {
      if (!req.url?.endsWith("/log") || failures >= 1) return false;
      failures++;
      req.resume();
      req.on("end", () => res.writeHead(503, { "content-type": "application/json" }).end("{}"));
      return true;
    };
    try {
      run.log({ loss: 0.1 });
      await run.flush();
    } finally {
      keel.intercept = null;
    }
    expect(failures).toBe(1);
    expect((await getRunDetail(d.db, projectId, run.id)).metrics).toHaveLength(1);
  });
});
