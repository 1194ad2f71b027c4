import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { expect } from "vitest";
import { createKeelClient } from "../../sdk/index";
import { httpClient } from "./http";

/** What the page sweep's dynamic routes point at: one of each object, seeded through the public API and tRPC. */
export interface Seeded {
  traceId: string;
  sessionId: string;
  userId: string;
  queueId: string;
  model: string;
  version: number;
  experimentId: string;
  runId: string;
  evalRunId: string;
  otherEvalRunId: string;
  tuningJob: number;
  router: string;
  monitorId: string;
  invitePath: string;
  /** a prompt with two versions (text, then chat) and a label */
  prompt: string;
  /** a secret key of the demo project (its page: limits, spend charts) */
  keyId: string;
}

const SENTIMENT = path.resolve(import.meta.dirname, "../fixtures/tuning/sentiment.tsv.gz");

/**
 * Seed the demo project (which `keel start` already gave bundled models, a router, a drift monitor and
 * gateway traffic) with the rest: a chat trace, a queue, an experiment run, two eval runs, a tuning job
 * and an invitation. `app` is the running instance (its URL and the demo secret key).
 */
export async function seedPages(app: { url: string; key: string }): Promise<Seeded> {
  const uniq = randomBytes(4).toString("hex");
  const { call, query, mutate } = httpClient(app);
  const projectId = "demo";

  // a chat trace with a long unbroken id-like string in its output (a phone-width test of its own)
  const traceId = `pages-${uniq}`;
  await call("POST", "/api/v1/ingest", {
    batch: [
      {
        type: "trace",
        id: traceId,
        body: {
          name: "pages sweep chat",
          tags: [`pages-${uniq}`],
          userId: "user-pages-sweep",
          sessionId: `session-${uniq}`,
          input: { messages: [{ role: "user", content: "What do otters eat?" }] },
          output: { role: "assistant", content: `Fish and shellfish. See https://example.com/otters/${"a".repeat(80)}` },
        },
      },
    ],
  });

  // a queue over that trace, on the project's first score (or a new one)
  const configs = await query<{ id: string }[]>("logs.scoreConfigs.list", { projectId });
  const scoreId =
    configs[0]?.id ?? (await mutate<{ id: string }>("logs.scoreConfigs.create", { projectId, name: "helpful", dataType: "boolean" })).id;
  const queue = await mutate<{ id: string }>("logs.queues.create", { projectId, name: `pages sweep ${uniq}`, scoreConfigIds: [scoreId] });
  await mutate("logs.queues.addItems", { projectId, queueId: queue.id, items: { traceIds: [traceId] } });

  // a registered model version: the bundled tiny-gpt2
  const model = "tiny-gpt2";
  const versions = await query<{ items: { version: number }[] }>("registry.versions.list", { projectId, model });
  const version = versions.items[0]?.version ?? 1;

  // an experiment run with a metric series
  const keel = createKeelClient({ baseUrl: app.url, apiKey: app.key });
  const run = await keel.runs.start({ experiment: `pages-sweep-${uniq}`, name: `pages-run-${uniq}`, params: { lr: 0.01, layers: 2 } });
  for (let step = 0; step < 5; step++) run.log({ loss: 1 / (step + 1) }, { step });
  await run.end();

  // a dataset with two versions and a finished eval run on each (the compare page compares them)
  const dataset = `pages-qa-${uniq}`;
  const refs = ["the cat sat on the mat", "otters eat fish and shellfish", "paris is the capital of france"];
  const evalRuns: string[] = [];
  for (const preds of [["a dog ran", "birds like seeds", "rome is old"], refs]) {
    const jsonl = refs.map((r, i) => JSON.stringify({ input: `Question ${i + 1}`, references: [r], prediction: preds[i] })).join("\n");
    const v = await call<{ id: string }>(
      "POST",
      `/api/v1/projects/demo/datasets/${dataset}/versions?format=jsonl`,
      undefined,
      `${jsonl}\n`,
    );
    const r = await mutate<{ id: string }>("evals.runs.create", {
      projectId,
      name: `pages eval ${evalRuns.length + 1} ${uniq}`,
      datasetVersionId: v.id,
    });
    evalRuns.push(r.id);
  }
  // (a loop, not expect.poll: this runs in beforeAll, outside any test)
  for (const runId of evalRuns) {
    let status = "";
    for (let i = 0; i < 240 && status !== "succeeded"; i++) {
      if (i > 0) await new Promise((ok) => setTimeout(ok, 500));
      status = (await query<{ status: string }>("evals.runs.get", { projectId, runId })).status;
    }
    expect(status, `eval run ${runId}`).toBe("succeeded");
  }

  // a tuning job (a head on the bundled embedder), cancelled at once: its page, without minutes of training
  const rows: string[] = [];
  const taken = new Map<string, number>();
  for (const line of zlib.gunzipSync(fs.readFileSync(SENTIMENT)).toString("utf8").split("\n")) {
    const [label, split, text] = line.split("\t");
    if (!text || (label !== "0" && label !== "1") || (taken.get(`${label}/${split}`) ?? 0) >= 20) continue;
    taken.set(`${label}/${split}`, (taken.get(`${label}/${split}`) ?? 0) + 1);
    rows.push(JSON.stringify({ input: text, references: [label === "1" ? "positive" : "negative"], metadata: { split } }));
  }
  const tuneSet = `pages-sentiment-${uniq}`;
  await call("POST", `/api/v1/projects/demo/datasets/${tuneSet}/versions?format=jsonl`, undefined, `${rows.join("\n")}\n`);
  const job = await mutate<{ number: number }>("tuning.create", {
    projectId,
    method: "head",
    base: { model: "tiny-bert-embed", version: 1 },
    dataset: { name: tuneSet },
    outputModel: `pages-head-${uniq}`,
  });
  await mutate("tuning.cancel", { projectId, job: job.number });

  // a prompt with two versions: its page lists, shows and diffs them
  const prompt = `pages-prompt-${uniq}`;
  await keel.prompts.create({ name: prompt, prompt: "Answer: {{question}}", config: { temperature: 0.2 }, labels: ["production"] });
  await keel.prompts.create({
    name: prompt,
    messages: [
      { role: "system", content: `Be brief. ${"Long unbroken words stay in their card: ".repeat(3)}${"x".repeat(120)}` },
      { role: "user", content: "{{question}}" },
    ],
    config: { temperature: 0, max_tokens: 64 },
    commitMessage: "chat form",
  });

  // the demo's router and drift monitor
  const routers = await query<{ name: string }[]>("routing.list", { projectId });
  const monitors = await query<{ items: { id: string }[] }>("drift.monitors.list", { projectId });
  expect(routers.length, "the demo seeds a router").toBeGreaterThan(0);
  expect(monitors.items.length, "the demo seeds a drift monitor").toBeGreaterThan(0);

  // a secret key with gateway limits (the keys table's summary, the key's page)
  const limited = await mutate<{ view: { id: string } }>("workspace.keys.create", {
    projectId,
    name: `pages limited ${uniq}`,
    kind: "secret",
    rpm: 60,
    tpm: 100_000,
    budgetUsd: 5,
    budgetPeriod: "month",
    budgetMode: "hard",
    allowedModels: ["tiny-gpt2", "router:demo-router"],
    expiresAt: new Date(Date.now() + 365 * 86_400_000).toISOString(),
  });

  // an invitation, opened by the demo user (it is for someone else: the page says so)
  const { invitation } = await call<{ invitation: { url: string } }>("POST", "/api/v1/projects/demo/members", {
    email: `invitee-${uniq}@example.com`,
    role: "viewer",
  });

  return {
    traceId,
    sessionId: `session-${uniq}`,
    userId: "user-pages-sweep",
    queueId: queue.id,
    model,
    version,
    experimentId: run.experimentId,
    runId: run.id,
    evalRunId: evalRuns[1] ?? "",
    otherEvalRunId: evalRuns[0] ?? "",
    tuningJob: job.number,
    router: routers[0]?.name ?? "",
    monitorId: monitors.items[0]?.id ?? "",
    invitePath: new URL(invitation.url).pathname,
    prompt,
    keyId: limited.view.id,
  };
}
