import { createServer } from "node:net";
import { and, eq, sql } from "drizzle-orm";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { createDeployment, createProvider, listProviders } from "../../server/serving";
import { SYSTEM_ACTOR, setInstanceSetting } from "../../server/workspace";
import { callerFor, makeKey, makeMember, makeProject } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";
import { waitFor } from "../helpers/wait";
import { startFakeOpenAI } from "../sdk/fake-openai";
import { type KeelServer, startKeel } from "../sdk/helpers";

let d: TestDatabase;
let keel: KeelServer;
let fake: Awaited<ReturnType<typeof startFakeOpenAI>>;
let projectId: string;
let key: string;
let owner: Awaited<ReturnType<typeof makeProject>>;

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

beforeAll(async () => {
  d = await freshRuntimeDatabase();
  // the fake upstream is on loopback: allowed through the instance setting, as an instance admin would
  await setInstanceSetting(d.db, SYSTEM_ACTOR, "egress.allow", ["127.0.0.0/8"]);
  keel = await startKeel();
  fake = await startFakeOpenAI();
  const p = await makeProject(d.db);
  owner = p;
  projectId = p.project.id;
  key = (await makeKey(d.db, projectId, p.owner.user.id, "engineer")).key;
  await createProvider(d.db, SYSTEM_ACTOR, projectId, {
    name: "upstream",
    baseUrl: fake.url,
    apiKey: "up-secret",
    timeoutMs: 5000,
    maxRetries: 1,
    maxConcurrency: 4,
  });
  await createProvider(d.db, SYSTEM_ACTOR, projectId, {
    name: "down",
    baseUrl: `http://127.0.0.1:${await closedPort()}/v1`,
    timeoutMs: 1000,
    maxRetries: 1,
    maxConcurrency: 4,
  });
  const dep = {
    kind: "provider" as const,
    task: "chat" as const,
    modelRef: "production",
    defaults: {},
    batching: { windowMs: 5, maxBatch: 16 },
  };
  await createDeployment(d.db, SYSTEM_ACTOR, projectId, {
    ...dep,
    name: "mini",
    provider: "upstream",
    providerModel: "gpt-4o-mini",
    inputPricePer1k: 0.15,
    outputPricePer1k: 0.6,
  });
  await createDeployment(d.db, SYSTEM_ACTOR, projectId, {
    ...dep,
    name: "on-fire",
    provider: "upstream",
    providerModel: "fail-500",
    inputPricePer1k: 0,
    outputPricePer1k: 0,
  });
  await createDeployment(d.db, SYSTEM_ACTOR, projectId, {
    ...dep,
    name: "unreachable",
    provider: "down",
    providerModel: "x",
    inputPricePer1k: 0,
    outputPricePer1k: 0,
  });
});
afterAll(async () => {
  await keel?.close();
  await fake?.close();
  await d?.drop();
});

const openai = () => new OpenAI({ apiKey: key, baseURL: `${keel.url}/api/v1`, maxRetries: 0 });
const trace = (deployment: string, extra?: ReturnType<typeof sql>) =>
  waitFor(`the trace of ${deployment}`, async () => {
    const [t] = await d.db
      .select()
      .from(schema.traces)
      .where(and(eq(schema.traces.projectId, projectId), sql`${schema.traces.metadata}->>'deployment' = ${deployment}`, extra))
      .orderBy(sql`${schema.traces.timestamp} desc`)
      .limit(1);
    return t;
  });

describe("the OpenAI-compatible gateway with a provider deployment", () => {
  it("answers the official openai client, plain and streamed, and logs each call with its cost", async () => {
    const res = await openai().chat.completions.create({ model: "mini", messages: [{ role: "user", content: "Capital of France?" }] });
    expect(res.choices[0]?.message.content).toBe("Paris.");
    expect(res.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 3 });
    expect(fake.requests.at(-1)).toMatchObject({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Capital of France?" }] });
    const t = await trace("mini");
    expect(t).toMatchObject({
      model: "gpt-4o-mini",
      inputTokens: 12,
      outputTokens: 3,
      status: "ok",
      output: { role: "assistant", content: "Paris." },
    });
    expect(t?.cost).toBeCloseTo((12 * 0.15 + 3 * 0.6) / 1000, 12);

    const stream = await openai().chat.completions.create({
      model: "mini",
      messages: [{ role: "user", content: "Say hello" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: unknown = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe("Hello world");
    expect(usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 3 });
    const st = await trace("mini", sql`${schema.traces.outputTokens} = 3 and ${schema.traces.inputTokens} = 7`);
    expect(st?.output).toEqual({ role: "assistant", content: "Hello world" });
    const [gen] = await d.db
      .select()
      .from(schema.observations)
      .where(and(eq(schema.observations.projectId, projectId), eq(schema.observations.traceId, st?.id as string)));
    expect(gen?.completionStartTime).not.toBeNull();

    const list = await openai().models.list();
    expect(list.data.map((m) => m.id)).toEqual(["mini", "on-fire", "unreachable"]);
  });

  it("keeps the provider key encrypted and never shows it", async () => {
    const [row] = await d.db.select().from(schema.providers).where(eq(schema.providers.name, "upstream"));
    expect(row?.apiKeyEnc).toMatch(/^v1\./);
    expect(row?.apiKeyEnc).not.toContain("up-secret");
    const views = await listProviders(d.db, projectId);
    expect(views.find((v) => v.name === "upstream")).toMatchObject({ hasApiKey: true });
    expect(JSON.stringify(views)).not.toContain("up-secret");

    // through tRPC, by project slug: an admin rotates the key; a viewer cannot
    const api = callerFor(d.db, owner.owner.principal);
    const id = views.find((v) => v.name === "down")?.id as string;
    const updated = await api.serving.providers.update({
      projectId: owner.project.slug,
      providerId: id,
      apiKey: "new-key",
      timeoutMs: 900,
    });
    expect(updated).toMatchObject({ name: "down", projectId, timeoutMs: 900, hasApiKey: true });
    const viewer = await makeMember(d.db, projectId, "viewer");
    await expect(
      callerFor(d.db, viewer.principal).serving.providers.create({ projectId, name: "x", baseUrl: "http://x.test" } as never),
    ).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(api.serving.providers.create({ projectId, name: "bad", baseUrl: "ftp://x.test" } as never)).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    await expect(
      api.serving.deployments.create({ projectId, name: "router:x", kind: "local", task: "chat", modelName: "m" } as never),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    await expect(
      api.serving.deployments.create({
        projectId,
        name: "mini",
        kind: "provider",
        task: "chat",
        provider: "upstream",
        providerModel: "m",
      } as never),
    ).rejects.toMatchObject({
      code: "CONFLICT",
    });
  });

  it("answers bad input, unknown models and dead upstreams in OpenAI's error shape", async () => {
    const err = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (e) {
        return e as { status: number; code: string | null; param: string | null; type: string; message: string };
      }
      throw new Error("expected an error");
    };
    const unknown = await err(openai().chat.completions.create({ model: "nope", messages: [{ role: "user", content: "hi" }] }));
    expect(unknown).toMatchObject({ status: 404, code: "model_not_found", param: "model" });
    const noRouter = await err(openai().chat.completions.create({ model: "router:nope", messages: [{ role: "user", content: "hi" }] }));
    expect(noRouter.status).toBe(404);
    const empty = await err(openai().chat.completions.create({ model: "mini", messages: [] }));
    expect(empty).toMatchObject({ status: 400, param: "messages" });
    const badRole = await err(openai().chat.completions.create({ model: "mini", messages: [{ role: "wizard", content: "x" } as never] }));
    expect(badRole).toMatchObject({ status: 400, param: "messages.0.role" });

    const before = fake.requests.length;
    const fire = await err(openai().chat.completions.create({ model: "on-fire", messages: [{ role: "user", content: "hi" }] }));
    expect(fire).toMatchObject({ status: 500, message: expect.stringContaining("the model is on fire") });
    expect(fake.requests.length - before).toBe(2); // one retry (maxRetries 1) on 5xx
    const down = await err(openai().chat.completions.create({ model: "unreachable", messages: [{ role: "user", content: "hi" }] }));
    expect(down).toMatchObject({ status: 502, type: "upstream_error", code: "network" });
    expect(await trace("unreachable")).toMatchObject({ status: "error" });

    const raw = await fetch(`${keel.url}/api/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}` },
      body: "{oops",
    });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as { error: { type: string } }).error.type).toBe("invalid_request_error");
    // the one JSON rule holds on the gateway's own body reader: NUL, invalid UTF-8, out-of-range numbers
    for (const [body, want] of [
      ['{"model":"mini","messages":[{"role":"user","content":"a\\u0000b"}]}', "messages[0].content: contains a NUL"],
      ['{"model":"mini","temperature":1e309,"messages":[]}', "temperature: is a number out of range"],
      [Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), "body: is not valid UTF-8"],
    ] as const) {
      const res = await fetch(`${keel.url}/api/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${key}` }, body });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toContain(want);
    }
    const anon = await fetch(`${keel.url}/api/v1/chat/completions`, { method: "POST", body: "{}" });
    expect(anon.status).toBe(401);
    expect(((await anon.json()) as { error: { code: string } }).error.code).toBe("invalid_api_key");
  });

  it("cancels the upstream stream when the client goes away, and logs the cut call", async () => {
    const ac = new AbortController();
    const res = await fetch(`${keel.url}/api/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "mini", messages: [{ role: "user", content: "cut me" }], stream: true }),
      signal: ac.signal,
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    ac.abort();
    const cut = await trace("mini", sql`${schema.traces.status} = 'error'`);
    const [gen] = await d.db
      .select()
      .from(schema.observations)
      .where(eq(schema.observations.traceId, cut?.id as string));
    expect(gen?.statusMessage).toBe("client went away");
  });
});
