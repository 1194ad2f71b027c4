import path from "node:path";
import { and, eq, sql } from "drizzle-orm";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { registerBundled, registerLocal, requestMove } from "../../server/registry";
import { classify, seedDeployments } from "../../server/serving";
import { SYSTEM_ACTOR } from "../../server/workspace";
import { makeKey, makeProject } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";
import { waitFor } from "../helpers/wait";
import { type KeelServer, startKeel } from "../sdk/helpers";

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
});
afterAll(async () => {
  await keel?.close();
  await d?.drop();
});

const openai = () => new OpenAI({ apiKey: key, baseURL: `${keel.url}/api/v1`, maxRetries: 0 });
const messages = [{ role: "user" as const, content: "The capital of France is" }];

describe("the gateway on the bundled local models", () => {
  it("chats with tiny-gpt2 through the openai client, plain and streamed, with the same greedy text", async () => {
    const a = await openai().chat.completions.create({ model: "tiny-gpt2", messages, max_tokens: 8 });
    const b = await openai().chat.completions.create({ model: "tiny-gpt2", messages, max_tokens: 8 });
    const text = a.choices[0]?.message.content ?? "";
    expect(text.length).toBeGreaterThan(0);
    expect(b.choices[0]?.message.content).toBe(text);
    expect(a.usage?.completion_tokens).toBeLessThanOrEqual(8);
    expect(a.usage?.prompt_tokens).toBeGreaterThan(0);

    const stream = await openai().chat.completions.create({
      model: "tiny-gpt2",
      messages,
      max_tokens: 8,
      stream: true,
      stream_options: { include_usage: true },
    });
    let streamed = "";
    let usage: OpenAI.CompletionUsage | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      streamed += chunk.choices[0]?.delta?.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(streamed).toBe(text);
    expect(finish).toMatch(/^(stop|length)$/);
    expect(usage?.completion_tokens).toBe(a.usage?.completion_tokens);

    const c = await openai().completions.create({ model: "tiny-gpt2", prompt: "Hello, my name is", max_tokens: 5 });
    expect(c.choices[0]?.text.length).toBeGreaterThan(0);
    expect(c.usage?.completion_tokens).toBeLessThanOrEqual(5);
  });

  it("embeds with tiny-bert-embed (base64, as the openai client asks, and floats)", async () => {
    const res = await openai().embeddings.create({
      model: "tiny-bert-embed",
      input: ["otters eat fish", "sea otters eat fish", "tax law"],
    });
    const [a, b, c] = res.data.map((x) => x.embedding);
    expect(a).toHaveLength(256);
    const dot = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * (y[i] as number), 0);
    expect(dot(a as number[], a as number[])).toBeCloseTo(1, 4);
    expect(dot(a as number[], b as number[])).toBeGreaterThan(dot(a as number[], c as number[]));
    const floats = await fetch(`${keel.url}/api/v1/embeddings`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "tiny-bert-embed", input: "otters eat fish", encoding_format: "float" }),
    });
    const body = (await floats.json()) as { data: { embedding: number[] }[] };
    for (const [i, v] of (body.data[0]?.embedding ?? []).entries()) expect(v).toBeCloseTo((a as number[])[i] as number, 5);
  });

  it("follows the alias: after production moves, calls run the new version and the trace says which", async () => {
    const v2 = await registerLocal(d.db, SYSTEM_ACTOR, projectId, "tiny-gpt2", { path: "models/tiny-gpt2" });
    await requestMove(d.db, SYSTEM_ACTOR, projectId, { model: "tiny-gpt2", alias: "production", version: v2.version });
    const res = await fetch(`${keel.url}/api/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "tiny-gpt2", messages, max_tokens: 4 }),
    });
    const traceId = res.headers.get("x-keel-trace-id") as string;
    const t = await waitFor(
      "the trace",
      async () =>
        (
          await d.db
            .select()
            .from(schema.traces)
            .where(and(eq(schema.traces.projectId, projectId), eq(schema.traces.id, traceId)))
        )[0],
    );
    expect(t.modelVersionId).toBe(v2.id);
    expect(t.cost).toBeGreaterThan(0);
    expect(t.metadata).toMatchObject({ deployment: "tiny-gpt2", batchSize: expect.any(Number) });
    const [{ n } = { n: 0 }] = await d.db
      .select({ n: sql<number>`count(*)::int` })
      .from(schema.traces)
      .where(and(eq(schema.traces.projectId, projectId), sql`'gateway' = any(${schema.traces.tags})`));
    expect(n).toBeGreaterThanOrEqual(5);
  });

  it("refuses a classifier on the chat endpoint", async () => {
    const res = await fetch(`${keel.url}/api/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "tiny-bert-sentiment", messages }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe("model");
  });

  it("classifies with tiny-bert-sentiment on /v1/classifications, as serving's classifier does, and logs the call", async () => {
    const post = (body: unknown) =>
      fetch(`${keel.url}/api/v1/classifications`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const texts = ["I loved every minute of it, wonderful!", "Terrible food and rude staff, never again."];
    const res = await post({ model: "tiny-bert-sentiment", input: texts, top_k: 2 });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      object: string;
      data: { index: number; label: string; score: number; labels: { label: string; score: number }[] }[];
    };
    expect(body.object).toBe("list");
    const direct = await classify("tiny-bert-sentiment", texts, { topK: 2 });
    body.data.forEach((row, i) => {
      expect(row.index).toBe(i);
      expect(row.labels).toHaveLength(2);
      expect(row.label).toBe(direct.results[i]?.[0]?.label);
      expect(row.score).toBeCloseTo(direct.results[i]?.[0]?.score as number, 5);
      expect(row.labels[0]?.score).toBeGreaterThanOrEqual(row.labels[1]?.score as number);
    });
    expect(body.data[0]?.label).not.toBe(body.data[1]?.label);
    const traceId = res.headers.get("x-keel-trace-id") as string;
    const t = await waitFor(
      "the classification trace",
      async () =>
        (
          await d.db
            .select()
            .from(schema.traces)
            .where(and(eq(schema.traces.projectId, projectId), eq(schema.traces.id, traceId)))
        )[0],
    );
    expect(t.name).toBe("gateway classification");

    // bad input: a chat deployment, an empty input, an unknown field, an unknown model
    const chat = await post({ model: "tiny-gpt2", input: "hi" });
    expect(chat.status).toBe(400);
    expect(((await chat.json()) as { error: { param: string } }).error.param).toBe("model");
    const empty = await post({ model: "tiny-bert-sentiment", input: [] });
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { error: { message: string } }).error.message).toMatch(/input/);
    const extra = await post({ model: "tiny-bert-sentiment", input: "x", temperature: 1 });
    expect(extra.status).toBe(400);
    expect(((await extra.json()) as { error: { message: string } }).error.message).toMatch(/temperature/);
    const unknown = await post({ model: "no-such-model", input: "x" });
    expect(unknown.status).toBe(404);
  });
});
