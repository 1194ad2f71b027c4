import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { addVersion, parseDataset } from "../../server/datasets";
import { ingestBatch } from "../../server/logs";
import { latestMetrics, registerBundled, registerLocal, resolveVersion } from "../../server/registry";
import { classify, generate, sourceFromVersion } from "../../server/serving";
import {
  type AgentHandle,
  availableTrainers,
  cancelJob,
  createJob,
  getJob,
  jobLogs,
  listJobs,
  startTuningAgent,
  type Trainer,
} from "../../server/tuning";
import { headTrainer } from "../../server/tuning/run-head";
import type { Principal } from "../../server/workspace";
import { SYSTEM_ACTOR } from "../../server/workspace";
import { callerFor, makeProject } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";
import { waitFor } from "../helpers/wait";

/** the Python trainer where this machine can run it (torch and transformers importable) */
const pythonTrainer = (await availableTrainers()).lora ?? null;
const SENTIMENT = path.resolve("test/fixtures/tuning/sentiment.tsv.gz"); // a copy of shared/datasets/sentiment.tsv.gz

let d: TestDatabase;
let projectId: string;
let ownerPrincipal: Principal;
let agent: AgentHandle | null = null;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "keel-tuning-test-"));

/** The first `perClass` rows of each label in each split of the shared sentiment set, as dataset JSONL. */
function sentimentJsonl(perClass: Record<"train" | "test", number>): string {
  const lines = gunzipSync(fs.readFileSync(SENTIMENT)).toString("utf8").trim().split("\n");
  const taken = new Map<string, number>();
  const out: string[] = [];
  for (const line of lines) {
    const [label, split, text] = line.split("\t") as [string, "train" | "test", string];
    const k = `${split}:${label}`;
    if ((taken.get(k) ?? 0) >= perClass[split]) continue;
    taken.set(k, (taken.get(k) ?? 0) + 1);
    out.push(JSON.stringify({ input: text, references: [label === "1" ? "positive" : "negative"], metadata: { split } }));
  }
  return out.join("\n");
}

beforeAll(async () => {
  d = await freshRuntimeDatabase();
  const p = await makeProject(d.db);
  projectId = p.project.id;
  ownerPrincipal = p.owner.principal;
  await registerBundled(d.db, SYSTEM_ACTOR, projectId, path.resolve("models"));
  // one CPU worker with the head trainer, as `keel worker` runs it (no GPU)
  agent = await startTuningAgent({ db: d.db, trainers: { head: headTrainer }, capabilities: { gpus: [] }, pollMs: 200, heartbeatMs: 300 });
  await addVersion(
    d.db,
    SYSTEM_ACTOR,
    projectId,
    "sentiment",
    parseDataset(Buffer.from(sentimentJsonl({ train: 400, test: 100 })), "jsonl"),
    {
      kind: "upload",
      format: "jsonl",
      filename: "sentiment.jsonl",
    },
  );
});
afterAll(async () => {
  await agent?.stop();
  await d?.drop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const launch = (over: Record<string, unknown> = {}) =>
  createJob(d.db, SYSTEM_ACTOR, projectId, {
    method: "head",
    base: { model: "tiny-bert-embed" },
    dataset: { name: "sentiment" },
    hyperparameters: {},
    seed: 1,
    ...over,
  });

describe("tuning jobs", () => {
  it("refuses bad input with a 400 naming what is wrong, and queues nothing", async () => {
    await expect(launch({ hyperparameters: { epochs: 0, learningRate: 5 } })).rejects.toThrow(
      /hyperparameters\.epochs.*hyperparameters\.learningRate/,
    );
    await expect(launch({ hyperparameters: { momentum: 0.9 } })).rejects.toThrow(/momentum/);
    await expect(launch({ base: { model: "tiny-gpt2" } })).rejects.toThrow(
      /head cannot train tiny-gpt2 .*text-generation.*feature-extraction/,
    );
    await expect(launch({ method: "lora" })).rejects.toThrow(/lora cannot train tiny-bert-embed/);
    await expect(launch({ fields: { text: "input", label: "metadata.rating" } })).rejects.toThrow(
      /dataset row 0 has no label in field metadata\.rating/,
    );
    await expect(launch({ dataset: { name: "no-such-set" } })).rejects.toThrow(/no-such-set/);
    await expect(launch({ method: "full", base: { model: "tiny-gpt2" }, hyperparameters: { r: 8 } })).rejects.toThrow(
      /full: hyperparameters\.r: not a full hyperparameter/,
    );
    await expect(launch({ dataset: undefined })).rejects.toThrow(/either dataset .* or fromLogs/);
    await expect(launch({ fromLogs: { name: "x", filter: {} } })).rejects.toThrow(/either dataset .* or fromLogs/);
    const rows = await d.db.select().from(schema.tuningJobs).where(eq(schema.tuningJobs.projectId, projectId));
    expect(rows).toHaveLength(0);
  });

  it("launches from logs: builds the dataset version in the job's transaction, and leaves none behind when the job is refused", async () => {
    const tag = `head-logs-${Date.now()}`;
    const reviews = [
      ["lovely staff and great food", "positive"],
      ["cold food, rude waiter", "negative"],
      ["would come back any time", "positive"],
      ["never again", "negative"],
      ["lovely staff and great food", "positive"],
    ];
    const events = reviews.flatMap(([text, label], i) => [
      { type: "trace", id: `${tag}-${i}`, body: { name: "review", tags: [tag], input: text, output: label } },
      { type: "rating", body: { traceId: `${tag}-${i}`, name: "checked", value: 1 } },
    ]);
    const res = await ingestBatch(d.db, projectId, events, { source: "api" });
    expect(res.filter((r) => r.status !== 201)).toEqual([]);
    const fromLogs = { name: "reviews-from-logs", view: "checked reviews", filter: { tags: [tag] }, rating: { name: "checked", min: 1 } };
    // one label only: refused after the build, which the rollback undoes
    await expect(
      launch({ dataset: undefined, fromLogs: { ...fromLogs, filter: { tags: [tag], search: "lovely" } }, outputModel: "never" }),
    ).rejects.toThrow(/at least 2 labels/);
    const named = await d.db
      .select()
      .from(schema.datasets)
      .where(and(eq(schema.datasets.projectId, projectId), eq(schema.datasets.name, fromLogs.name)));
    expect(named).toEqual([]);

    const job = await launch({
      dataset: undefined,
      fromLogs,
      resources: { kind: "gpu", minGpuMemoryMb: 999_999 }, // stays queued: this checks the build, not the training
      outputModel: "reviews-head",
    });
    const [version] = await d.db.select().from(schema.datasetVersions).where(eq(schema.datasetVersions.id, job.datasetVersionId));
    expect(version).toMatchObject({
      rowCount: 4, // the repeated review is deduplicated
      source: { kind: "logs", format: "traces", dedupe: true, heldOut: 0.2, view: "checked reviews", rating: { name: "checked", min: 1 } },
    });
    const rows = await d.db.select().from(schema.datasetRows).where(eq(schema.datasetRows.versionId, job.datasetVersionId));
    expect(rows.map((r) => [r.input, r.references[0]]).sort()).toEqual(reviews.slice(0, 4).sort());
    expect(new Set(rows.map((r) => (r.metadata as { split: string }).split))).toEqual(new Set(["train", "test"]));
    await cancelJob(d.db, SYSTEM_ACTOR, projectId, job.id);

    // the list pages back by job number
    const later = await launch({ resources: { kind: "gpu", minGpuMemoryMb: 999_999 }, outputModel: "reviews-head" });
    await cancelJob(d.db, SYSTEM_ACTOR, projectId, later.id);
    const [newest] = await listJobs(d.db, projectId, { limit: 1 });
    expect(newest?.number).toBe(later.number);
    const older = await listJobs(d.db, projectId, { limit: 1, beforeNumber: later.number });
    expect(older.map((x) => x.number)).toEqual([job.number]);
  });

  it("keeps a job no worker can run queued, saying why", async () => {
    const job = await launch({ resources: { kind: "gpu", minGpuMemoryMb: 16000 }, outputModel: "gpu-head" });
    expect(job.status).toBe("queued");
    const waiting = await waitFor("a GPU wait reason", async () => {
      const j = await getJob(d.db, projectId, job.id);
      return j.waitReason?.includes("GPU") ? j : null;
    });
    expect(waiting.status).toBe("queued");
    expect(waiting.waitReason).toMatch(/no online worker has a GPU with at least 16000 MB/);
    await cancelJob(d.db, SYSTEM_ACTOR, projectId, job.id);
    expect((await getJob(d.db, projectId, job.id)).status).toBe("cancelled");
  });

  it("trains a head on a worker and registers it with its lineage, run metrics and logs; the version serves", async () => {
    const job = await launch({ outputModel: "sentiment-head" });
    const done = await waitFor(
      "the head job to finish",
      async () => {
        const j = await getJob(d.db, projectId, job.id);
        return ["succeeded", "failed", "cancelled"].includes(j.status) ? j : null;
      },
      120_000,
    );
    expect(done.error).toBeNull();
    expect(done.status).toBe("succeeded");
    expect(done.attempt).toBe(1);
    expect(done.metrics?.test_accuracy).toBeGreaterThan(0.7); // 400 rows a class here; the 95% goal is test/tuning/head.test.ts
    expect(done.result).toEqual({ model: "sentiment-head", version: 1 });

    const v = await resolveVersion(d.db, projectId, "sentiment-head", 1);
    const base = await resolveVersion(d.db, projectId, "tiny-bert-embed", "production");
    expect(v.parentVersionId).toBe(base.id);
    expect(v.datasetVersionId).toBe(done.datasetVersionId);
    expect(v.tuningJobId).toBe(job.id);
    expect(v.runId).toBe(done.runId);
    expect(v.format).toBe("keel-head");
    expect(v.metrics.test_accuracy).toBe(done.metrics?.test_accuracy);

    const metrics = (await latestMetrics(d.db, [done.runId as string])).get(done.runId as string) ?? [];
    expect(metrics.map((m) => m.key)).toEqual(expect.arrayContaining(["loss", "learning_rate"]));
    const logs = await jobLogs(d.db, projectId, job.id);
    expect(logs.map((l) => l.line).join("\n")).toMatch(/registered sentiment-head v1/);

    // served through the serving domain, the new version scores the test split exactly as the trainer did
    const test = (await d.db.select().from(schema.datasetRows).where(eq(schema.datasetRows.versionId, done.datasetVersionId))).filter(
      (r) => (r.metadata as { split?: string } | null)?.split === "test",
    );
    // the eval run on the held-out split started by itself, linked to the version: its exact match is the test accuracy
    const evalRunId = await waitFor("the eval run", async () => (await getJob(d.db, projectId, job.id)).evalRunId, 60_000);
    const evalRun = (await d.db.select().from(schema.evalRuns).where(eq(schema.evalRuns.id, evalRunId)))[0];
    expect(evalRun?.status).toBe("succeeded");
    expect(evalRun?.target).toMatchObject({ kind: "version", versionId: v.id, split: "test" });
    const exact = (evalRun?.aggregates as { means: Record<string, { mean: number; n: number }> } | undefined)?.means["exact_match.score"];
    expect(exact?.n).toBe(200);
    expect(exact?.mean).toBeCloseTo(done.metrics?.test_accuracy as number, 6);
    const linked = await d.db.select().from(schema.modelVersionEvals).where(eq(schema.modelVersionEvals.versionId, v.id));
    expect(linked.map((l) => l.evalRunId)).toEqual([evalRunId]);

    const source = await sourceFromVersion(d.db, projectId, "sentiment-head", 1);
    const out = await classify(
      source,
      test.map((r) => r.input as string),
    );
    const right = out.results.filter((r, i) => r[0]?.label === test[i]?.references[0]).length;
    expect(right / test.length).toBeCloseTo(done.metrics?.test_accuracy as number, 6);
  });

  it("cancels a running job: the trainer stops and nothing is registered", async () => {
    const job = await launch({ hyperparameters: { epochs: 500, kind: "mlp", hidden: 256 }, outputModel: "cancelled-head" });
    await waitFor("the job to run", async () => (await getJob(d.db, projectId, job.id)).status === "running", 60_000);
    await waitFor(
      "a logged loss",
      async () => {
        const j = await getJob(d.db, projectId, job.id);
        return j.runId ? ((await latestMetrics(d.db, [j.runId])).get(j.runId) ?? []).some((m) => m.key === "loss") : false;
      },
      60_000,
    );
    await cancelJob(d.db, SYSTEM_ACTOR, projectId, job.id);
    const done = await waitFor("the cancel", async () => {
      const j = await getJob(d.db, projectId, job.id);
      return j.status === "cancelled" ? j : null;
    });
    expect(done.resultVersionId).toBeNull();
    const models = await d.db
      .select()
      .from(schema.registeredModels)
      .where(and(eq(schema.registeredModels.projectId, projectId), eq(schema.registeredModels.name, "cancelled-head")));
    expect(models).toHaveLength(0);
  });

  it("fails a job whose trainer crashes, with the last log lines, and registers nothing", async () => {
    // a feature-extraction model whose ONNX graph is not one: loading it fails inside the trainer
    const broken = path.join(tmp, "broken-embed");
    fs.cpSync(path.resolve("models/tiny-bert-embed"), broken, { recursive: true });
    for (const f of fs.readdirSync(path.join(broken, "onnx"))) fs.writeFileSync(path.join(broken, "onnx", f), "not an onnx graph");
    await registerLocal(d.db, SYSTEM_ACTOR, projectId, "broken-embed", { path: broken });
    const job = await launch({ base: { model: "broken-embed", version: 1 }, outputModel: "never-registered" });
    const done = await waitFor(
      "the failure",
      async () => {
        const j = await getJob(d.db, projectId, job.id);
        return j.status === "failed" ? j : null;
      },
      60_000,
    );
    expect(done.error).toMatch(/last log lines/);
    expect(done.resultVersionId).toBeNull();
    const models = await d.db
      .select()
      .from(schema.registeredModels)
      .where(and(eq(schema.registeredModels.projectId, projectId), eq(schema.registeredModels.name, "never-registered")));
    expect(models).toHaveLength(0);
  });

  it("asks for the alias once the eval ran: the policy's gate blocks a weak result and opens a request for a good one", async () => {
    const owner = callerFor(d.db, ownerPrincipal);
    const P = { projectId };
    const strict = await owner.evals.gates.create({ ...P, name: "near perfect", rules: ["exact_match.score >= 0.999"] });
    const fair = await owner.evals.gates.create({ ...P, name: "better than chance", rules: ["exact_match.score >= 0.6"] });
    const finish = async (id: string) =>
      waitFor(
        "the job, its eval run and its promotion",
        async () => {
          const j = await getJob(d.db, projectId, id);
          return j.status === "failed" || j.settledAt ? j : null;
        },
        120_000,
      );
    // production needs one owner's approval and the gate to pass
    const guardProduction = (gateId: string) =>
      owner.registry.approvals.setPolicy({
        ...P,
        model: "gated-head",
        aliases: ["production"],
        requiredApprovals: 1,
        approverRoles: ["owner"],
        gateIds: [gateId],
      });
    // the first version creates the model; then a policy guards production
    const first = await finish((await launch({ outputModel: "gated-head", hyperparameters: { epochs: 3 } })).id);
    expect(first.promotion).toBeNull();
    await guardProduction(strict.id);
    const blocked = await finish((await launch({ outputModel: "gated-head", hyperparameters: { epochs: 3 }, promoteTo: "production" })).id);
    expect(blocked.promotion).toMatchObject({ status: "blocked", alias: "production" });
    expect(blocked.promotion?.message).toMatch(/exact_match/);
    await guardProduction(fair.id);
    const requested = await finish(
      (await launch({ outputModel: "gated-head", hyperparameters: { epochs: 3 }, promoteTo: "production" })).id,
    );
    expect(requested.promotion, JSON.stringify(requested.promotion)).toMatchObject({
      status: "requested",
      alias: "production",
      requestId: expect.any(String),
    });
    const open = await owner.registry.approvals.list({ ...P, model: "gated-head", status: ["pending"] });
    expect(open.items.map((r: { id: string }) => r.id)).toContain(requested.promotion?.requestId);
  }, 300_000);

  it.skipIf(!pythonTrainer)(
    `runs a lora job through the Python trainer and registers a model serving generates with${pythonTrainer ? "" : " (skipped: python3 cannot import torch and transformers)"}`,
    async () => {
      const lora = await startTuningAgent({
        db: d.db,
        trainers: { lora: pythonTrainer as Trainer },
        capabilities: { gpus: [] },
        pollMs: 200,
      });
      try {
        // SFT rows from logged chats that were rated well (the low-rated ones stay out)
        const tag = `sft-${Date.now()}`;
        const chats = sentimentJsonl({ train: 6, test: 0 })
          .split("\n")
          .map((l) => JSON.parse(l) as { input: string; references: string[] });
        const events = chats.flatMap((c, i) => [
          {
            type: "trace",
            id: `${tag}-${i}`,
            body: {
              name: "chat",
              tags: [tag],
              input: [{ role: "user", content: `Review: ${c.input}\nSentiment?` }],
              output: { role: "assistant", content: c.references[0] },
            },
          },
          { type: "rating", body: { traceId: `${tag}-${i}`, name: "thumbs", value: i < 10 ? 1 : 0 } },
        ]);
        expect((await ingestBatch(d.db, projectId, events, { source: "api" })).filter((r) => r.status !== 201)).toEqual([]);
        const job = await launch({
          method: "lora",
          base: { model: "tiny-gpt2" },
          dataset: undefined,
          fromLogs: { name: "sft-from-logs", filter: { tags: [tag] }, rating: { name: "thumbs", min: 1 } },
          hyperparameters: { maxSteps: 2, batchSize: 4, maxLength: 64 },
          outputModel: "tiny-gpt2-sft",
        });
        const done = await waitFor(
          "the lora job and its eval run",
          async () => {
            const j = await getJob(d.db, projectId, job.id);
            return j.status === "failed" || j.settledAt ? j : null;
          },
          180_000,
        );
        expect(done.error).toBeNull();
        expect(done.status).toBe("succeeded");
        expect(done.metrics?.steps).toBe(2);
        const [version] = await d.db.select().from(schema.datasetVersions).where(eq(schema.datasetVersions.id, done.datasetVersionId));
        expect(version).toMatchObject({ rowCount: 10, source: { format: "chat" } });
        // the eval run answered the held-out chats through the chat template and scored them
        const items = await d.db
          .select()
          .from(schema.evalItems)
          .where(eq(schema.evalItems.runId, done.evalRunId as string));
        expect(items.length).toBeGreaterThan(0);
        expect(items.length).toBeLessThan(10);
        const v = await resolveVersion(d.db, projectId, "tiny-gpt2-sft", 1);
        expect(v.format).toBe("transformers.js");
        expect(v.tuningJobId).toBe(job.id);
        const logs = (await jobLogs(d.db, projectId, job.id)).map((l) => l.line).join("\n");
        expect(logs).toMatch(/registered tiny-gpt2-sft v1/);
        const out = await generate(await sourceFromVersion(d.db, projectId, "tiny-gpt2-sft", 1), {
          prompt: "Review: great food",
          maxTokens: 4,
        });
        expect(out.completionTokens).toBeGreaterThan(0);
      } finally {
        await lora.stop();
      }
    },
    240_000,
  );
});
