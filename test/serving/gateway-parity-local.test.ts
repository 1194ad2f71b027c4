import path from "node:path";
import { AutoTokenizer } from "@huggingface/transformers";
import { count, eq } from "drizzle-orm";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { registerBundled } from "../../server/registry";
import { createDeployment, seedDeployments } from "../../server/serving";
import { SYSTEM_ACTOR } from "../../server/workspace";
import { makeKey, makeProject } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";
import { waitFor } from "../helpers/wait";
import { type KeelServer, startKeel } from "../sdk/helpers";

/**
 * OpenAI parity of the gateway on the bundled local models (issue 16), through the real `openai`
 * client: n choices, log-probabilities, token-array and list prompts decoded with the model's
 * tokenizer, `dimensions`, the trace id on streams, and a 400 naming every parameter a local model
 * cannot honour (none is silently dropped).
 */
let d: TestDatabase;
let keel: KeelServer;
let projectId: string;
let key: string;
beforeAll(async () => {
  d = await freshRuntimeDatabase();
  keel = await startKeel();
  const p = await makeProject(d.db);
  projectId = p.project.id;
  key = (await makeKey(d.db, projectId, p.owner.user.id, "engineer")).key;
  await registerBundled(d.db, SYSTEM_ACTOR, projectId, path.resolve("models"));
  await seedDeployments(d.db, SYSTEM_ACTOR, projectId);
  // the same model, declared as trained for shortened vectors (Matryoshka): `dimensions` truncates
  await createDeployment(d.db, SYSTEM_ACTOR, projectId, {
    name: "embed-short",
    kind: "local",
    task: "embedding",
    modelName: "tiny-bert-embed",
    modelRef: "production",
    inputPricePer1k: 0,
    outputPricePer1k: 0,
    defaults: { matryoshka: true },
    batching: { windowMs: 5, maxBatch: 16 },
  });
});
afterAll(async () => {
  await keel?.close();
  await d?.drop();
});

const openai = () => new OpenAI({ apiKey: key, baseURL: `${keel.url}/api/v1`, maxRetries: 0 });
const messages = [{ role: "user" as const, content: "The capital of France is" }];
const model = "tiny-gpt2";
const tokenizer = (name: string) => AutoTokenizer.from_pretrained(path.resolve("models", name), { local_files_only: true });

/** Past the gateway's log linger: every call made so far has written its trace. */
const settle = () => new Promise((r) => setTimeout(r, 300));
const traceCount = async () =>
  (await d.db.select({ n: count() }).from(schema.traces).where(eq(schema.traces.projectId, projectId)))[0]?.n ?? 0;
const traceOf = (id: string | null) =>
  waitFor(
    `trace ${id}`,
    async () =>
      (
        await d.db
          .select()
          .from(schema.traces)
          .where(eq(schema.traces.id, id ?? ""))
      )[0],
  );

async function failure(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    return e as InstanceType<typeof OpenAI.APIError>;
  }
  throw new Error("expected an error");
}

describe("n choices on a local model", () => {
  it("generates n choices (the prompt counted once), seeded choice k with seed + k, whole and streamed", async () => {
    const one = await openai().chat.completions.create({ model, messages, max_tokens: 6 });
    const text = one.choices[0]?.message.content;
    const three = await openai().chat.completions.create({ model, messages, max_tokens: 6, n: 3 });
    expect(three.choices.map((c) => [c.index, c.message.content])).toEqual([0, 1, 2].map((i) => [i, text]));
    expect(three.usage?.prompt_tokens).toBe(one.usage?.prompt_tokens);
    expect(three.usage?.completion_tokens).toBe(3 * (one.usage?.completion_tokens ?? 0));

    const sampled = (n: number, seed: number) =>
      openai()
        .chat.completions.create({ model, messages, max_tokens: 8, n, temperature: 1, seed })
        .then((r) => r.choices.map((c) => c.message.content));
    const a = await sampled(2, 7);
    expect(await sampled(2, 7)).toEqual(a);
    expect((await sampled(1, 8))[0]).toBe(a[1]);

    const { data: stream, response } = await openai()
      .chat.completions.create({ model, messages, max_tokens: 6, n: 2, stream: true, stream_options: { include_usage: true } })
      .withResponse();
    const texts: string[] = [];
    const finished: number[] = [];
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      for (const c of chunk.choices) {
        texts[c.index] = (texts[c.index] ?? "") + (c.delta.content ?? "");
        if (c.finish_reason) finished.push(c.index);
      }
      usage = chunk.usage ?? usage;
    }
    expect(texts).toEqual([text, text]);
    expect(finished.sort()).toEqual([0, 1]);
    expect(usage?.completion_tokens).toBe(2 * (one.usage?.completion_tokens ?? 0));
    // the trace id came with the headers, before the body; the trace holds both choices
    const trace = await traceOf(response.headers.get("x-keel-trace-id"));
    expect(trace.output).toEqual([
      { role: "assistant", content: text },
      { role: "assistant", content: text },
    ]);
  });
});

describe("log-probabilities on a local model", () => {
  it("answers chat logprobs with top_logprobs, whole and streamed, and legacy completion logprobs", async () => {
    const r = await openai().chat.completions.create({ model, messages, max_tokens: 6, logprobs: true, top_logprobs: 3 });
    const choice = r.choices[0] as OpenAI.ChatCompletion["choices"][number];
    const content = choice.logprobs?.content ?? [];
    expect(content).toHaveLength(r.usage?.completion_tokens ?? -1);
    if (!content.some((t) => t.token.includes("\uFFFD"))) expect(content.map((t) => t.token).join("")).toBe(choice.message.content);
    for (const t of content) {
      expect(t.logprob).toBeLessThanOrEqual(0);
      expect(t.top_logprobs).toHaveLength(3);
      // greedy: the chosen token is the likeliest
      expect(t.top_logprobs[0]?.token).toBe(t.token);
      expect(t.top_logprobs[0]?.logprob).toBeCloseTo(t.logprob, 5);
      const lps = t.top_logprobs.map((x) => x.logprob);
      expect([...lps].sort((x, y) => y - x)).toEqual(lps);
    }

    const stream = await openai().chat.completions.create({ model, messages, max_tokens: 6, logprobs: true, stream: true });
    const streamed: OpenAI.ChatCompletionTokenLogprob[] = [];
    for await (const chunk of stream) streamed.push(...(chunk.choices[0]?.logprobs?.content ?? []));
    expect(streamed.map((t) => [t.token, t.logprob])).toEqual(content.map((t) => [t.token, t.logprob]));
    expect(streamed.every((t) => t.top_logprobs.length === 0)).toBe(true);

    const c = await openai().completions.create({ model, prompt: "Hello, my name is", max_tokens: 5, logprobs: 2 });
    const lp = c.choices[0]?.logprobs;
    expect(lp?.tokens).toHaveLength(c.usage?.completion_tokens ?? -1);
    expect(lp?.token_logprobs).toHaveLength(lp?.tokens?.length ?? -1);
    expect(lp?.text_offset?.[0]).toBe(0);
    for (const top of lp?.top_logprobs ?? []) expect(Object.keys(top).length).toBeLessThanOrEqual(2);
    expect(r.choices[0]?.logprobs).not.toBeNull();
  });
});

describe("prompts and inputs as lists and token ids on a local model", () => {
  it("decodes token-array prompts with the model's tokenizer; a list of prompts gives n choices each, in index order", async () => {
    const gpt = await tokenizer("tiny-gpt2");
    const prompts = ["Hello, my name is", "The capital of France is"];
    const ids = prompts.map((p) => gpt.encode(p));
    const byText = await Promise.all(
      prompts.map((prompt) =>
        openai()
          .completions.create({ model, prompt, max_tokens: 5 })
          .then((x) => x.choices[0]?.text),
      ),
    );
    const one = await openai().completions.create({ model, prompt: ids[0] as number[], max_tokens: 5 });
    expect(one.choices[0]?.text).toBe(byText[0]);
    const both = await openai().completions.create({ model, prompt: ids as number[][], max_tokens: 5 });
    expect(both.choices.map((x) => x.text)).toEqual(byText);
    const grid = await openai().completions.create({ model, prompt: prompts, n: 2, max_tokens: 5 });
    expect(grid.choices.map((x) => [x.index, x.text])).toEqual([
      [0, byText[0]],
      [1, byText[0]],
      [2, byText[1]],
      [3, byText[1]],
    ]);
    expect(grid.usage?.prompt_tokens).toBe((ids[0]?.length ?? 0) + (ids[1]?.length ?? 0));

    const echoed = await openai().completions.create({ model, prompt: prompts[0] as string, max_tokens: 5, echo: true });
    expect(echoed.choices[0]?.text).toBe(`${prompts[0]}${byText[0]}`);

    // echo with logprobs scores the prompt's own tokens: the log-probability of a prompt token is the
    // one generation gave it at that place (what a model-graded scorer compares options by)
    const gen = await openai().completions.create({ model, prompt: prompts[1] as string, max_tokens: 1, logprobs: 0 });
    const next = gen.choices[0]?.logprobs?.tokens?.[0] as string;
    const text = `${prompts[1]}${next}`;
    const scored = await openai().completions.create({ model, prompt: text, max_tokens: 1, echo: true, logprobs: 2 });
    const slp = scored.choices[0]?.logprobs;
    const n = gpt.encode(text).length;
    expect(slp?.tokens?.slice(0, n).join("")).toBe(text);
    expect(slp?.token_logprobs?.[0]).toBeNull();
    expect(slp?.token_logprobs?.[n - 1]).toBeCloseTo(gen.choices[0]?.logprobs?.token_logprobs?.[0] as number, 4);
    expect(Object.keys(slp?.top_logprobs?.[n - 1] ?? {})).toHaveLength(2);
    expect(slp?.text_offset?.[n]).toBe(text.length);

    const outside = await failure(openai().completions.create({ model, prompt: [1, 2, 5000] }));
    expect(outside).toMatchObject({ status: 400, param: "prompt" });
    expect(outside.message).toContain("prompt[2]: token id 5000");
    const nested = await failure(openai().completions.create({ model, prompt: [[1], [4096]] }));
    expect(nested.message).toContain("prompt[1][0]: token id 4096");
  });

  it("embeds token-array inputs as their text", async () => {
    const bert = await tokenizer("tiny-bert-embed");
    const texts = ["otters eat fish", "tax law"];
    const byText = await openai().embeddings.create({ model: "tiny-bert-embed", input: texts, encoding_format: "float" });
    const byIds = await openai().embeddings.create({
      model: "tiny-bert-embed",
      input: texts.map((t) => bert.encode(t)),
      encoding_format: "float",
    });
    for (const [i, row] of byIds.data.entries())
      for (const [k, v] of row.embedding.entries()) expect(v).toBeCloseTo(byText.data[i]?.embedding[k] as number, 5);
    const single = await openai().embeddings.create({ model: "tiny-bert-embed", input: bert.encode(texts[0] as string) });
    expect(single.data).toHaveLength(1);
  });
});

describe("dimensions on a local model", () => {
  it("keeps the model's own size, truncates and renormalizes where the deployment declares Matryoshka, else 400", async () => {
    const full = await openai().embeddings.create({ model: "tiny-bert-embed", input: "otters eat fish", dimensions: 256 });
    const v = full.data[0]?.embedding as number[];
    expect(v).toHaveLength(256);
    const short = await openai().embeddings.create({ model: "embed-short", input: "otters eat fish", dimensions: 64 });
    const s = short.data[0]?.embedding as number[];
    expect(s).toHaveLength(64);
    const norm = Math.hypot(...v.slice(0, 64));
    for (const [k, x] of s.entries()) expect(x).toBeCloseTo((v[k] as number) / norm, 5);

    await settle();
    const before = await traceCount();
    const refused = await failure(openai().embeddings.create({ model: "tiny-bert-embed", input: "x", dimensions: 64 }));
    expect(refused).toMatchObject({ status: 400, param: "dimensions" });
    expect(refused.message).toMatch(/256-dimensional.*matryoshka/);
    const tooMany = await failure(openai().embeddings.create({ model: "embed-short", input: "x", dimensions: 1000 }));
    expect(tooMany).toMatchObject({ status: 400, param: "dimensions" });
    await settle();
    expect(await traceCount()).toBe(before);
  });
});

describe("what a local model cannot honour", () => {
  it("answers 400 naming the parameter (never drops it) and logs nothing; defaults that ask nothing pass", async () => {
    await settle();
    const before = await traceCount();
    const chat = (extra: Record<string, unknown>, msgs: unknown = messages) =>
      openai().chat.completions.create({ model, messages: msgs, max_tokens: 2, ...extra } as never);
    const cases: [() => Promise<unknown>, string][] = [
      [() => chat({ response_format: { type: "json_object" } }), "response_format"],
      [() => chat({ tools: [{ type: "function", function: { name: "f" } }] }), "tools"],
      [() => chat({ tool_choice: "required" }), "tool_choice"],
      [() => chat({ frequency_penalty: 0.5 }), "frequency_penalty"],
      [() => chat({ logit_bias: { "50": 10 } }), "logit_bias"],
      [() => chat({ top_logprobs: 2 }), "top_logprobs"],
      [() => chat({ modalities: ["audio"] }), "modalities"],
      [
        () => chat({}, [{ role: "user", content: [{ type: "image_url", image_url: { url: "data:image/png;base64,AA==" } }] }]),
        "messages.0.content.0",
      ],
      [() => chat({}, [{ role: "user", content: "hi", name: "ann" }]), "messages.0.name"],
      [() => openai().completions.create({ model, prompt: "x", best_of: 2 }), "best_of"],
      [() => openai().completions.create({ model, prompt: "x", suffix: "end" }), "suffix"],
      [() => openai().embeddings.create({ model: "tiny-bert-embed", input: "x", truncate: "END" } as never), "truncate"],
    ];
    for (const [call, param] of cases) {
      const err = await failure(call());
      expect(err, param).toMatchObject({ status: 400, param, type: "invalid_request_error" });
      expect(err.message, param).toContain(param);
    }
    const responses = await failure(openai().responses.create({ model, input: "hi" }));
    expect(responses).toMatchObject({ status: 400, param: "model" });
    expect(responses.message).toContain("/v1/responses");
    await settle();
    expect(await traceCount()).toBe(before);

    const neutral = await chat({
      frequency_penalty: 0,
      presence_penalty: 0,
      logit_bias: {},
      tools: [],
      tool_choice: "none",
      response_format: { type: "text" },
      store: true,
      n: 1,
    });
    expect((neutral as OpenAI.ChatCompletion).choices).toHaveLength(1);
  });

  it("records metadata and user on a local call's trace", async () => {
    const { response } = await openai()
      .chat.completions.create({
        model,
        messages,
        max_tokens: 2,
        user: "u-5",
        metadata: { session_id: "local-s", tags: ["local"], trace_name: "local call", team: "search" } as never,
      })
      .withResponse();
    const trace = await traceOf(response.headers.get("x-keel-trace-id"));
    expect(trace).toMatchObject({ name: "local call", userId: "u-5", sessionId: "local-s" });
    expect(trace.tags).toEqual(["gateway", "local"]);
    expect(trace.metadata).toMatchObject({ team: "search", deployment: "tiny-gpt2", batchSize: expect.any(Number) });
  });
});
