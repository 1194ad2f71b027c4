import path from "node:path";
import { AutoModelForCausalLM, AutoTokenizer, Tensor } from "@huggingface/transformers";
import { and, count, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { startWorker, type WorkerHandle } from "../../server/core/worker";
import { evalRunJob } from "../../server/evals";
import { registerBundled } from "../../server/registry";
import { createDeployment, createProvider, seedDeployments } from "../../server/serving";
import { describeError } from "../../server/trpc/errors";
import { SYSTEM_ACTOR, setInstanceSetting } from "../../server/workspace";
import { callerFor, makeKey, makeProject } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";
import { answerOf, runEnded, startUpstream, uploadRows } from "../helpers/eval-runs";
import { waitFor } from "../helpers/wait";

/**
 * Eval run scorers against real parts: tiny-gpt2 as a judge through the gateway (its verdict from
 * the options' log-probabilities), tiny-bert-embed for embedding similarity, regex and JSON checks;
 * and a provider judge (a loopback OpenAI-compatible server) that answers text without log-probabilities.
 */
/** A provider judge that answers in words: a verdict for the answer about Paris, none for the others; "strict" refuses log-probabilities. */
function startJudgeUpstream() {
  return startUpstream((call) => {
    const content = call.body.messages?.at(-1)?.content ?? "";
    if (call.model === "strict" && "logprobs" in call.body)
      return { status: 400, body: { error: { message: "logprobs is not supported", type: "invalid_request_error", param: "logprobs" } } };
    const answer = content.includes("Answer: Paris") ? "The answer names the capital. Verdict: yes" : "I cannot tell from this.";
    return answerOf(call, answer, { prompt_tokens: 10, completion_tokens: 5 });
  });
}

let d: TestDatabase;
let worker: WorkerHandle;
let upstream: Awaited<ReturnType<typeof startJudgeUpstream>>;
let p: Awaited<ReturnType<typeof makeProject>>;
let key: string;

beforeAll(async () => {
  d = await freshRuntimeDatabase();
  await setInstanceSetting(d.db, SYSTEM_ACTOR, "egress.allow", ["127.0.0.0/8"]);
  upstream = await startJudgeUpstream();
  worker = await startWorker({ url: d.url, jobs: [evalRunJob], pollIntervalMs: 200 });
  p = await makeProject(d.db);
  const projectId = p.project.id;
  key = (await makeKey(d.db, projectId, p.owner.user.id, "owner")).key;
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
  const prices = { inputPricePer1k: 0, outputPricePer1k: 0 };
  await createDeployment(d.db, SYSTEM_ACTOR, projectId, { ...dep, ...prices, name: "judge-text", task: "chat", providerModel: "words" });
  await createDeployment(d.db, SYSTEM_ACTOR, projectId, { ...dep, ...prices, name: "judge-strict", task: "chat", providerModel: "strict" });
});
afterAll(async () => {
  await worker?.stop();
  await upstream?.close();
  await d?.drop();
});

const rows = [
  {
    input: { question: "capital of France" },
    references: ["Paris", "Paris, France"],
    prediction: '{"city": "Paris"}',
    metadata: { lang: "en" },
  },
  { input: { question: "capital of Italy" }, references: ["Rome"], prediction: "Rome", metadata: { lang: "en" } },
  {
    input: { question: "capital of Spain" },
    references: ["Madrid"],
    prediction: '```json\n{"capital": "Madrid"}\n```',
    metadata: { lang: "es" },
  },
  { input: { question: "capital of Peru" }, references: ["Lima"], prediction: "paris, probably", metadata: { lang: "es" } },
];

const upload = (name: string, lines: unknown[]) => uploadRows(p.project.slug, key, name, lines);
const ended = (runId: string) => runEnded(d.db, runId);

const judgeTraces = (runId: string, n: number) =>
  waitFor("the judge's traces", async () => {
    const list = await d.db
      .select()
      .from(schema.traces)
      .where(and(eq(schema.traces.projectId, p.project.id), sql`${schema.traces.tags} @> ARRAY[${`eval-judge:${runId}`}]::text[]`));
    return list.length >= n ? list : null;
  });

const rubric = "Question: {{input.question}}\nReference: {{references.0}}\nAnswer: {{output}}\nIs the answer correct?";
const yesNo = {
  kind: "categorical" as const,
  options: [
    { label: "yes", score: 1 },
    { label: "no", score: 0 },
  ],
};

/** log P(continuation | prompt) under tiny-gpt2, computed here with transformers.js alone (not Keel's serving code). */
async function continuationLogprob(prompt: string, continuation: string): Promise<number> {
  const dir = path.resolve("models/tiny-gpt2");
  const tokenizer = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
  const model = await AutoModelForCausalLM.from_pretrained(dir, { local_files_only: true, dtype: "fp32" });
  const head = tokenizer.encode(prompt);
  const all = tokenizer.encode(prompt + continuation);
  expect(all.slice(0, head.length)).toEqual(head); // the option starts on a token boundary
  const ids = BigInt64Array.from(all.map(BigInt));
  const out = (await model({
    input_ids: new Tensor("int64", ids, [1, all.length]),
    attention_mask: new Tensor("int64", new BigInt64Array(all.length).fill(1n), [1, all.length]),
  })) as { logits: { data: Float32Array; dims: number[] } };
  const V = out.logits.dims.at(-1) as number;
  let sum = 0;
  for (let i = head.length; i < all.length; i++) {
    const row = Array.from(out.logits.data.subarray((i - 1) * V, i * V));
    const max = Math.max(...row);
    const lse = max + Math.log(row.reduce((a, x) => a + Math.exp(x - max), 0));
    sum += (row[all[i] as number] as number) - lse;
  }
  await model.dispose();
  return sum;
}

type Detail = Record<string, unknown>;

describe("eval run scorers", () => {
  it("judges with tiny-gpt2 by the options' log-probabilities, and scores embedding similarity, regex and JSON", async () => {
    const api = callerFor(d.db, p.owner.principal);
    // an empty answer (nothing like its reference), and one whose characters are split across tokens
    const v = await upload("capitals", [
      ...rows,
      { input: { question: "capital of Chile" }, references: ["Santiago"], prediction: "" },
      { input: { question: "capital of Japan" }, references: ["Tokyo"], prediction: "東京 (Tōkyō) 🎌" },
    ]);
    const run = await api.evals.runs.create({
      projectId: p.project.id,
      name: "scored",
      datasetVersionId: v.id,
      metrics: {},
      scorers: [
        { kind: "judge", name: "correct", deployment: "tiny-gpt2", rubric, verdict: yesNo },
        { kind: "judge", name: "scale", deployment: "tiny-gpt2", rubric, verdict: { kind: "numeric", min: 1, max: 10 }, reasoning: true },
        { kind: "embedding", name: "sim", deployment: "tiny-bert-embed" },
        { kind: "regex", name: "paris", pattern: "\\bparis\\b", flags: "i" },
        { kind: "json", name: "city", requiredKeys: ["city"] },
      ],
    });
    const done = await ended(run.id);
    expect(done).toMatchObject({ status: "succeeded", error: null });
    const items = await api.evals.runs.items({ projectId: p.project.id, runId: run.id });
    expect(items).toHaveLength(6);

    // every item gets a verdict from the options' log-probabilities, the likeliest option's score
    for (const it of items) {
      const det = it.details?.["judge.correct"] as Detail;
      expect(det).toMatchObject({ method: "logprobs", scoring: "continuation" });
      const lps = det.logprobs as { label: string; logprob: number }[];
      expect(lps.map((o) => o.label)).toEqual(["yes", "no"]);
      expect(lps.every((o) => Number.isFinite(o.logprob) && o.logprob < 0)).toBe(true);
      const best = (lps[0]?.logprob as number) >= (lps[1]?.logprob as number) ? "yes" : "no";
      expect(det.verdict).toBe(best);
      expect(it.scores["judge.correct"]).toBe(best === "yes" ? 1 : 0);

      const scale = it.details?.["judge.scale"] as Detail;
      expect(scale).toMatchObject({ method: "logprobs", scoring: "continuation" });
      expect(typeof scale.reasoning).toBe("string");
      const nums = scale.logprobs as { label: string; logprob: number }[];
      expect(nums.map((o) => o.label)).toEqual(["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]);
      const top = [...nums].sort((a, b) => b.logprob - a.logprob)[0];
      expect(it.scores["judge.scale"]).toBe(Number(top?.label));
    }

    // the judge's calls are traces tagged with the run; each holds one prompt per option, and the
    // stored log-probabilities are the options' own under the model, recomputed here independently
    const traces = await judgeTraces(run.id, 6 + 6 * 2);
    for (const [idx, answer] of [
      [0, 'Answer: {"city": "Paris"}\nIs the answer correct?'],
      [5, "Answer: 東京 (Tōkyō) 🎌\nIs the answer correct?"],
    ] as const) {
      const det = items[idx]?.details?.["judge.correct"] as Detail;
      const prompts = traces.find((t) => t.id === det.traceId)?.input as string[];
      expect(prompts).toHaveLength(2);
      expect(prompts[0]).toContain(answer);
      const prompt = (prompts[0] as string).slice(0, -" yes".length);
      expect(prompts[1]).toBe(`${prompt} no`);
      const [yes, no] = det.logprobs as { label: string; logprob: number }[];
      expect(yes?.logprob).toBeCloseTo(await continuationLogprob(prompt, " yes"), 3);
      expect(no?.logprob).toBeCloseTo(await continuationLogprob(prompt, " no"), 3);
    }

    // embedding similarity: the closest reference; an answer that is its reference scores 1
    const sim = items.map((i) => i.scores["embedding.sim"] as number);
    expect(sim[1]).toBeCloseTo(1, 5);
    expect(sim.every((x) => x >= -1 && x <= 1 + 1e-9)).toBe(true);
    expect(sim[1]).toBeGreaterThan(sim[3] as number);
    expect(items[1]?.details?.["embedding.sim"]).toEqual({ closest: 0 });
    expect(items[4]?.scores["embedding.sim"]).toBe(0);
    expect(items[4]?.details?.["embedding.sim"]).toEqual({ reason: "the answer is empty" });

    expect(items.map((i) => i.scores["regex.paris"])).toEqual([1, 0, 0, 1, 0, 0]);
    expect(items.map((i) => i.scores["json.city"])).toEqual([1, 0, 0, 0, 0, 0]);
    expect(items[2]?.details?.["json.city"]).toMatchObject({ reason: "missing keys: city" });
    expect(items[3]?.details?.["json.city"]?.reason).toMatch(/^not JSON/);

    const agg = done.aggregates as { means: Record<string, { n: number; mean: number }>; unscored?: unknown };
    for (const k of ["judge.correct", "judge.scale", "embedding.sim", "regex.paris", "json.city"]) expect(agg.means[k]?.n).toBe(6);
    expect(agg.means["regex.paris"]?.mean).toBeCloseTo(2 / 6, 12);
    expect(agg.unscored).toBeUndefined();
  });

  it("reads a provider judge's text verdict; one it cannot parse is unscored and counted, never zero", async () => {
    const api = callerFor(d.db, p.owner.principal);
    const v = await upload("capitals-text", rows);
    const judge = (name: string, deployment: string) => ({ kind: "judge" as const, name, deployment, rubric, verdict: yesNo });
    const run = await api.evals.runs.create({
      projectId: p.project.id,
      name: "text judge",
      datasetVersionId: v.id,
      metrics: {},
      scorers: [judge("words", "judge-text"), judge("strict", "judge-strict")],
    });
    const done = await ended(run.id);
    expect(done.status).toBe("succeeded");
    const items = await api.evals.runs.items({ projectId: p.project.id, runId: run.id });
    // the answer "{"city": "Paris"}" has no "Answer: Paris" line; only the upstream's own rule decides
    for (const key of ["judge.words", "judge.strict"]) {
      for (const it of items) {
        const det = it.details?.[key] as Detail;
        expect(det).toMatchObject({ unscored: true, raw: "I cannot tell from this." });
        expect(det.reason).toMatch(/none of the options \(yes, no\)/);
        expect(key in it.scores).toBe(false);
      }
    }
    const agg = done.aggregates as { means: Record<string, unknown>; unscored: Record<string, number> };
    expect(agg.unscored).toEqual({ "judge.words": 4, "judge.strict": 4 });
    expect(agg.means["judge.words"]).toBeUndefined();

    // a parsable answer: the provider's words give the verdict
    const v2 = await upload("capitals-words", [{ ...rows[1], prediction: "Paris" }, rows[1]]);
    const run2 = await api.evals.runs.create({
      projectId: p.project.id,
      name: "text judge 2",
      datasetVersionId: v2.id,
      metrics: {},
      scorers: [judge("words", "judge-text"), judge("strict", "judge-strict")],
    });
    const done2 = await ended(run2.id);
    const items2 = await api.evals.runs.items({ projectId: p.project.id, runId: run2.id });
    for (const key of ["judge.words", "judge.strict"]) {
      expect(items2[0]?.details?.[key]).toMatchObject({
        verdict: "yes",
        method: "text",
        raw: "The answer names the capital. Verdict: yes",
      });
      expect(items2[0]?.scores[key]).toBe(1);
      expect(items2[1]?.details?.[key]).toMatchObject({ unscored: true });
    }
    expect((done2.aggregates as { unscored: Record<string, number> }).unscored).toEqual({ "judge.words": 1, "judge.strict": 1 });
    // log-probabilities were asked for; the strict provider refused them (400) and was asked for text alone
    const strict = upstream.calls.filter((c) => c.model === "strict");
    expect(strict.some((c) => c.body.logprobs === true)).toBe(true);
    expect(strict.filter((c) => !("logprobs" in c.body)).length).toBeGreaterThanOrEqual(2);
    const words = upstream.calls.filter((c) => c.model === "words");
    expect(words.every((c) => c.body.logprobs === true && c.body.top_logprobs === 20)).toBe(true);
    // traced and tagged with the run
    await judgeTraces(run2.id, 4);
  });

  it("refuses a bad scorer with a 400 naming its field, and writes nothing", async () => {
    const api = callerFor(d.db, p.owner.principal);
    const v = await upload("capitals-bad", rows);
    const base = { projectId: p.project.id, name: "bad", datasetVersionId: v.id, metrics: {} };
    const runsBefore = (await d.db.select({ n: count() }).from(schema.evalRuns))[0]?.n;
    const judge = { kind: "judge" as const, name: "j", deployment: "tiny-gpt2", rubric, verdict: yesNo };
    const cases: [unknown, string, RegExp][] = [
      [{ ...judge, deployment: "nope" }, "scorers.0.deployment", /nope/],
      [{ ...judge, deployment: "tiny-bert-embed" }, "scorers.0.deployment", /generates text/],
      [{ ...judge, verdict: undefined }, "scorers.0.verdict", /verdict format/],
      [{ ...judge, rubric: "{{output}} in {{metadata.topic}}" }, "scorers.0.rubric", /\{\{metadata\.topic\}\}.*row 0/],
      [{ ...judge, rubric: "Is it right? {{input.question}}" }, "scorers.0.rubric", /no \{\{output\}\}/],
      [{ ...judge, verdict: { kind: "numeric", min: 5, max: 1 } }, "scorers.0.verdict.max", /max above min/],
      [
        { ...judge, verdict: { kind: "categorical", options: [yesNo.options[0], { label: "YES", score: 0 }] } },
        "scorers.0.verdict.options.1.label",
        /a second option/,
      ],
      [{ kind: "embedding", name: "e", deployment: "nope" }, "scorers.0.deployment", /nope/],
      [{ kind: "embedding", name: "e", deployment: "tiny-gpt2" }, "scorers.0.deployment", /embedding deployment/],
      [{ kind: "regex", name: "r", pattern: "(unclosed" }, "scorers.0.pattern", /does not compile/],
    ];
    // as a client sees it: a 400, the message and the field
    const refusal = async (scorer: unknown) =>
      describeError(await api.evals.runs.create({ ...base, scorers: [scorer as never] }).catch((e: unknown) => e));
    for (const [scorer, field, message] of cases) {
      const { status, body } = await refusal(scorer);
      expect(status, field).toBe(400);
      expect(body.message, field).toMatch(message);
      expect(body.field, field).toBe(field);
    }
    // a pattern over 500 characters and a categorical verdict of one option are refused by the input schema, naming them
    const long = await refusal({ kind: "regex", name: "r", pattern: "a".repeat(501) });
    expect(long).toMatchObject({ status: 400, body: { field: "scorers.0.pattern" } });
    const one = await refusal({ ...judge, verdict: { kind: "categorical", options: [yesNo.options[0]] } });
    expect(one).toMatchObject({
      status: 400,
      body: { field: "scorers.0.verdict.options", message: expect.stringContaining("2 to 10 options") },
    });
    expect((await d.db.select({ n: count() }).from(schema.evalRuns))[0]?.n).toBe(runsBefore);
  });
});
