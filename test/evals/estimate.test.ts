import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { startWorker, type WorkerHandle } from "../../server/core/worker";
import { evalRunJob } from "../../server/evals";
import { handleV1 } from "../../server/http/v1";
import { createDeployment, createProvider } from "../../server/serving";
import { SYSTEM_ACTOR, setInstanceSetting } from "../../server/workspace";
import { callerFor, makeKey, makeProject, req } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";
import { waitFor } from "../helpers/wait";

/**
 * api.evals.runs.estimate: a run's tokens and cost before it starts, from the rendered templates and
 * the target's prices; a router's range from its small to its large target; answers an earlier run
 * already holds are counted as cached and cost nothing; bad targets and templates refused as
 * createRun refuses them.
 */

/** A loopback OpenAI-compatible upstream that echoes the user message (chat) back. */
async function startEcho() {
  const server = createServer((rq, res) => {
    const chunks: Buffer[] = [];
    rq.on("data", (c: Buffer) => chunks.push(c));
    rq.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { model: string; messages?: { content: string }[] };
      const content = body.messages?.at(-1)?.content ?? "";
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({
          id: "chatcmpl-1",
          object: "chat.completion",
          created: 1,
          model: body.model,
          choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop", logprobs: null }],
          usage: { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let d: TestDatabase;
let worker: WorkerHandle;
let upstream: Awaited<ReturnType<typeof startEcho>>;
let p: Awaited<ReturnType<typeof makeProject>>;
let key: string;

/** USD per 1,000 tokens */
const CHEAP = { input: 0.001, output: 0.002 };
const DEAR = { input: 0.01, output: 0.03 };

beforeAll(async () => {
  d = await freshRuntimeDatabase();
  await setInstanceSetting(d.db, SYSTEM_ACTOR, "egress.allow", ["127.0.0.0/8"]);
  upstream = await startEcho();
  worker = await startWorker({ url: d.url, jobs: [evalRunJob], pollIntervalMs: 200 });
  p = await makeProject(d.db);
  key = (await makeKey(d.db, p.project.id, p.owner.user.id, "owner")).key;
  const projectId = p.project.id;
  await createProvider(d.db, SYSTEM_ACTOR, projectId, {
    name: "loop",
    baseUrl: upstream.url,
    timeoutMs: 5000,
    maxRetries: 0,
    maxConcurrency: 4,
  });
  const dep = { kind: "provider" as const, provider: "loop", modelRef: "production", batching: { windowMs: 5, maxBatch: 16 } };
  await createDeployment(d.db, SYSTEM_ACTOR, projectId, {
    ...dep,
    name: "cheap",
    task: "chat",
    providerModel: "cheap",
    inputPricePer1k: CHEAP.input,
    outputPricePer1k: CHEAP.output,
    defaults: { max_tokens: 10 },
  });
  await createDeployment(d.db, SYSTEM_ACTOR, projectId, {
    ...dep,
    name: "dear",
    task: "chat",
    providerModel: "dear",
    inputPricePer1k: DEAR.input,
    outputPricePer1k: DEAR.output,
    defaults: {},
  });
  await createDeployment(d.db, SYSTEM_ACTOR, projectId, {
    ...dep,
    name: "vectors",
    task: "embedding",
    providerModel: "e",
    inputPricePer1k: 0,
    outputPricePer1k: 0,
    defaults: {},
  });
  await callerFor(d.db, p.owner.principal).routing.create({
    projectId,
    name: "pair",
    kind: "cascade",
    config: { small: "cheap", large: "dear", checks: {} },
  });
});
afterAll(async () => {
  await worker?.stop();
  await upstream?.close();
  await d?.drop();
});

const rows = [
  { input: { question: "capital of France" }, references: ["Paris"] },
  { input: { question: "capital of Italy" }, references: ["Rome"] },
  { input: { question: "the capital city of Spain, in one word" }, references: ["Madrid"] },
];
const text = "Answer: {{input.question}}";
/** the estimate's token rule, characters / 4 rounded up per prompt */
const promptTokens = rows.reduce((s, r) => s + Math.ceil(`Answer: ${r.input.question}`.length / 4), 0);
const usd = (tokensIn: number, tokensOut: number, price: { input: number; output: number }) =>
  (tokensIn * price.input) / 1000 + (tokensOut * price.output) / 1000;

async function upload(name: string) {
  const body = rows.map((l) => JSON.stringify(l)).join("\n");
  const res = await handleV1(
    req(`/api/v1/projects/${p.project.slug}/datasets/${name}/versions?format=jsonl`, { method: "POST", key, body }),
  );
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string };
}

describe("eval run cost estimate", () => {
  it("prices a deployment's run from the rendered prompts and its answer budget; a re-run's cached answers cost nothing", async () => {
    const api = callerFor(d.db, p.owner.principal);
    const v = await upload("estimate-capitals");
    const target = { kind: "deployment" as const, name: "cheap", template: { kind: "chat" as const, text } };
    const est = await api.evals.runs.estimate({ projectId: p.project.id, datasetVersionId: v.id, target });
    // the deployment's defaults.max_tokens (10) per item
    expect(est).toMatchObject({ items: 3, cached: 0, inputTokens: promptTokens, outputTokens: 30, maxTokensPerItem: 10, scorers: [] });
    const cost = usd(promptTokens, 30, CHEAP);
    expect(est.cost.low).toBeCloseTo(cost, 12);
    expect(est.cost.high).toBeCloseTo(cost, 12);

    // params.maxTokens wins over the deployment's defaults
    const short = await api.evals.runs.estimate({
      projectId: p.project.id,
      datasetVersionId: v.id,
      target: { ...target, params: { maxTokens: 4 } },
    });
    expect(short).toMatchObject({ outputTokens: 12, maxTokensPerItem: 4 });

    // once a run holds these answers, the same target, template and parameters hit the cache
    const run = await api.evals.runs.create({
      projectId: p.project.id,
      name: "priced",
      datasetVersionId: v.id,
      metrics: { rouge: {} },
      target,
    });
    await waitFor("the run", async () => {
      const [r] = await d.db
        .select()
        .from(schema.evalRuns)
        .where(and(eq(schema.evalRuns.id, run.id), sql`${schema.evalRuns.status} IN ('succeeded', 'failed')`));
      return r;
    });
    const again = await api.evals.runs.estimate({ projectId: p.project.id, datasetVersionId: v.id, target });
    expect(again).toMatchObject({ items: 3, cached: 3, inputTokens: 0, outputTokens: 0, cost: { low: 0, high: 0 } });
    // other parameters are other answers
    expect(
      (
        await api.evals.runs.estimate({
          projectId: p.project.id,
          datasetVersionId: v.id,
          target: { ...target, params: { temperature: 1 } },
        })
      ).cached,
    ).toBe(0);
  });

  it("gives a router's range from all small to all large, over REST too", async () => {
    const v = await upload("estimate-router");
    const body = { datasetVersionId: v.id, target: { kind: "router", name: "pair", template: { kind: "chat", text } } };
    const res = await handleV1(req(`/api/v1/projects/${p.project.slug}/evals/runs/estimate`, { method: "POST", key, json: body }));
    expect(res.status).toBe(200);
    const est = (await res.json()) as { items: number; outputTokens: number; cost: { low: number; high: number }; prices: unknown };
    // a router's answers have the serving default budget (64) per item
    expect(est).toMatchObject({ items: 3, outputTokens: 3 * 64 });
    expect(est.prices).toEqual({ input: { low: CHEAP.input, high: DEAR.input }, output: { low: CHEAP.output, high: DEAR.output } });
    expect(est.cost.low).toBeCloseTo(usd(promptTokens, 192, CHEAP), 12);
    expect(est.cost.high).toBeCloseTo(usd(promptTokens, 192, DEAR), 12);
    expect(est.cost.high).toBeGreaterThan(est.cost.low);
  });

  it("adds a judge's calls at its deployment's prices, two calls an item when it reasons", async () => {
    const api = callerFor(d.db, p.owner.principal);
    const v = await upload("estimate-judged");
    const target = { kind: "deployment" as const, name: "cheap", template: { kind: "chat" as const, text } };
    const judge = {
      kind: "judge" as const,
      name: "correct",
      deployment: "dear",
      rubric: "Question: {{input.question}}\nAnswer: {{output}}\nIs the answer correct? yes or no",
      verdict: {
        kind: "categorical" as const,
        options: [
          { label: "yes", score: 1 },
          { label: "no", score: 0 },
        ],
      },
    };
    const base = { projectId: p.project.id, datasetVersionId: v.id, target };
    const plain = await api.evals.runs.estimate(base);
    const judged = await api.evals.runs.estimate({ ...base, scorers: [judge] });
    const [j] = judged.scorers;
    // one call per item, within the verdict's budget (32 tokens)
    expect(j).toMatchObject({ key: "judge.correct", deployment: "dear", calls: 3, outputTokens: 3 * 32 });
    expect(j?.inputTokens).toBeGreaterThan(3 * Math.ceil(judge.rubric.length / 4));
    expect(j?.cost).toBeCloseTo(usd(j?.inputTokens ?? 0, j?.outputTokens ?? 0, DEAR), 12);
    expect(judged.generation).toEqual(plain.generation);
    expect(judged.cost.low).toBeCloseTo(plain.cost.low + (j?.cost ?? 0), 12);

    // reasoning first: a second call per item, and its budget (128 tokens)
    const reasoned = await api.evals.runs.estimate({ ...base, scorers: [{ ...judge, reasoning: true }] });
    expect(reasoned.scorers[0]).toMatchObject({ calls: 6, outputTokens: 3 * (32 + 128), inputTokens: 2 * (j?.inputTokens ?? 0) });

    // a judge that cannot see the answer is refused by name, as createRun refuses it
    await expect(
      api.evals.runs.estimate({ ...base, scorers: [{ ...judge, rubric: "Is it right? {{input.question}}" }] }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("judge.correct") });
  });

  it("costs nothing on stored predictions", async () => {
    const api = callerFor(d.db, p.owner.principal);
    const v = await upload("estimate-stored");
    const est = await api.evals.runs.estimate({ projectId: p.project.id, datasetVersionId: v.id, target: { kind: "predictions" } });
    expect(est).toMatchObject({ items: 3, inputTokens: 0, outputTokens: 0, cost: { low: 0, high: 0 } });
  });

  it("refuses what createRun refuses, naming it: a missing or non-generating target, a placeholder a row cannot fill", async () => {
    const api = callerFor(d.db, p.owner.principal);
    const v = await upload("estimate-bad");
    const base = { projectId: p.project.id, datasetVersionId: v.id };
    await expect(api.evals.runs.estimate({ ...base, target: { kind: "deployment", name: "nope" } })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("nope"),
    });
    await expect(api.evals.runs.estimate({ ...base, target: { kind: "deployment", name: "vectors" } })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("embedding"),
    });
    await expect(api.evals.runs.estimate({ ...base, target: { kind: "model", name: "ghost", ref: "production" } })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("ghost"),
    });
    await expect(
      api.evals.runs.estimate({
        ...base,
        target: { kind: "deployment", name: "cheap", template: { kind: "chat", text: "{{metadata.topic}}" } },
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/\{\{metadata\.topic\}\}.*row 0/) });
    // over REST: a 400 naming the field
    const res = await handleV1(
      req(`/api/v1/projects/${p.project.slug}/evals/runs/estimate`, {
        method: "POST",
        key,
        json: { datasetVersionId: v.id, target: { kind: "router", name: "missing-router" } },
      }),
    );
    expect(res.status).toBe(400);
    const err = (await res.json()) as { error: { message: string; field?: string } };
    expect(err.error.message).toContain("missing-router");
  });
});
