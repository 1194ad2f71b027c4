import { and, eq } from "drizzle-orm";
import OpenAI, { type APIError } from "openai";
import { Stream } from "openai/streaming";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { createKeelClient, type KeelClient, type ObserveOpenAIOptions, observeOpenAI } from "../../sdk/index";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";
import { startFakeOpenAI } from "./fake-openai";
import { collectErrors, type KeelServer, projectWithKey, rows, startKeel } from "./helpers";

let d: TestDatabase;
let keel: KeelServer;
let fake: Awaited<ReturnType<typeof startFakeOpenAI>>;
let projectId: string;
let keelClient: KeelClient;
const { errors, onError } = collectErrors();
beforeAll(async () => {
  d = await freshRuntimeDatabase();
  const p = await projectWithKey(d);
  projectId = p.projectId;
  keel = await startKeel();
  fake = await startFakeOpenAI();
  keelClient = createKeelClient({ baseUrl: keel.url, apiKey: p.key, flushIntervalMs: 60_000, onError });
});
afterAll(async () => {
  await keelClient.shutdown();
  expect(errors).toEqual([]);
  await Promise.all([keel.close(), fake.close()]);
  await d.drop();
});

const openai = () => new OpenAI({ apiKey: "test", baseURL: fake.url, maxRetries: 0 });
const observed = (traceName: string, opts: Partial<ObserveOpenAIOptions> = {}) =>
  observeOpenAI(openai(), { client: keelClient, traceName, ...opts });
const messages = [{ role: "user" as const, content: "Capital of France?" }];

/** The one trace named `name` and its observations, after a flush. */
async function logged(name: string) {
  await keelClient.flush();
  const traces = await d.db
    .select()
    .from(schema.traces)
    .where(and(eq(schema.traces.projectId, projectId), eq(schema.traces.name, name)));
  expect(traces).toHaveLength(1);
  const trace = traces[0] as (typeof traces)[number];
  const obs = await rows.observations(d, projectId, trace.id);
  expect(obs).toHaveLength(1);
  return { trace, gen: obs[0] as (typeof obs)[number] };
}

describe("observeOpenAI", () => {
  it("logs a completion as a trace with a generation: model, parameters, messages, output, usage, times", async () => {
    const before = new Date();
    const res = await observed("plain", {
      userId: "u-7",
      sessionId: "s-7",
      tags: ["sdk"],
      metadata: { feature: "qa" },
    }).chat.completions.create({
      model: "gpt-4o-mini",
      messages,
      temperature: 0.2,
      max_tokens: 50,
      top_p: 0.9,
    });
    expect(res.choices[0]?.message.content).toBe("Paris.");
    expect(res._request_id).toBeNull(); // still the SDK's response object
    const { trace, gen } = await logged("plain");
    expect(trace).toMatchObject({ userId: "u-7", sessionId: "s-7", tags: ["sdk"], metadata: { feature: "qa" }, input: messages });
    expect(trace.output).toEqual({ role: "assistant", content: "Paris." });
    expect(gen).toMatchObject({
      type: "generation",
      model: "gpt-4o-mini-2024-07-18",
      provider: "openai",
      modelParameters: { temperature: 0.2, max_tokens: 50, top_p: 0.9 },
      input: messages,
      output: { role: "assistant", content: "Paris." },
      inputTokens: 12,
      outputTokens: 3,
      status: "ok",
      completionStartTime: null,
    });
    expect(gen.startTime.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1);
    expect(gen.endTime?.getTime()).toBeGreaterThanOrEqual(gen.startTime.getTime());
  });

  it("logs tool calls, keeps withResponse(), and nests under a given parent without a new trace", async () => {
    const parent = keelClient.trace({ name: "agent-run" });
    const client = observed("unused", { parent });
    const { data, response } = await client.chat.completions
      .create({ model: "tools", messages, tools: [{ type: "function", function: { name: "get_weather", parameters: {} } }] })
      .withResponse();
    expect(response.status).toBe(200);
    expect(data.choices[0]?.message.tool_calls?.[0]?.id).toBe("call_1");
    const span = parent.span({ name: "step" });
    await observeOpenAI(openai(), { client: keelClient, parent: span }).chat.completions.create({ model: "gpt-4o-mini", messages });
    await keelClient.flush();
    const obs = await rows.observations(d, projectId, parent.id);
    const gens = obs.filter((o) => o.type === "generation");
    expect(gens).toHaveLength(2);
    const tool = gens.find((g) => g.model === "tools-2024-07-18");
    expect(tool?.output).toEqual({
      role: "assistant",
      content: null,
      tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }],
    });
    expect(tool?.metadata).toEqual({ tools: [{ type: "function", function: { name: "get_weather", parameters: {} } }] });
    expect(tool?.parentObservationId).toBeNull();
    expect(gens.find((g) => g.model === "gpt-4o-mini-2024-07-18")?.parentObservationId).toBe(span.id);
    expect(await rows.traces(d, projectId, [parent.id])).toHaveLength(1);
    expect(
      await d.db
        .select()
        .from(schema.traces)
        .where(and(eq(schema.traces.projectId, projectId), eq(schema.traces.name, "unused"))),
    ).toHaveLength(0);
  });

  it("logs a stream when it ends: merged content, usage from the last chunk, first-chunk time; still the SDK's Stream", async () => {
    const stream = await observed("streamed").chat.completions.create({
      model: "gpt-4o-mini",
      messages,
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0,
    });
    expect(stream).toBeInstanceOf(Stream);
    expect(stream.controller).toBeInstanceOf(AbortController);
    let text = "";
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe("Hello world");
    expect(usage?.completion_tokens).toBe(3);
    const { trace, gen } = await logged("streamed");
    expect(trace.output).toEqual({ role: "assistant", content: "Hello world" });
    expect(gen).toMatchObject({
      model: "gpt-4o-mini-2024-07-18",
      output: { role: "assistant", content: "Hello world" },
      inputTokens: 7,
      outputTokens: 3,
      status: "ok",
      modelParameters: { temperature: 0 },
    });
    const first = gen.completionStartTime?.getTime() ?? 0;
    expect(first).toBeGreaterThan(gen.startTime.getTime());
    expect(first).toBeLessThan(gen.endTime?.getTime() ?? 0);
    expect(gen.timeToFirstTokenMs).toBeGreaterThanOrEqual(20);
  });

  it("merges streamed tool-call deltas, and passes toReadableStream() through", async () => {
    const stream = await observed("stream-tools").chat.completions.create({ model: "stream-tools", messages, stream: true });
    const readable = stream.toReadableStream();
    const back = Stream.fromReadableStream<OpenAI.ChatCompletionChunk>(readable, new AbortController());
    const names: string[] = [];
    for await (const chunk of back) names.push(chunk.choices[0]?.delta.tool_calls?.[0]?.function?.name ?? "");
    expect(names.join("")).toBe("get_weather");
    const { gen } = await logged("stream-tools");
    expect(gen.output).toEqual({
      role: "assistant",
      content: null,
      tool_calls: [{ id: "call_9", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } }],
    });
    expect(gen.inputTokens).toBeNull(); // no include_usage: the stream carries no usage
  });

  it("logs a failed call as an error and rethrows the SDK's original error (400 and 500)", async () => {
    const client = observed("failing-400");
    const err = await client.chat.completions.create({ model: "fail-400", messages, temperature: 9 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as APIError).status).toBe(400);
    expect((err as APIError).param).toBe("temperature");
    const { trace, gen } = await logged("failing-400");
    expect(trace.status).toBe("error");
    expect(gen).toMatchObject({ status: "error", model: "fail-400", modelParameters: { temperature: 9 }, output: null });
    expect(gen.statusMessage).toContain("temperature must be at most 2");
    expect(gen.endTime).toBeInstanceOf(Date);

    await expect(observed("failing-500").chat.completions.create({ model: "fail-500", messages })).rejects.toBeInstanceOf(
      OpenAI.InternalServerError,
    );
    const failed = await logged("failing-500");
    expect(failed.gen).toMatchObject({ status: "error", model: "fail-500" });
    expect(failed.gen.statusMessage).toContain("the model is on fire");
  });

  it("logs a stream that breaks midway as an error with what arrived, and the iterator still throws", async () => {
    const stream = await observed("stream-broken").chat.completions.create({ model: "stream-broken", messages, stream: true });
    let text = "";
    const err = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(text).toBe("Hello");
    const { gen } = await logged("stream-broken");
    expect(gen).toMatchObject({ status: "error", output: { role: "assistant", content: "Hello" } });
    expect(gen.statusMessage).toContain("upstream overloaded");
    expect(gen.completionStartTime).toBeInstanceOf(Date);
  });

  it("logs a stream left early (break) with what arrived; other methods pass through untouched", async () => {
    const client = observed("stream-left");
    const stream = await client.chat.completions.create({ model: "gpt-4o-mini", messages, stream: true });
    for await (const chunk of stream) {
      expect(chunk.choices[0]?.delta.content).toBe("Hel");
      break;
    }
    expect(stream.controller.signal.aborted).toBe(true);
    const { gen } = await logged("stream-left");
    expect(gen).toMatchObject({
      status: "ok",
      output: { role: "assistant", content: "Hel" },
      statusMessage: "stream closed before its end",
    });

    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(["gpt-4o-mini"]);
    expect(client.baseURL).toBe(fake.url);
    expect(client.chat.completions.retrieve).toBeTypeOf("function");
  });
});
