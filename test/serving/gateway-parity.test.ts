import { and, count, eq } from "drizzle-orm";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { dispatch } from "../../server/http/dispatch";
import { createDeployment, createProvider } from "../../server/serving";
import { SYSTEM_ACTOR, setInstanceSetting } from "../../server/workspace";
import { callerFor, makeKey, makeProject, req } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";
import { waitFor } from "../helpers/wait";
import { type KeelServer, startKeel } from "../sdk/helpers";
import { startRecordingUpstream } from "./gateway-parity-upstream";

/**
 * OpenAI parity of the gateway with provider deployments (issue 16), through the real `openai`
 * client against a live Keel (node:http, as `keel start` serves it) and a loopback upstream that
 * records what it was sent: models by id and routers in the list, n, tools, response_format,
 * logprobs, dimensions, token arrays and prompt lists passed through; LiteLLM's metadata keys on the
 * trace and not upstream; x-keel-trace-id on streamed and failed answers; /responses passed through.
 */
let d: TestDatabase;
let keel: KeelServer;
let up: Awaited<ReturnType<typeof startRecordingUpstream>>;
let projectId: string;
let key: string;

beforeAll(async () => {
  d = await freshRuntimeDatabase();
  await setInstanceSetting(d.db, SYSTEM_ACTOR, "egress.allow", ["127.0.0.0/8"]);
  keel = await startKeel();
  up = await startRecordingUpstream();
  const p = await makeProject(d.db);
  projectId = p.project.id;
  key = (await makeKey(d.db, projectId, p.owner.user.id, "engineer")).key;
  await createProvider(d.db, SYSTEM_ACTOR, projectId, {
    name: "up",
    baseUrl: up.url,
    apiKey: "up-key",
    timeoutMs: 5000,
    maxRetries: 0,
    maxConcurrency: 8,
  });
  const dep = (name: string, task: "chat" | "embedding" | "completion", providerModel: string) =>
    createDeployment(d.db, SYSTEM_ACTOR, projectId, {
      name,
      kind: "provider",
      task,
      provider: "up",
      providerModel,
      modelRef: "production",
      inputPricePer1k: 1,
      outputPricePer1k: 2,
      defaults: {},
      batching: { windowMs: 5, maxBatch: 16 },
    });
  await dep("mini", "chat", "gpt-4o-mini");
  await dep("org/gpt-4o@2024-08", "chat", "gpt-4o");
  await dep("broken", "chat", "fail-400");
  await dep("embed", "embedding", "text-embedding-3-small");
  await dep("instruct", "completion", "gpt-3.5-turbo-instruct");
  const api = callerFor(d.db, p.owner.principal);
  await api.routing.create({ projectId, name: "smart", kind: "rules", config: { rules: [], default: "mini" } });
  await api.routing.create({ projectId, name: "off", kind: "rules", config: { rules: [], default: "mini" }, active: false });
});
afterAll(async () => {
  await keel?.close();
  await up?.close();
  await d?.drop();
});

const openai = () => new OpenAI({ apiKey: key, baseURL: `${keel.url}/api/v1`, maxRetries: 0 });
const messages = [{ role: "user" as const, content: "Capital of France?" }];

/** The trace (and its one generation) a call logged, by the id its answer gave. */
async function traceOf(id: string | null) {
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  const trace = await waitFor(
    `trace ${id}`,
    async () =>
      (
        await d.db
          .select()
          .from(schema.traces)
          .where(eq(schema.traces.id, id as string))
      )[0],
  );
  const [gen] = await d.db
    .select()
    .from(schema.observations)
    .where(eq(schema.observations.traceId, id as string));
  return { trace, gen };
}

const traceCount = async () =>
  (await d.db.select({ n: count() }).from(schema.traces).where(eq(schema.traces.projectId, projectId)))[0]?.n ?? 0;

async function failure(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    return e as InstanceType<typeof OpenAI.APIError>;
  }
  throw new Error("expected an error");
}

describe("models", () => {
  it("lists deployments then active routers, and retrieves one by id: names with / and @, routers, 404 model_not_found", async () => {
    const list = await openai().models.list();
    expect(list.data.map((m) => [m.id, m.owned_by])).toEqual([
      ["broken", "up"],
      ["embed", "up"],
      ["instruct", "up"],
      ["mini", "up"],
      ["org/gpt-4o@2024-08", "up"],
      ["router:smart", "keel-router"],
    ]);

    const one = await openai().models.retrieve("org/gpt-4o@2024-08");
    expect(one).toMatchObject({ id: "org/gpt-4o@2024-08", object: "model", owned_by: "up", created: expect.any(Number) });
    expect(await openai().models.retrieve("router:smart")).toMatchObject({ id: "router:smart", owned_by: "keel-router" });

    // the id unencoded too (the rest of the path), and through the fetch binding (`next dev`)
    const raw = await fetch(`${keel.url}/api/v1/models/org/gpt-4o@2024-08`, { headers: { authorization: `Bearer ${key}` } });
    expect(((await raw.json()) as { id: string }).id).toBe("org/gpt-4o@2024-08");
    const viaDispatch = await dispatch(req("/api/v1/models/org%2Fgpt-4o%402024-08", { key }));
    expect(((await viaDispatch.json()) as { id: string }).id).toBe("org/gpt-4o@2024-08");

    for (const id of ["nope", "router:off", "router:nope"]) {
      const err = await failure(openai().models.retrieve(id));
      expect(err).toMatchObject({ status: 404, code: "model_not_found", param: "model", type: "invalid_request_error" });
    }
    const missing = await dispatch(req("/api/v1/models/no/such", { key }));
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("model_not_found");
  });
});

describe("pass-through to a provider", () => {
  it("sends n, tools, tool_choice, response_format, logprobs and top_logprobs upstream as given, and logs every choice", async () => {
    const tools = [
      {
        type: "function" as const,
        function: { name: "weather", parameters: { type: "object", properties: { city: { type: "string" } } } },
      },
    ];
    const { data: res, response } = await openai()
      .chat.completions.create({
        model: "mini",
        messages,
        n: 3,
        tools,
        tool_choice: { type: "function", function: { name: "weather" } },
        response_format: { type: "json_object" },
        logprobs: true,
        top_logprobs: 2,
      })
      .withResponse();
    expect(res.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    expect(up.last("/chat/completions")).toEqual({
      model: "gpt-4o-mini",
      messages,
      n: 3,
      tools,
      tool_choice: { type: "function", function: { name: "weather" } },
      response_format: { type: "json_object" },
      logprobs: true,
      top_logprobs: 2,
    });
    const { trace } = await traceOf(response.headers.get("x-keel-trace-id"));
    expect(trace.output).toEqual([0, 1, 2].map((i) => ({ role: "assistant", content: `answer ${i}`, refusal: null })));
    expect(trace).toMatchObject({ inputTokens: 10, outputTokens: 6 });
  });

  it("passes prompt lists and token arrays on /completions and /embeddings, and dimensions", async () => {
    const texts = await openai().completions.create({ model: "instruct", prompt: ["a", "b"], n: 2 });
    expect(texts.choices.map((c) => c.index)).toEqual([0, 1, 2, 3]);
    expect(up.last("/completions")).toMatchObject({ model: "gpt-3.5-turbo-instruct", prompt: ["a", "b"], n: 2 });
    await openai().completions.create({ model: "instruct", prompt: [[15496, 11], [40]] });
    expect(up.last("/completions")?.prompt).toEqual([[15496, 11], [40]]);
    await openai().completions.create({ model: "instruct", prompt: [15496, 11] });
    expect(up.last("/completions")?.prompt).toEqual([15496, 11]);

    const e = await openai().embeddings.create({
      model: "embed",
      input: [
        [1, 2, 3],
        [4, 5],
      ],
      dimensions: 3,
    });
    expect(e.data.map((x) => x.embedding.length)).toEqual([3, 3]);
    expect(up.last("/embeddings")).toEqual({
      model: "text-embedding-3-small",
      input: [
        [1, 2, 3],
        [4, 5],
      ],
      dimensions: 3,
      encoding_format: "base64",
    });
    const floats = await openai().embeddings.create({ model: "embed", input: [7, 8, 9], encoding_format: "float", dimensions: 5 });
    expect(floats.data[0]?.embedding).toHaveLength(5);
    expect(up.last("/embeddings")).toMatchObject({ input: [7, 8, 9], dimensions: 5 });
  });

  it("records LiteLLM's metadata keys and user on the trace; upstream gets only OpenAI's own metadata, where OpenAI takes it", async () => {
    const metadata = {
      session_id: "sess-1",
      tags: ["checkout", "beta"],
      trace_name: "answer-question",
      trace_user_id: "user-42",
      generation_name: "qa-step",
      feature: "search",
    };
    const { response } = await openai()
      .chat.completions.create({ model: "mini", messages, user: "end-user-9", metadata: metadata as never })
      .withResponse();
    expect(up.last("/chat/completions")).toMatchObject({ user: "end-user-9", metadata: { feature: "search" } });
    expect(Object.keys(up.last("/chat/completions")?.metadata as object)).toEqual(["feature"]);
    const { trace, gen } = await traceOf(response.headers.get("x-keel-trace-id"));
    expect(trace).toMatchObject({ name: "answer-question", userId: "user-42", sessionId: "sess-1" });
    expect(trace.tags).toEqual(["gateway", "checkout", "beta"]);
    expect(trace.metadata).toMatchObject({ feature: "search", deployment: "mini", provider: "up" });
    expect(gen?.name).toBe("qa-step");

    // `user` alone is the trace's user; embeddings and completions send no metadata upstream (OpenAI takes none there)
    const plain = await openai()
      .embeddings.create({ model: "embed", input: "x", user: "u-1", metadata: { session_id: "s" } } as never)
      .withResponse();
    expect(up.last("/embeddings")).not.toHaveProperty("metadata");
    expect(up.last("/embeddings")).toMatchObject({ user: "u-1" });
    const logged = await traceOf(plain.response.headers.get("x-keel-trace-id"));
    expect(logged.trace).toMatchObject({ userId: "u-1", sessionId: "s", name: "gateway embedding" });
    await openai().completions.create({ model: "instruct", prompt: "x", metadata: { feature: "f" } } as never);
    expect(up.last("/completions")).not.toHaveProperty("metadata");
  });

  it("sends x-keel-trace-id on a streamed answer (before its body) and on errors that were logged", async () => {
    const { data: stream, response } = await openai()
      .chat.completions.create({ model: "mini", messages, stream: true, n: 2, stream_options: { include_usage: true } })
      .withResponse();
    const id = response.headers.get("x-keel-trace-id");
    const texts: string[] = [];
    for await (const chunk of stream) for (const c of chunk.choices) texts[c.index] = (texts[c.index] ?? "") + (c.delta.content ?? "");
    expect(texts).toEqual(["Hel0lo", "Hel1lo"]);
    const { trace } = await traceOf(id);
    expect(trace.output).toEqual([
      { role: "assistant", content: "Hel0lo" },
      { role: "assistant", content: "Hel1lo" },
    ]);
    expect(trace).toMatchObject({ inputTokens: 7, outputTokens: 4, status: "ok" });

    const err = await failure(openai().chat.completions.create({ model: "broken", messages }));
    expect(err).toMatchObject({ status: 400, param: "tools" });
    const failed = await traceOf(err.headers?.get("x-keel-trace-id") ?? null);
    expect(failed.trace.status).toBe("error");
  });

  it("passes POST /responses through to the provider, whole and streamed, and logs each call", async () => {
    const { data: res, response } = await openai()
      .responses.create({ model: "mini", input: "Say hi", instructions: "Be brief", metadata: { app: "demo", session_id: "r-1" } })
      .withResponse();
    expect(res.output_text).toBe("Hi from responses");
    expect(up.last("/responses")).toEqual({ model: "gpt-4o-mini", input: "Say hi", instructions: "Be brief", metadata: { app: "demo" } });
    expect(up.received.at(-1)?.authorization).toBe("Bearer up-key");
    const { trace } = await traceOf(response.headers.get("x-keel-trace-id"));
    expect(trace).toMatchObject({
      name: "gateway response",
      sessionId: "r-1",
      input: { instructions: "Be brief", input: "Say hi" },
      output: { role: "assistant", content: "Hi from responses" },
      inputTokens: 9,
      outputTokens: 4,
    });

    const { data: stream, response: streamed } = await openai()
      .responses.create({ model: "mini", input: "Stream it", stream: true })
      .withResponse();
    let text = "";
    for await (const event of stream) if (event.type === "response.output_text.delta") text += event.delta;
    expect(text).toBe("Hi from a stream");
    const st = await traceOf(streamed.headers.get("x-keel-trace-id"));
    expect(st.trace).toMatchObject({ output: { role: "assistant", content: "Hi from a stream" }, inputTokens: 6, outputTokens: 3 });
    expect(st.gen?.completionStartTime).toBeInstanceOf(Date);
  });
});

describe("bad input", () => {
  it("answers 400 naming the parameter, sends nothing upstream and logs nothing", async () => {
    await new Promise((r) => setTimeout(r, 300)); // past the log linger: earlier calls' traces are written
    const before = { traces: await traceCount(), upstream: up.received.length };
    const cases: [() => Promise<unknown>, string][] = [
      [() => openai().chat.completions.create({ model: "mini", messages, n: 0 }), "n"],
      [() => openai().chat.completions.create({ model: "mini", messages, n: 500 }), "n"],
      [() => openai().chat.completions.create({ model: "mini", messages, top_logprobs: 99 }), "top_logprobs"],
      [() => openai().chat.completions.create({ model: "mini", messages, logprobs: "yes" as never }), "logprobs"],
      [() => openai().chat.completions.create({ model: "mini", messages, tools: "weather" as never }), "tools"],
      [() => openai().chat.completions.create({ model: "mini", messages, metadata: { tags: "x" } as never }), "metadata.tags"],
      [
        () => openai().chat.completions.create({ model: "mini", messages, metadata: { session_id: "s".repeat(201) } }),
        "metadata.session_id",
      ],
      [() => openai().chat.completions.create({ model: "mini", messages, user: "u".repeat(201) }), "user"],
      [() => openai().completions.create({ model: "instruct", prompt: [1, "a"] as never }), "prompt"],
      [() => openai().completions.create({ model: "instruct", prompt: [] as never }), "prompt"],
      [() => openai().completions.create({ model: "instruct", prompt: [[1, -2]] }), "prompt.0.1"],
      [() => openai().embeddings.create({ model: "embed", input: "x", dimensions: 0 }), "dimensions"],
      [() => openai().embeddings.create({ model: "embed", input: [1.5] as never }), "input"],
      [() => openai().responses.create({ model: "" }), "model"],
    ];
    for (const [call, param] of cases) {
      const err = await failure(call());
      expect(err, param).toMatchObject({ status: 400, param, type: "invalid_request_error" });
      expect(err.message, param).toContain(param);
    }
    const unknown = await failure(openai().responses.create({ model: "nope", input: "x" }));
    expect(unknown).toMatchObject({ status: 404, code: "model_not_found" });
    await new Promise((r) => setTimeout(r, 300)); // past the log linger: a trace would have been written by now
    expect({ traces: await traceCount(), upstream: up.received.length }).toEqual(before);
  });
});

describe("a deployment name that is a path", () => {
  it("is answered on the chat endpoint like any other", async () => {
    const res = await openai().chat.completions.create({ model: "org/gpt-4o@2024-08", messages });
    expect(res.choices[0]?.message.content).toBe("answer 0");
    expect(up.last("/chat/completions")?.model).toBe("gpt-4o");
    const [row] = await d.db
      .select({ n: count() })
      .from(schema.traces)
      .where(and(eq(schema.traces.projectId, projectId), eq(schema.traces.name, "gateway chat")));
    expect(row?.n).toBeGreaterThan(0);
  });
});
