import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { startWorker, type WorkerHandle } from "../../server/core/worker";
import { evalRunJob } from "../../server/evals";
import { handleV1 } from "../../server/http/v1";
import { createPrompt, registerBundled } from "../../server/registry";
import { seedDeployments } from "../../server/serving";
import { SYSTEM_ACTOR } from "../../server/workspace";
import { callerFor, makeKey, makeProject, req } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";
import { runEnded, uploadRows } from "../helpers/eval-runs";
import { waitFor } from "../helpers/wait";

/**
 * Eval runs that take a registry prompt version as their template, on the bundled tiny-gpt2 served by
 * a local deployment: two versions compared with the paired bootstrap, and a guarded label move
 * gated on the run linked to the version it would move to.
 */
let d: TestDatabase;
let worker: WorkerHandle;
let p: Awaited<ReturnType<typeof makeProject>>;
let key: string;

beforeAll(async () => {
  d = await freshRuntimeDatabase();
  worker = await startWorker({ url: d.url, jobs: [evalRunJob], pollIntervalMs: 200 });
  p = await makeProject(d.db);
  key = (await makeKey(d.db, p.project.id, p.owner.user.id, "owner")).key;
  await registerBundled(d.db, SYSTEM_ACTOR, p.project.id, path.resolve("models"));
  await seedDeployments(d.db, SYSTEM_ACTOR, p.project.id);
});
afterAll(async () => {
  await worker?.stop();
  await d?.drop();
});

type Prompt = Parameters<typeof createPrompt>[3];
const newVersion = (input: Prompt) => createPrompt(d.db, SYSTEM_ACTOR, p.project.id, input);
const rows = [
  { input: { question: "Hello, my name is", who: "Ann" }, references: ["Ann"] },
  { input: { question: "The weather today", who: "Bob" }, references: ["is fine"] },
  { input: { question: "Once upon a time", who: "Cy" }, references: ["there was"] },
];
// a GPT-2 token never holds a space between two other characters: one token never matches this
const multiword = { kind: "regex" as const, name: "multiword", pattern: "\\S\\s+\\S" };
const labelMove = (name: string, version: number) =>
  handleV1(req(`/api/v1/prompts/${name}/labels/production`, { method: "PUT", key, json: { version } }));

describe("eval runs with a prompt version as their template", () => {
  it("renders each row through the version, stores the version, compares v1 with v2 and gates the label move", async () => {
    const api = callerFor(d.db, p.owner.principal);
    const P = { projectId: p.project.id };
    const v = await uploadRows(p.project.slug, key, "questions", rows);
    // v1: a text prompt (one user message to the chat deployment); v2: chat messages, one token an answer
    await newVersion({ name: "qa", prompt: "Question: {{question}}", config: { max_tokens: 8, temperature: 0 }, labels: ["production"] });
    await newVersion({
      name: "qa",
      messages: [
        { role: "system", content: "Answer {{who}} briefly." },
        { role: "user", content: "{{question}}" },
      ],
      config: { max_tokens: 1 },
    });
    const run = (name: string, prompt: { name: string; label?: string; version?: number }) =>
      api.evals.runs.create({
        ...P,
        name,
        datasetVersionId: v.id,
        metrics: { rouge: {} },
        scorers: [multiword],
        target: { kind: "deployment", name: "tiny-gpt2", prompt, params: { temperature: 0 } },
      });
    const a = await run("qa@production", { name: "qa" });
    const b = await run("qa:2", { name: "qa", version: 2 });
    expect(a.target).toMatchObject({ kind: "deployment", prompt: { name: "qa", version: 1, label: "production" } });
    expect(b.target).toMatchObject({ prompt: { name: "qa", version: 2 } });
    for (const id of [a.id, b.id]) expect(await runEnded(d.db, id)).toMatchObject({ status: "succeeded", error: null });

    const itemsA = await api.evals.runs.items({ ...P, runId: a.id });
    const itemsB = await api.evals.runs.items({ ...P, runId: b.id });
    expect(itemsA).toHaveLength(3);
    expect(itemsB).toHaveLength(3);
    for (const it of [...itemsA, ...itemsB]) expect(it.error).toBeNull();
    // v2's config (max_tokens 1) applied: every answer one token; v1's eight tokens hold words
    for (const it of itemsB) expect(it.scores["regex.multiword"]).toBe(0);
    expect(itemsA.some((it) => it.scores["regex.multiword"] === 1)).toBe(true);
    // what was sent: the traces hold the rendered version (v2's system message names the row's `who`)
    // (traces are written in batches: waited for)
    const trace = await waitFor("the item's trace", async () => {
      const [t] = await d.db
        .select()
        .from(schema.traces)
        .where(eq(schema.traces.id, itemsB[0]?.traceId as string));
      return t;
    });
    expect(JSON.stringify(trace)).toContain("Answer Ann briefly.");
    // and, as a gateway call's prompt_id does, the version that made it
    expect(trace?.promptVersionId).toBe((b.target as { prompt?: { id: string } }).prompt?.id);

    // an estimate renders through the version as the run did: its answers are cached, its budget the version's
    const est = await api.evals.runs.estimate({
      ...P,
      datasetVersionId: v.id,
      target: { kind: "deployment", name: "tiny-gpt2", prompt: { name: "qa", version: 2 }, params: { temperature: 0 } },
    });
    expect(est).toMatchObject({ items: 3, cached: 3, maxTokensPerItem: 1 });

    // the paired bootstrap over the same rows, each side naming its prompt version
    const cmp = await api.evals.runs.compare({ ...P, aRunId: a.id, bRunId: b.id, focus: "rougeL.fmeasure" });
    expect(cmp.items).toBe(3);
    expect(cmp.a).toMatchObject({ target: "deployment:tiny-gpt2", prompt: { name: "qa", version: 1 } });
    expect(cmp.b).toMatchObject({ prompt: { name: "qa", version: 2 } });
    expect(cmp.figures["regex.multiword"]?.mean).toBeLessThan(0);
    expect(cmp.figures["rougeL.fmeasure"]).toBeDefined();

    // the label's gate reads the run linked to the version a move would point it at
    const gate = await api.evals.gates.create({ ...P, name: "wordy", rules: ["regex.multiword >= 0.5"] });
    await api.registry.approvals.setPolicy({
      ...P,
      model: "qa",
      aliases: ["production"],
      requiredApprovals: 0,
      approverRoles: ["owner"],
      gateIds: [gate.id],
    });
    const blocked = await labelMove("qa", 2);
    expect(blocked.status).toBe(412);
    expect(((await blocked.json()) as { error: { message: string } }).error.message).toMatch(/gate wordy: regex\.multiword >= 0\.5/);
    // a version with no run linked fails its gate too
    await newVersion({ name: "qa", prompt: "Question: {{question}}", config: { max_tokens: 6, temperature: 0 } });
    const unrun = await labelMove("qa", 3);
    expect(unrun.status).toBe(412);
    expect(((await unrun.json()) as { error: { message: string } }).error.message).toMatch(/no succeeded eval run linked/);
    // v3 (v1's wording, six tokens an answer) is run: linked to it, its figure clears the gate, the label moves
    const c = await run("qa:3", { name: "qa", version: 3 });
    expect(await runEnded(d.db, c.id)).toMatchObject({ status: "succeeded" });
    const itemsC = await api.evals.runs.items({ ...P, runId: c.id });
    expect(itemsC.filter((it) => it.scores["regex.multiword"] === 1).length).toBeGreaterThanOrEqual(2);
    const moved = await labelMove("qa", 3);
    expect(moved.status).toBe(200);
    expect(await moved.json()).toMatchObject({ status: "moved", alias: "production", version: 3 });

    // the label moved; the first run still names the version it used
    const view = await api.evals.runs.get({ ...P, runId: a.id });
    expect(view.prompt).toEqual({ id: expect.any(String), name: "qa", version: 1, label: "production" });
  });

  it("fails the item, not the run, where a row lacks a variable the prompt uses", async () => {
    const api = callerFor(d.db, p.owner.principal);
    const v = await uploadRows(p.project.slug, key, "topics", [
      { input: { topic: "cats" }, references: ["meow"] },
      { input: { subject: "dogs" }, references: ["woof"] },
      { input: "plain text", references: ["text"] },
    ]);
    await newVersion({ name: "topic", prompt: "Tell me about {{topic}}", config: { max_tokens: 4 } });
    await newVersion({ name: "plain", prompt: "Say {{input}}", config: { max_tokens: 4 } });
    const run = await api.evals.runs.create({
      projectId: p.project.id,
      name: "topic:1",
      datasetVersionId: v.id,
      metrics: { rouge: {} },
      target: { kind: "deployment", name: "tiny-gpt2", prompt: { name: "topic", version: 1 } },
    });
    const ended = await runEnded(d.db, run.id);
    expect(ended).toMatchObject({ status: "succeeded", aggregates: { failed: 2 } });
    const items = await api.evals.runs.items({ projectId: p.project.id, runId: run.id });
    expect(items[0]?.error).toBeNull();
    expect(items[0]?.prediction.length).toBeGreaterThan(0);
    expect(items[1]?.error).toBe("prompt topic version 1: variable topic is missing in the row's input");
    expect(items[2]?.error).toMatch(/variable topic is missing/);

    // a string input fills {{input}}; an object without an `input` key does not
    const plain = await api.evals.runs.create({
      projectId: p.project.id,
      name: "plain:1",
      datasetVersionId: v.id,
      metrics: { rouge: {} },
      target: { kind: "deployment", name: "tiny-gpt2", prompt: { name: "plain", version: 1 } },
    });
    await runEnded(d.db, plain.id);
    const plainItems = await api.evals.runs.items({ projectId: p.project.id, runId: plain.id });
    expect(plainItems.map((it) => it.error === null)).toEqual([false, false, true]);
  });

  it("refuses a template with a prompt (400 naming prompt) and an unknown prompt, label or version (404 naming it)", async () => {
    const v = await uploadRows(p.project.slug, key, "refusals", [{ input: { question: "Hi" }, references: ["Hello"] }]);
    await newVersion({ name: "known", prompt: "{{question}}" });
    const post = (target: unknown) =>
      handleV1(
        req(`/api/v1/projects/${p.project.slug}/evals/runs`, {
          method: "POST",
          key,
          json: { name: "bad", datasetVersionId: v.id, metrics: { rouge: {} }, target },
        }),
      );
    const refusal = async (target: unknown) => {
      const res = await post(target);
      return { status: res.status, ...((await res.json()) as { error: { message: string; field?: string } }).error };
    };
    const dep = { kind: "deployment", name: "tiny-gpt2" };
    expect(await refusal({ ...dep, template: { kind: "chat", text: "{{input}}" }, prompt: { name: "known" } })).toMatchObject({
      status: 400,
      field: "target.prompt",
      message: "give template or prompt, not both",
    });
    expect(await refusal({ ...dep, prompt: { name: "nope" } })).toMatchObject({
      status: 404,
      field: "target.prompt.name",
      message: expect.stringContaining("nope"),
    });
    // `known` has no production label: the default label is named
    expect(await refusal({ ...dep, prompt: { name: "known" } })).toMatchObject({
      status: 404,
      field: "target.prompt.label",
      message: "label production of prompt known not found",
    });
    expect(await refusal({ ...dep, prompt: { name: "known", version: 9 } })).toMatchObject({
      status: 404,
      field: "target.prompt.version",
      message: "version 9 of prompt known not found",
    });
    expect(await refusal({ ...dep, prompt: { name: "known", label: "x", version: 1 } })).toMatchObject({
      status: 400,
      field: "target.prompt.version",
    });
    // a model is not a prompt
    expect(await refusal({ ...dep, prompt: { name: "tiny-gpt2" } })).toMatchObject({
      field: "target.prompt.name",
      message: expect.stringContaining("tiny-gpt2"),
    });
  });
});
