import { randomBytes } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { Langfuse } from "langfuse";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { createDeployment, createProvider } from "../../server/serving";
import { SYSTEM_ACTOR, setInstanceSetting } from "../../server/workspace";
import { callerFor, makeKey, makeProject } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";
import { waitFor } from "../helpers/wait";
import { startFakeOpenAI } from "../sdk/fake-openai";
import { type KeelServer, startKeel } from "../sdk/helpers";

/**
 * Issue 20: every trace records the prompt version that made it, whoever logs it (Keel's ingest, the
 * gateway's prompt_id, Langfuse's SDKs and OTel attributes), and the explorer filters by it. A live
 * Keel (node:http over the test database) and a fake OpenAI upstream that records what it was sent.
 */
let d: TestDatabase;
let keel: KeelServer;
let fake: Awaited<ReturnType<typeof startFakeOpenAI>>;
let projectId: string;
let key: string;
let otherKey: string;
let owner: Awaited<ReturnType<typeof makeProject>>["owner"];
let other: Awaited<ReturnType<typeof makeProject>>;
let otherKeyId: string;
const uniq = () => randomBytes(4).toString("hex");

beforeAll(async () => {
  d = await freshRuntimeDatabase();
  await setInstanceSetting(d.db, SYSTEM_ACTOR, "egress.allow", ["127.0.0.0/8"]);
  keel = await startKeel();
  fake = await startFakeOpenAI();
  const p = await makeProject(d.db);
  projectId = p.project.id;
  owner = p.owner;
  key = (await makeKey(d.db, projectId, p.owner.user.id, "engineer")).key;
  other = await makeProject(d.db);
  const made = await makeKey(d.db, other.project.id, other.owner.user.id, "engineer");
  otherKey = made.key;
  otherKeyId = made.view.id;
  await createProvider(d.db, SYSTEM_ACTOR, projectId, {
    name: "upstream",
    baseUrl: fake.url,
    timeoutMs: 5000,
    maxRetries: 1,
    maxConcurrency: 4,
  });
  await createDeployment(d.db, SYSTEM_ACTOR, projectId, {
    kind: "provider",
    task: "chat",
    modelRef: "production",
    defaults: {},
    batching: { windowMs: 5, maxBatch: 16 },
    name: "mini",
    provider: "upstream",
    providerModel: "gpt-4o-mini",
    inputPricePer1k: 0,
    outputPricePer1k: 0,
  });
});
afterAll(async () => {
  await keel?.close();
  await fake?.close();
  await d?.drop();
});

const call = (method: string, path: string, json?: unknown, k = key, headers: Record<string, string> = {}) =>
  fetch(`${keel.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${k}`, "content-type": "application/json", ...headers },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
const body = async (res: Response) => (await res.json()) as Record<string, any>;

/** A prompt's new version through Keel's own API; answers its row id. */
async function prompt(name: string, def: Record<string, unknown>, k = key): Promise<{ version: number; id: string }> {
  const res = await call("POST", "/api/v1/prompts", { name, ...def }, k);
  expect(res.status).toBe(201);
  const { version } = await body(res);
  const [row] = await d.db
    .select({ id: schema.modelVersions.id })
    .from(schema.modelVersions)
    .innerJoin(schema.registeredModels, eq(schema.registeredModels.id, schema.modelVersions.modelId))
    .where(and(eq(schema.registeredModels.name, name), eq(schema.modelVersions.version, version)));
  return { version, id: row?.id as string };
}
const promptVersionOf = async (traceId: string) => {
  const [t] = await d.db
    .select({ v: schema.traces.promptVersionId })
    .from(schema.traces)
    .where(and(eq(schema.traces.projectId, projectId), eq(schema.traces.id, traceId)));
  return t?.v;
};

describe("ingest: a trace names its prompt version", () => {
  it("by id or by name and version; an unknown one is that event's error and the rest is stored; the explorer filters by it", async () => {
    const name = `greet-${uniq()}`;
    const v1 = await prompt(name, { prompt: "Hello {{who}}" });
    const v2 = await prompt(name, { prompt: "Hi {{who}}" });
    const foreign = await prompt(`theirs-${uniq()}`, { prompt: "x" }, otherKey);
    const [a, b, c, e, f] = ["a", "b", "c", "e", "f"].map((x) => `pv-${x}-${uniq()}`) as [string, string, string, string, string];
    const res = await call("POST", "/api/v1/ingest", {
      batch: [
        { type: "trace", id: a, body: { name: "a", promptVersionId: v1.id } },
        { type: "trace", id: b, body: { name: "b", prompt: { name, version: 2 } } },
        { type: "trace", id: c, body: { name: "c", prompt: { name, version: 9 } } },
        { type: "trace", id: `${c}-x`, body: { name: "c", prompt: { name: "nope", version: 1 } } },
        { type: "trace", id: e, body: { name: "e", promptVersionId: foreign.id } },
        { type: "trace", id: f, body: { name: "f", promptVersionId: v1.id, prompt: { name, version: 1 } } },
        { type: "trace", body: { name: "plain" } },
      ],
    });
    expect(res.status).toBe(207);
    const results = (await body(res)).results as { status: number; error?: string }[];
    expect(results.map((r) => r.status)).toEqual([201, 201, 404, 404, 400, 400, 201]);
    expect(results[2]?.error).toBe(`body.prompt: version 9 of prompt ${name} not found in this project`);
    expect(results[3]?.error).toBe("body.prompt: version 1 of prompt nope not found in this project");
    expect(results[4]?.error).toBe(`body.promptVersionId: prompt version ${foreign.id} not found in this project`);
    expect(results[5]?.error).toBe("body.prompt: give promptVersionId or prompt, not both");
    expect(await promptVersionOf(a)).toBe(v1.id);
    expect(await promptVersionOf(b)).toBe(v2.id);
    expect(await promptVersionOf(c)).toBeUndefined();
    // a later event without a prompt keeps the link
    await call("POST", "/api/v1/ingest", { batch: [{ type: "trace", id: a, body: { output: "done" } }] });
    expect(await promptVersionOf(a)).toBe(v1.id);

    const list = await body(await call("GET", `/api/v1/traces?promptVersionId=${v2.id}`));
    expect(list.items.map((t: { id: string }) => t.id)).toEqual([b]);
    const bad = await call("GET", "/api/v1/traces?promptVersionId=v2");
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await body(bad))).toContain("promptVersionId");
  });
});

describe("the gateway's prompt_id (LiteLLM's fields)", () => {
  const chat = (json: Record<string, unknown>, k = key) => call("POST", "/api/v1/chat/completions", json, k);

  it("renders the label's version before the request's messages, config under the request's parameters, and records the version", async () => {
    const name = `support-${uniq()}`;
    await prompt(name, { prompt: "old {{q}}", labels: ["production"] });
    const v2 = await prompt(name, {
      messages: [{ role: "system", content: "You help {{who}}." }],
      config: { model: "from-config", temperature: 0.2, max_tokens: 50, supported_languages: ["en"] },
      labels: ["staging"],
    });
    const sent = fake.requests.length;
    const res = await chat({
      model: "mini",
      prompt_id: name,
      prompt_label: "staging",
      prompt_variables: { who: "Ada" },
      messages: [{ role: "user", content: "Where is Paris?" }],
      max_tokens: 7,
    });
    expect(res.status).toBe(200);
    const traceId = res.headers.get("x-keel-trace-id") as string;
    const upstream = fake.requests[sent] as Record<string, unknown>;
    expect(upstream.messages).toEqual([
      { role: "system", content: "You help Ada." },
      { role: "user", content: "Where is Paris?" },
    ]);
    // the request's model and max_tokens win; the config's temperature fills in; its own keys stay out
    expect(upstream).toMatchObject({ model: "gpt-4o-mini", temperature: 0.2, max_tokens: 7 });
    for (const k of ["prompt_id", "prompt_label", "prompt_variables", "supported_languages"]) expect(upstream).not.toHaveProperty(k);
    expect(await waitFor("the gateway trace", () => promptVersionOf(traceId))).toBe(v2.id);

    // without a label: production, a text prompt as one user message, no messages of the request's own
    const sent2 = fake.requests.length;
    const text = await chat({ model: "mini", prompt_id: name, prompt_variables: { q: "why?" } });
    expect(text.status).toBe(200);
    expect((fake.requests[sent2] as { messages: unknown }).messages).toEqual([{ role: "user", content: "old why?" }]);
    const byVersion = await chat({ model: "mini", prompt_id: name, prompt_version: 2, prompt_variables: { who: "Bo" } });
    expect(byVersion.status).toBe(200);
  });

  it("a missing or unknown variable, a missing label and another project's prompt: OpenAI's error shape naming it", async () => {
    const name = `vars-${uniq()}`;
    await prompt(name, { prompt: "Dear {{name}}", labels: ["production"] });
    const missing = await chat({ model: "mini", prompt_id: name, prompt_variables: {} });
    expect(missing.status).toBe(400);
    expect((await body(missing)).error).toMatchObject({
      message: "variable name is missing",
      type: "invalid_request_error",
      param: "prompt_variables.name",
    });
    const unknown = await chat({ model: "mini", prompt_id: name, prompt_variables: { name: "a", tone: "b" } });
    expect(unknown.status).toBe(400);
    expect((await body(unknown)).error).toMatchObject({ param: "prompt_variables.tone" });
    const noLabel = await chat({ model: "mini", prompt_id: name, prompt_label: "canary", prompt_variables: { name: "a" } });
    expect(noLabel.status).toBe(404);
    expect((await body(noLabel)).error).toMatchObject({ message: `label canary of prompt ${name} not found`, param: "prompt_label" });
    const both = await chat({ model: "mini", prompt_id: name, prompt_label: "production", prompt_version: 1 });
    expect(both.status).toBe(400);
    const notList = await chat({ model: "mini", prompt_id: name, prompt_variables: { name: "a" }, messages: "hi" });
    expect(notList.status).toBe(400);
    expect((await body(notList)).error).toMatchObject({ param: "messages" });
    // the version's row id is for traces: Keel's own prompt answer leaves it out
    expect(await body(await call("GET", `/api/v1/prompts/${name}`))).not.toHaveProperty("id");

    const theirs = `theirs-${uniq()}`;
    await prompt(theirs, { prompt: "secret", labels: ["production"] }, otherKey);
    const foreign = await chat({ model: "mini", prompt_id: theirs });
    expect(foreign.status).toBe(404);
    expect((await body(foreign)).error).toMatchObject({ type: "invalid_request_error", param: "prompt_id", code: "prompt_not_found" });
  });
});

describe("the explorer's filter by gateway key (traces.api_key_id)", () => {
  it("lists one key's calls over tRPC and REST, page by page; a bad id is a 400; another project's key finds nothing", async () => {
    const a = await makeKey(d.db, projectId, owner.user.id, "engineer");
    const b = await makeKey(d.db, projectId, owner.user.id, "engineer");
    const chat = async (k: string) => {
      const res = await call("POST", "/api/v1/chat/completions", { model: "mini", messages: [{ role: "user", content: "hi" }] }, k);
      expect(res.status).toBe(200);
      return res.headers.get("x-keel-trace-id") as string;
    };
    const byA = [await chat(a.key), await chat(a.key), await chat(a.key)];
    const byB = await chat(b.key);
    const keyOf = async (traceId: string) => {
      const [t] = await d.db
        .select({ k: schema.traces.apiKeyId })
        .from(schema.traces)
        .where(and(eq(schema.traces.projectId, projectId), eq(schema.traces.id, traceId)));
      return t?.k;
    };
    // the gateway writes its traces after answering
    for (const id of [...byA, byB]) await waitFor(`trace ${id}`, () => keyOf(id));

    const api = callerFor(d.db, owner.principal);
    const list = (apiKeyId: string, cursor?: string) => api.logs.traces.list({ projectId, filter: { apiKeyId }, limit: 2, cursor });
    const first = await list(a.view.id);
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).not.toBeNull();
    const second = await list(a.view.id, first.nextCursor ?? undefined);
    expect(second.nextCursor).toBeNull();
    expect([...first.items, ...second.items].map((t) => t.id).sort()).toEqual([...byA].sort());
    expect((await list(b.view.id)).items.map((t) => t.id)).toEqual([byB]);
    await expect(api.logs.traces.list({ projectId, filter: { apiKeyId: "sk_nope" } })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("apiKeyId"),
    });
    // another project's key, asked here, and this project's key, asked there: nothing
    expect((await list(otherKeyId)).items).toEqual([]);
    const theirs = callerFor(d.db, other.owner.principal);
    expect((await theirs.logs.traces.list({ projectId: other.project.id, filter: { apiKeyId: a.view.id } })).items).toEqual([]);

    const rest1 = await body(await call("GET", `/api/v1/traces?apiKeyId=${a.view.id}&limit=2`));
    expect(rest1.items).toHaveLength(2);
    const rest2 = await body(
      await call("GET", `/api/v1/traces?apiKeyId=${a.view.id}&limit=2&cursor=${encodeURIComponent(rest1.nextCursor)}`),
    );
    expect([...rest1.items, ...rest2.items].map((t: { id: string }) => t.id).sort()).toEqual([...byA].sort());
    expect(rest2.nextCursor).toBeNull();
    const bad = await call("GET", "/api/v1/traces?apiKeyId=sk_nope");
    expect(bad.status).toBe(400);
    expect((await body(bad)).error).toMatchObject({ field: "apiKeyId" });
    expect((await body(await call("GET", `/api/v1/traces?apiKeyId=${a.view.id}`, undefined, otherKey))).items).toEqual([]);

    // the trace names its key; once the key row is gone, its id alone
    expect((await api.logs.traces.get({ projectId, traceId: byA[0] as string })).apiKey).toEqual({
      id: a.view.id,
      name: a.view.name,
      prefix: a.view.prefix,
    });
    await d.db.delete(schema.apiKeys).where(eq(schema.apiKeys.id, b.view.id));
    expect((await api.logs.traces.get({ projectId, traceId: byB })).apiKey).toEqual({ id: b.view.id, name: null, prefix: null });
    // a trace logged through the ingest API (not a gateway call) names no key
    const plain = `plain-${uniq()}`;
    expect((await call("POST", "/api/v1/ingest", { batch: [{ type: "trace", id: plain, body: { name: "p" } }] })).status).toBe(207);
    expect((await api.logs.traces.get({ projectId, traceId: plain })).apiKey).toBeNull();
  });
});

describe("Langfuse's prompt API and its traces", () => {
  const basic = (secret = key) => `Basic ${Buffer.from(`pk-lf-anything:${secret}`).toString("base64")}`;
  const lf = (method: string, path: string, json?: unknown, secret = key) =>
    call(method, path, json, secret, { authorization: basic(secret) });

  it("answers getPrompt and createPrompt in Langfuse's shape, from the same store, and its SDK reads them", async () => {
    const name = `lf-${uniq()}`;
    const created = await lf("POST", "/api/public/v2/prompts", {
      name,
      type: "chat",
      prompt: [{ role: "system", content: "Talk like {{persona}}", type: "chatmessage" }],
      config: { model: "gpt-4o", temperature: 0.5 },
      labels: ["production"],
      tags: ["movies"],
    });
    expect(created.status).toBe(201);
    expect(await body(created)).toMatchObject({
      name,
      version: 1,
      type: "chat",
      prompt: [{ role: "system", content: "Talk like {{persona}}" }],
      config: { model: "gpt-4o", temperature: 0.5 },
      labels: ["production", "latest"],
      tags: ["movies"],
    });
    await prompt(name, { messages: [{ role: "system", content: "v2 {{persona}}" }] });
    const got = await lf("GET", `/api/public/v2/prompts/${name}`);
    expect(await body(got)).toMatchObject({ name, version: 1, type: "chat", labels: ["production"] });
    expect(await body(await lf("GET", `/api/public/v2/prompts/${name}?version=2`))).toMatchObject({ version: 2, labels: ["latest"] });
    expect(await body(await lf("GET", `/api/public/v2/prompts/${name}?label=latest`))).toMatchObject({ version: 2 });
    expect((await lf("GET", `/api/public/v2/prompts/${name}?label=canary`)).status).toBe(404);
    expect((await lf("GET", `/api/public/v2/prompts/${name}?version=x`)).status).toBe(400);
    expect((await lf("GET", `/api/public/v2/prompts/${name}`, undefined, otherKey)).status).toBe(404);
    const bad = await lf("POST", "/api/public/v2/prompts", { name, type: "text", prompt: [{ role: "user", content: "x" }] });
    expect(bad.status).toBe(400);

    const client = new Langfuse({ publicKey: "pk-lf-anything", secretKey: key, baseUrl: keel.url, fetchRetryCount: 0 });
    const text = await client.createPrompt({ name: `${name}-text`, prompt: "Review {{movie}}", labels: ["production"], config: {} });
    expect(text.version).toBe(1);
    const fetched = await client.getPrompt(`${name}-text`, undefined, { cacheTtlSeconds: 0 });
    expect(fetched.compile({ movie: "Dune" })).toBe("Review Dune");
    const chatPrompt = await client.getPrompt(name, 2, { type: "chat", cacheTtlSeconds: 0 });
    expect(chatPrompt.compile({ persona: "a pirate" })).toEqual([{ role: "system", content: "v2 a pirate" }]);
    await client.shutdownAsync();
  });

  it("a generation naming a prompt (legacy ingestion or OTel attributes) links its trace; an unknown prompt links nothing", async () => {
    const name = `linked-${uniq()}`;
    await prompt(name, { prompt: "a" });
    const v2 = await prompt(name, { prompt: "b" });
    const [t1, t2] = [`lf-${uniq()}`, `lf-${uniq()}`];
    const at = new Date().toISOString();
    const res = await lf("POST", "/api/public/ingestion", {
      batch: [
        { id: uniq(), type: "trace-create", timestamp: at, body: { id: t1, name: "t1" } },
        { id: uniq(), type: "generation-create", timestamp: at, body: { id: `${t1}-g`, traceId: t1, promptName: name, promptVersion: 2 } },
        {
          id: uniq(),
          type: "generation-create",
          timestamp: at,
          body: { id: `${t2}-g`, traceId: t2, promptName: "nope", promptVersion: 1 },
        },
      ],
    });
    expect(res.status).toBe(207);
    expect((await body(res)).errors).toEqual([]);
    expect(await promptVersionOf(t1)).toBe(v2.id);
    expect(await promptVersionOf(t2)).toBeNull();
    // Langfuse's public trace API answers the version as the generation's promptId
    const got = (await body(await lf("GET", `/api/public/traces/${t1}`))) as unknown as { observations: Record<string, unknown>[] };
    expect(got.observations[0]).toMatchObject({ id: `${t1}-g`, promptId: v2.id, promptName: name, promptVersion: 2 });

    const traceId = randomBytes(16).toString("hex");
    const attr = (k: string, v: { stringValue?: string; intValue?: string }) => ({ key: k, value: v });
    const otel = await call("POST", "/api/public/otel/v1/traces", {
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId,
                  spanId: randomBytes(8).toString("hex"),
                  name: "generation",
                  startTimeUnixNano: `${Date.now()}000000`,
                  endTimeUnixNano: `${Date.now() + 5}000000`,
                  attributes: [
                    attr("langfuse.observation.type", { stringValue: "generation" }),
                    attr("langfuse.observation.prompt.name", { stringValue: name }),
                    attr("langfuse.observation.prompt.version", { intValue: "2" }),
                  ],
                },
              ],
            },
          ],
        },
      ],
    });
    expect(otel.status).toBe(200);
    expect(await promptVersionOf(traceId)).toBe(v2.id);
  });
});
