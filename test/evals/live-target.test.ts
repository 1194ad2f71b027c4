import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { startWorker, type WorkerHandle } from "../../server/core/worker";
import { evalRunJob } from "../../server/evals";
import { createDeployment, createProvider } from "../../server/serving";
import { SYSTEM_ACTOR, setInstanceSetting } from "../../server/workspace";
import { callerFor, makeKey, makeProject } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";
import { runEnded, startEchoUpstream, uploadRows } from "../helpers/eval-runs";
import { waitFor } from "../helpers/wait";

/** Eval runs of a deployment, against the echo upstream (test/helpers/eval-runs.ts). */

let d: TestDatabase;
let worker: WorkerHandle;
let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
let p: Awaited<ReturnType<typeof makeProject>>;
let key: string;

beforeAll(async () => {
  d = await freshRuntimeDatabase();
  await setInstanceSetting(d.db, SYSTEM_ACTOR, "egress.allow", ["127.0.0.0/8"]);
  upstream = await startEchoUpstream();
  worker = await startWorker({ url: d.url, jobs: [evalRunJob], pollIntervalMs: 200 });
  p = await makeProject(d.db);
  key = (await makeKey(d.db, p.project.id, p.owner.user.id, "owner")).key;
  const projectId = p.project.id;
  // no provider retries: the eval run's own retries are what is tested
  await createProvider(d.db, SYSTEM_ACTOR, projectId, {
    name: "loop",
    baseUrl: upstream.url,
    timeoutMs: 5000,
    maxRetries: 0,
    maxConcurrency: 4,
  });
  const dep = {
    kind: "provider" as const,
    provider: "loop",
    modelRef: "production",
    defaults: {},
    batching: { windowMs: 5, maxBatch: 16 },
  };
  const prices = { inputPricePer1k: 0, outputPricePer1k: 0 };
  await createDeployment(d.db, SYSTEM_ACTOR, projectId, { ...dep, ...prices, name: "echo", task: "chat", providerModel: "echo" });
  await createDeployment(d.db, SYSTEM_ACTOR, projectId, { ...dep, ...prices, name: "flaky", task: "chat", providerModel: "flaky" });
  await createDeployment(d.db, SYSTEM_ACTOR, projectId, { ...dep, ...prices, name: "down", task: "chat", providerModel: "down" });
  await createDeployment(d.db, SYSTEM_ACTOR, projectId, {
    ...dep,
    ...prices,
    name: "echo-text",
    task: "completion",
    providerModel: "echo",
  });
  await createDeployment(d.db, SYSTEM_ACTOR, projectId, { ...dep, ...prices, name: "slow", task: "chat", providerModel: "slow" });
  await createDeployment(d.db, SYSTEM_ACTOR, projectId, { ...dep, ...prices, name: "vectors", task: "embedding", providerModel: "e" });
});
afterAll(async () => {
  await worker?.stop();
  await upstream?.close();
  await d?.drop();
});

const rows = [
  { input: { question: "capital of France" }, references: ["Paris"], metadata: { lang: "en" } },
  { input: { question: "capital of Italy" }, references: ["Rome"], metadata: { lang: "en" } },
  { input: { question: "capital of Spain" }, references: ["Madrid"], metadata: { lang: "es" } },
];

const upload = (name: string, lines: unknown[]) => uploadRows(p.project.slug, key, name, lines);
const ended = (runId: string) => runEnded(d.db, runId);

/** The template answers with the reference itself (the echo upstream sends the prompt back), so every score is known. */
const template = { kind: "chat" as const, text: "{{references.0}}" };

describe("eval runs against a deployment", () => {
  it("generates each row's answer through the gateway, scores it, tags its trace and caches it", async () => {
    const api = callerFor(d.db, p.owner.principal);
    const v = await upload("capitals", rows);
    const target = { kind: "deployment" as const, name: "echo", template, params: { maxTokens: 16, temperature: 0 } };
    const run = await api.evals.runs.create({
      projectId: p.project.id,
      name: "echo",
      datasetVersionId: v.id,
      metrics: { rouge: {} },
      target,
    });
    expect(run.target).toEqual(target);
    const done = await ended(run.id);
    expect(done).toMatchObject({ status: "succeeded", error: null });
    expect((done.aggregates as { failed: number }).failed).toBe(0);

    const items = await api.evals.runs.items({ projectId: p.project.id, runId: run.id });
    expect(items.map((i) => i.prediction)).toEqual(["Paris", "Rome", "Madrid"]);
    expect(items.every((i) => i.scores["rougeL.fmeasure"] === 1 && i.error === null)).toBe(true);
    expect(upstream.calls.filter((c) => c.model === "echo")).toHaveLength(3);

    // every answer is a trace tagged with the run
    const traces = await waitFor("the run's traces", async () => {
      const list = await d.db
        .select()
        .from(schema.traces)
        .where(and(eq(schema.traces.projectId, p.project.id), sql`${schema.traces.tags} @> ARRAY[${`eval-run:${run.id}`}]::text[]`));
      return list.length === 3 ? list : null;
    });
    expect(traces.map((t) => (t.metadata as { eval_item: number }).eval_item).sort()).toEqual([0, 1, 2]);

    // the same target on the same version again: every answer from the cache, no call upstream
    const again = await api.evals.runs.create({
      projectId: p.project.id,
      name: "echo again",
      datasetVersionId: v.id,
      metrics: { rouge: {} },
      target,
    });
    expect(await ended(again.id)).toMatchObject({ status: "succeeded" });
    expect(upstream.calls.filter((c) => c.model === "echo")).toHaveLength(3);
    const cached = await api.evals.runs.items({ projectId: p.project.id, runId: again.id });
    expect(cached.map((i) => i.prediction)).toEqual(["Paris", "Rome", "Madrid"]);
  });

  it("renders {{input.KEY}} and {{metadata.KEY}}, and retries a transient failure", async () => {
    const api = callerFor(d.db, p.owner.principal);
    const v = await upload("capitals-2", rows);
    const text = "Q: {{input.question}} ({{metadata.lang}})";
    const run = await api.evals.runs.create({
      projectId: p.project.id,
      name: "flaky",
      datasetVersionId: v.id,
      metrics: { rouge: {} },
      target: { kind: "deployment", name: "flaky", template: { kind: "chat", text } },
    });
    expect(await ended(run.id)).toMatchObject({ status: "succeeded" });
    const items = await api.evals.runs.items({ projectId: p.project.id, runId: run.id });
    expect(items.map((i) => i.prediction)).toEqual(["Q: capital of France (en)", "Q: capital of Italy (en)", "Q: capital of Spain (es)"]);
    // each item failed once (503), then succeeded on the run's retry
    expect(upstream.calls.filter((c) => c.model === "flaky")).toHaveLength(6);
  });

  it("answers a completion template through /completions", async () => {
    const api = callerFor(d.db, p.owner.principal);
    const v = await upload("capitals-text", rows);
    const run = await api.evals.runs.create({
      projectId: p.project.id,
      name: "text",
      datasetVersionId: v.id,
      metrics: { rouge: {} },
      target: { kind: "deployment", name: "echo-text", template: { kind: "completion", text: "{{input}} ->" } },
    });
    expect(await ended(run.id)).toMatchObject({ status: "succeeded" });
    const items = await api.evals.runs.items({ projectId: p.project.id, runId: run.id });
    expect(items[0]?.prediction).toBe('{"question":"capital of France"} ->');
  });

  it("marks items that keep failing as failed and counts them; the run still ends", async () => {
    const api = callerFor(d.db, p.owner.principal);
    const v = await upload("capitals-3", rows);
    const run = await api.evals.runs.create({
      projectId: p.project.id,
      name: "down",
      datasetVersionId: v.id,
      metrics: { rouge: {} },
      target: { kind: "deployment", name: "down", template },
    });
    const done = await ended(run.id);
    expect(done.status).toBe("succeeded");
    expect((done.aggregates as { failed: number }).failed).toBe(3);
    const items = await api.evals.runs.items({ projectId: p.project.id, runId: run.id });
    expect(items.every((i) => i.error?.includes("upstream is busy") && Object.keys(i.scores).length === 0)).toBe(true);
  });

  it("stops between items when its job is cancelled", async () => {
    const api = callerFor(d.db, p.owner.principal);
    const many = Array.from({ length: 60 }, (_, i) => ({ input: `q${i}`, references: [`a${i}`] }));
    const v = await upload("many", many);
    const run = await api.evals.runs.create({
      projectId: p.project.id,
      name: "slow",
      datasetVersionId: v.id,
      metrics: { rouge: {} },
      target: { kind: "deployment", name: "slow" },
    });
    await waitFor("the first generated answers", async () => upstream.calls.some((c) => c.model === "slow"));
    await api.jobs.cancel({ projectId: p.project.id, jobId: run.jobId as string });
    const done = await ended(run.id);
    expect(done.status).toBe("cancelled");
    const calls = upstream.calls.filter((c) => c.model === "slow").length;
    expect(calls).toBeLessThan(60);
    // nothing more is called once it stopped
    await new Promise((r) => setTimeout(r, 600));
    expect(upstream.calls.filter((c) => c.model === "slow")).toHaveLength(calls);
  });

  it("refuses a missing placeholder (naming it and the row) and a deployment that is missing or cannot generate", async () => {
    const api = callerFor(d.db, p.owner.principal);
    const v = await upload("mixed", [...rows, { input: "plain text", references: ["x"] }]);
    const base = { projectId: p.project.id, name: "bad", datasetVersionId: v.id };
    await expect(
      api.evals.runs.create({
        ...base,
        target: { kind: "deployment", name: "echo", template: { kind: "chat", text: "{{input.question}}" } },
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/\{\{input\.question\}\}.*row 3/) });
    await expect(
      api.evals.runs.create({
        ...base,
        target: { kind: "deployment", name: "echo", template: { kind: "chat", text: "{{metadata.topic}}" } },
      }),
    ).rejects.toMatchObject({ message: expect.stringMatching(/\{\{metadata\.topic\}\}.*row 0/) });
    await expect(api.evals.runs.create({ ...base, target: { kind: "deployment", name: "nope" } })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("nope"),
    });
    await expect(api.evals.runs.create({ ...base, target: { kind: "deployment", name: "vectors" } })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("embedding"),
    });
  });
});
