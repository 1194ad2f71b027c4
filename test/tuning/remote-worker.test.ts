import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { addVersion, parseDataset } from "../../server/datasets";
import { serveApi } from "../../server/http/node";
import { registerBundled } from "../../server/registry";
import { classify, sourceFromVersion, unloadModels } from "../../server/serving";
import { type AgentHandle, createJob, createWorkerToken, getJob, httpPlane, startTuningAgent } from "../../server/tuning";
import { headTrainer } from "../../server/tuning/run-head";
import { SYSTEM_ACTOR } from "../../server/workspace";
import { makeProject } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";
import { waitFor } from "../helpers/wait";

/**
 * A remote worker given only Keel's URL and a `wk_` token runs a head-tuning job end to end: it
 * downloads the base model and the examples over HTTP, trains, streams its logs and metrics, and
 * uploads the result, which Keel registers (with lineage) and serves. Its control plane is HTTP only;
 * its model cache is a folder of its own.
 */
let d: TestDatabase;
let server: http.Server;
let url = "";
let agent: AgentHandle | null = null;
const CACHE = fs.mkdtempSync(path.join(os.tmpdir(), "keel-remote-worker-"));

beforeAll(async () => {
  d = await freshRuntimeDatabase();
  server = http.createServer((rq, res) => {
    const served = serveApi(rq, res, new URL(rq.url ?? "/", "http://localhost").pathname);
    if (!served) return void res.writeHead(404).end();
    served.catch((err: unknown) => res.writeHead(500).end(String(err)));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await agent?.stop();
  await unloadModels();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await d?.drop();
  fs.rmSync(CACHE, { recursive: true, force: true });
});

describe("a remote worker", () => {
  it("runs a head job through the HTTP protocol only, and Keel serves the result", async () => {
    const { project } = await makeProject(d.db);
    await registerBundled(d.db, SYSTEM_ACTOR, project.id, path.resolve("models"));
    const rows = ["good", "great", "lovely", "fine", "bad", "awful", "poor", "dull"].flatMap((word, i) =>
      ["train", "train", "train", "test"].map((split, k) =>
        JSON.stringify({ input: `${word} movie ${k}`, references: [i < 4 ? "positive" : "negative"], metadata: { split } }),
      ),
    );
    await addVersion(d.db, SYSTEM_ACTOR, project.id, "words", parseDataset(Buffer.from(rows.join("\n")), "jsonl"), {
      kind: "upload",
      format: "jsonl",
      filename: "words.jsonl",
    });
    const { token } = await createWorkerToken(d.db, SYSTEM_ACTOR, {});
    agent = await startTuningAgent({
      plane: httpPlane({ server: url, token, cacheDir: CACHE, claimWaitS: 2 }),
      trainers: { head: headTrainer },
      capabilities: { gpus: [], cuda: null },
      name: "remote-test",
    });
    expect(agent.remote).toBe(true);
    const job = await createJob(d.db, SYSTEM_ACTOR, project.id, {
      method: "head",
      base: { model: "tiny-bert-embed" },
      dataset: { name: "words" },
      hyperparameters: { epochs: 30 },
    });
    const done = await waitFor(
      "the job to end",
      async () => {
        const j = await getJob(d.db, project.id, job.id);
        return ["succeeded", "failed", "cancelled"].includes(j.status) && j.settledAt !== null ? j : null;
      },
      120_000,
    );
    expect(done.error).toBeNull();
    expect(done).toMatchObject({ status: "succeeded", worker: { id: agent.workerId, remote: true } });
    const [worker] = await d.db.select().from(schema.tuningWorkers).where(eq(schema.tuningWorkers.id, agent.workerId));
    expect(worker?.tokenId).not.toBeNull();
    // the base model was downloaded into the worker's own cache, by version id
    const [base] = await d.db.select().from(schema.modelVersions).where(eq(schema.modelVersions.id, job.baseVersionId));
    expect(fs.existsSync(path.join(CACHE, base?.id as string, "config.json"))).toBe(true);
    const [version] = await d.db
      .select()
      .from(schema.modelVersions)
      .where(eq(schema.modelVersions.id, done.resultVersionId as string));
    expect(version).toMatchObject({ format: "keel-head", tuningJobId: job.id, parentVersionId: job.baseVersionId, runId: done.runId });
    const lines = (await d.db.select().from(schema.tuningJobLogs).where(eq(schema.tuningJobLogs.jobId, job.id))).map((l) => l.line);
    expect(lines.some((l) => l.includes("(remote)"))).toBe(true);
    expect(lines.some((l) => l.startsWith("registered "))).toBe(true);
    const points = await d.db
      .select()
      .from(schema.runMetrics)
      .where(eq(schema.runMetrics.runId, done.runId as string));
    expect(points.some((p) => p.key === "loss")).toBe(true);
    // Keel serves what the remote worker trained
    const source = await sourceFromVersion(d.db, project.id, done.result?.model as string, done.result?.version as number);
    const out = await classify(source, ["good movie 9", "awful movie 9"]);
    expect(out.results.map((r) => r[0]?.label)).toEqual(["positive", "negative"]);
  });
});
