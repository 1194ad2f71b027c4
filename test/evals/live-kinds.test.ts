import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorker, type WorkerHandle } from "../../server/core/worker";
import { evalRunJob } from "../../server/evals";
import { registerBundled } from "../../server/registry";
import { createDeployment, createProvider, seedDeployments } from "../../server/serving";
import { SYSTEM_ACTOR, setInstanceSetting } from "../../server/workspace";
import { callerFor, makeKey, makeProject } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";
import { runEnded, startEchoUpstream, uploadRows } from "../helpers/eval-runs";

/**
 * Eval runs of registry versions (no deployment), routers (each item records who answered), and the
 * per-run cost ceiling, with per-item latency, cost and trace, against the echo upstream (test/helpers/eval-runs.ts).
 */
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
  await registerBundled(d.db, SYSTEM_ACTOR, projectId, path.resolve("models"));
  await seedDeployments(d.db, SYSTEM_ACTOR, projectId);
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
  // 5 + 5 tokens a call: small $0.01 + $0.01 = $0.02 a call, large $0.2 a call
  await createDeployment(d.db, SYSTEM_ACTOR, projectId, {
    ...dep,
    name: "small",
    task: "chat",
    providerModel: "echo",
    inputPricePer1k: 2,
    outputPricePer1k: 2,
  });
  await createDeployment(d.db, SYSTEM_ACTOR, projectId, {
    ...dep,
    name: "large",
    task: "chat",
    providerModel: "echo",
    inputPricePer1k: 20,
    outputPricePer1k: 20,
  });
  await callerFor(d.db, p.owner.principal).routing.create({
    projectId,
    name: "by-length",
    kind: "rules",
    config: {
      rules: [{ when: { type: "length", op: ">", value: 20, unit: "chars" }, target: "large" }],
      default: "small",
      large: ["large"],
    },
    fallbacks: [],
    cache: { exact: false, semantic: null, ttlSeconds: 3600 },
    active: true,
  });
});
afterAll(async () => {
  await worker?.stop();
  await upstream?.close();
  await d?.drop();
});

const upload = (name: string, lines: unknown[]) => uploadRows(p.project.slug, key, name, lines);
const ended = (runId: string) => runEnded(d.db, runId);

describe("eval runs of registry versions, routers, and a cost ceiling", () => {
  it("serves a registry version by alias without a deployment, as model:NAME:VERSION, and matches its deployment's answers", async () => {
    const api = callerFor(d.db, p.owner.principal);
    const v = await upload("greetings", [
      { input: "Hello, my name is", references: ["Ann"] },
      { input: "The weather today", references: ["is fine"] },
    ]);
    const params = { maxTokens: 6, temperature: 0 };
    const template = { kind: "chat" as const, text: "{{input}}" };
    const byModel = await api.evals.runs.create({
      projectId: p.project.id,
      name: "tiny-gpt2@production",
      datasetVersionId: v.id,
      metrics: { rouge: {} },
      target: { kind: "model", name: "tiny-gpt2", ref: "production", template, params },
    });
    const a = await ended(byModel.id);
    expect(a).toMatchObject({ status: "succeeded", error: null });
    const items = await api.evals.runs.items({ projectId: p.project.id, runId: byModel.id });
    expect(items).toHaveLength(2);
    for (const it of items) {
      expect(it.answeredBy).toBe("model:tiny-gpt2:1");
      expect(it.prediction.length).toBeGreaterThan(0);
      expect(it.latencyMs).toBeGreaterThan(0);
      expect(it.cost).toBe(0);
      expect(it.scores["latency.ms"]).toBe(it.latencyMs);
      expect(typeof it.traceId).toBe("string");
    }
    // the seeded deployment serves the same version: the same greedy answers
    const byDeployment = await api.evals.runs.create({
      projectId: p.project.id,
      name: "deployment",
      datasetVersionId: v.id,
      metrics: { rouge: {} },
      target: { kind: "deployment", name: "tiny-gpt2", template, params },
    });
    expect(await ended(byDeployment.id)).toMatchObject({ status: "succeeded" });
    const other = await api.evals.runs.items({ projectId: p.project.id, runId: byDeployment.id });
    expect(other.map((i) => i.prediction)).toEqual(items.map((i) => i.prediction));
    // the version by number is the same target; an unknown alias, version or model is named
    const base = { projectId: p.project.id, name: "bad", datasetVersionId: v.id };
    await expect(api.evals.runs.create({ ...base, target: { kind: "model", name: "tiny-gpt2", ref: "canary" } })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "model tiny-gpt2 has no alias canary",
    });
    await expect(api.evals.runs.create({ ...base, target: { kind: "model", name: "tiny-gpt2", ref: "9" } })).rejects.toMatchObject({
      message: "model tiny-gpt2 has no version 9",
    });
    await expect(api.evals.runs.create({ ...base, target: { kind: "model", name: "nope", ref: "production" } })).rejects.toMatchObject({
      message: "model nope does not exist in this project",
    });
    await expect(
      api.evals.runs.create({ ...base, target: { kind: "model", name: "tiny-bert-embed", ref: "production" } }),
    ).rejects.toMatchObject({
      message: expect.stringContaining("serves embedding"),
    });
  });

  it("runs a router: each item records which target answered, its cost, and the run its large share", async () => {
    const api = callerFor(d.db, p.owner.principal);
    const v = await upload("short-long", [
      { input: "short one", references: ["short one"] },
      { input: "a considerably longer question here", references: ["a considerably longer question here"] },
      { input: "tiny", references: ["tiny"] },
      { input: "another quite long prompt to route", references: ["another quite long prompt to route"] },
    ]);
    const run = await api.evals.runs.create({
      projectId: p.project.id,
      name: "router",
      datasetVersionId: v.id,
      metrics: { rouge: {} },
      target: { kind: "router", name: "by-length" },
    });
    const done = await ended(run.id);
    expect(done.status).toBe("succeeded");
    const items = await api.evals.runs.items({ projectId: p.project.id, runId: run.id });
    expect(items.map((i) => i.answeredBy)).toEqual(["small", "large", "small", "large"]);
    expect(items.map((i) => i.cost)).toEqual([0.02, 0.2, 0.02, 0.2].map((c) => expect.closeTo(c, 10)));
    expect(items.every((i) => i.scores["rougeL.fmeasure"] === 1)).toBe(true);
    const agg = done.aggregates as { cost: { total: number }; answeredBy: Record<string, number>; routing: { largeShare: number } };
    expect(agg.cost.total).toBeCloseTo(0.44, 10);
    expect(agg.answeredBy).toEqual({ small: 2, large: 2 });
    expect(agg.routing.largeShare).toBe(0.5);

    // beside a run of its small target on the same items: cost and large share side by side
    const small = await api.evals.runs.create({
      projectId: p.project.id,
      name: "small",
      datasetVersionId: v.id,
      metrics: { rouge: {} },
      target: { kind: "deployment", name: "small" },
    });
    expect(await ended(small.id)).toMatchObject({ status: "succeeded" });
    const cmp = await api.evals.runs.compare({ projectId: p.project.id, aRunId: small.id, bRunId: run.id, focus: "rougeL.fmeasure" });
    expect(cmp.a).toMatchObject({ target: "deployment:small", largeShare: null, answeredBy: { small: 4 } });
    expect(cmp.a.cost).toBeCloseTo(0.08, 10);
    expect(cmp.b).toMatchObject({ target: "router:by-length", largeShare: 0.5, answeredBy: { small: 2, large: 2 } });
    expect(cmp.figures["cost.usd"]?.mean).toBeCloseTo(0.09, 10);
    // a router routes chat calls only; an unknown router is named
    const base = { projectId: p.project.id, name: "bad", datasetVersionId: v.id };
    await expect(
      api.evals.runs.create({
        ...base,
        target: { kind: "router", name: "by-length", template: { kind: "completion", text: "{{input}}" } },
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("use a chat template") });
    await expect(api.evals.runs.create({ ...base, target: { kind: "router", name: "nope" } })).rejects.toMatchObject({
      message: "router nope does not exist in this project",
    });
  });

  it("stops at its cost ceiling as failed, with the reason, keeping and aggregating what it scored", async () => {
    const api = callerFor(d.db, p.owner.principal);
    const many = Array.from({ length: 30 }, (_, i) => ({ input: `question ${i}`, references: [`question ${i}`] }));
    const v = await upload("priced", many);
    const before = upstream.calls.length;
    const run = await api.evals.runs.create({
      projectId: p.project.id,
      name: "capped",
      datasetVersionId: v.id,
      metrics: { rouge: {} },
      target: { kind: "deployment", name: "small" },
      maxCost: 0.1,
    });
    const done = await ended(run.id);
    expect(done.status).toBe("failed");
    expect(done.error).toMatch(/^cost ceiling reached: the run spent \$0\.1\d* of its \$0\.1 after \d+ of 30 items$/);
    const items = await api.evals.runs.items({ projectId: p.project.id, runId: run.id });
    // $0.02 a call: 5 calls reach $0.10; at most the 3 others in flight finish past it
    expect(items.length).toBeGreaterThanOrEqual(5);
    expect(items.length).toBeLessThan(30);
    expect(items.map((i) => i.idx)).toEqual(items.map((_, i) => i));
    expect(upstream.calls.length - before).toBeLessThanOrEqual(8);
    const agg = done.aggregates as { means: Record<string, { n: number }>; cost: { total: number } };
    expect(agg.means["rougeL.fmeasure"]?.n).toBe(items.length);
    expect(agg.cost.total).toBeCloseTo(items.length * 0.02, 10);
    // the job is not retried: the run stays where it stopped
    await new Promise((r) => setTimeout(r, 800));
    expect(upstream.calls.length - before).toBeLessThanOrEqual(8);
    await expect(
      api.evals.runs.create({ projectId: p.project.id, name: "x", datasetVersionId: v.id, target: { kind: "predictions" }, maxCost: 1 }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("calls no model") });
  });

  it("counts a judge's calls against the ceiling and in the run's cost, on stored predictions too", async () => {
    const api = callerFor(d.db, p.owner.principal);
    const many = Array.from({ length: 30 }, (_, i) => ({ input: `question ${i}`, references: [`a${i}`], prediction: `a${i}` }));
    const v = await upload("judged", many);
    const judge = {
      kind: "judge" as const,
      name: "ok",
      deployment: "small",
      rubric: "Is {{output}} right? Verdict:",
      verdict: {
        kind: "categorical" as const,
        options: [
          { label: "yes", score: 1 },
          { label: "no", score: 0 },
        ],
      },
    };
    const run = await api.evals.runs.create({
      projectId: p.project.id,
      name: "judged",
      datasetVersionId: v.id,
      metrics: { rouge: {} },
      target: { kind: "predictions" },
      scorers: [judge],
      maxCost: 0.05,
    });
    const done = await ended(run.id);
    expect(done.status).toBe("failed");
    expect(done.error).toMatch(/^cost ceiling reached: the run spent \$0\.\d+ of its \$0\.05 after \d+ of 30 items$/);
    const items = await api.evals.runs.items({ projectId: p.project.id, runId: run.id });
    expect(items.length).toBeGreaterThan(0);
    expect(items.length).toBeLessThan(30);
    const perItem = items.map((i) => (i.details?.["judge.ok"]?.cost as number | undefined) ?? 0);
    expect(perItem.every((c) => c > 0)).toBe(true);
    const agg = done.aggregates as { cost: { total: number; generation: number; scoring: number } };
    expect(agg.cost.generation).toBe(0);
    expect(agg.cost.scoring).toBeCloseTo(
      perItem.reduce((a, b) => a + b, 0),
      10,
    );
    expect(agg.cost.total).toBe(agg.cost.scoring);
  });
});
