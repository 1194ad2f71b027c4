import { randomBytes } from "node:crypto";
import { Langfuse } from "langfuse";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeKey, makeProject } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";
import { type KeelServer, rows, startKeel } from "../sdk/helpers";

/**
 * The legacy `langfuse` v3 npm client, unchanged, pointed at a live Keel (node:http over the test
 * database): what it sends to `/api/public/ingestion` is read back through Keel's own API.
 */
let d: TestDatabase;
let keel: KeelServer;
let projectId: string;
let key: string;
let otherKey: string;
const uniq = () => randomBytes(5).toString("hex");

beforeAll(async () => {
  d = await freshRuntimeDatabase();
  keel = await startKeel();
  const p = await makeProject(d.db);
  projectId = p.project.id;
  key = (await makeKey(d.db, projectId, p.owner.user.id, "engineer")).key;
  const other = await makeProject(d.db);
  otherKey = (await makeKey(d.db, other.project.id, other.owner.user.id, "owner")).key;
});
afterAll(async () => {
  await keel?.close();
  await d?.drop();
});

/** The client as an app configures it: its public key is anything, its secret key a Keel secret key. */
const client = (secretKey = key) =>
  new Langfuse({ publicKey: "pk-lf-anything", secretKey, baseUrl: keel.url, flushAt: 1000, flushInterval: 0, fetchRetryCount: 0 });

const basic = (secret: string) => `Basic ${Buffer.from(`pk-lf-anything:${secret}`).toString("base64")}`;
const post = (batch: unknown, secret = key) =>
  fetch(`${keel.url}/api/public/ingestion`, {
    method: "POST",
    headers: { authorization: basic(secret), "content-type": "application/json" },
    body: JSON.stringify({ batch, metadata: { sdk_name: "test" } }),
  });
const getTrace = async (traceId: string, k = key) => {
  const res = await fetch(`${keel.url}/api/v1/traces/${traceId}`, { headers: { authorization: `Bearer ${k}` } });
  return { status: res.status, body: (await res.json()) as Detail };
};
interface Detail {
  trace: Record<string, unknown>;
  observations: Record<string, unknown>[];
  ratings: Record<string, unknown>[];
}

describe("the legacy langfuse v3 client", () => {
  it("logs a trace with a span, a generation, an event and scores, read back at GET /api/v1/traces/{id}", async () => {
    const lf = client();
    const warnings: unknown[] = [];
    lf.on("warning", (w) => void warnings.push(w));
    const traceId = `lf-${uniq()}`;
    const t0 = new Date(Date.now() - 60_000);
    const at = (ms: number) => new Date(t0.getTime() + ms);
    const trace = lf.trace({
      id: traceId,
      name: "support-chat",
      userId: "u-1",
      sessionId: "s-1",
      tags: ["prod"],
      release: "v2",
      version: "1.0",
      input: { question: "Where is my parcel?" },
      metadata: { tier: "gold" },
      timestamp: t0,
    });
    const span = trace.span({ id: `${traceId}-retrieve`, name: "retrieve", input: { q: "parcel" }, startTime: at(10) });
    const gen = span.generation({
      id: `${traceId}-answer`,
      name: "answer",
      model: "gpt-4o-mini-2024-07-18",
      modelParameters: { temperature: 0.2, max_tokens: 200 },
      input: [{ role: "user", content: "Where is my parcel?" }],
      startTime: at(100),
      completionStartTime: at(400),
    });
    gen.end({ output: { role: "assistant", content: "It ships tomorrow." }, usage: { input: 1200, output: 300 } });
    span.end({ output: { docs: 3 } });
    trace.generation({
      id: `${traceId}-judge`,
      name: "judge",
      model: "claude-3-5-haiku-20241022",
      startTime: at(2000),
      endTime: at(2500),
      usageDetails: { input: 50, input_cached_tokens: 5, output: 10, total: 65 },
      costDetails: { total: 0.002 },
      level: "WARNING",
      statusMessage: "slow judge",
    });
    trace.event({ id: `${traceId}-miss`, name: "cache-miss", startTime: at(5), level: "ERROR", statusMessage: "cache down" });
    trace.score({ id: `${traceId}-correct`, name: "correct", value: 1, dataType: "BOOLEAN" });
    gen.score({ id: `${traceId}-quality`, name: "quality", value: 0.8, comment: "clear" });
    lf.score({ id: `${traceId}-topic`, traceId, name: "topic", value: "billing", dataType: "CATEGORICAL" });
    trace.update({ output: { answer: "It ships tomorrow." }, metadata: { resolved: true } });
    await lf.flushAsync();
    expect(warnings).toEqual([]);

    const { status, body } = await getTrace(traceId);
    expect(status).toBe(200);
    expect(body.trace).toMatchObject({
      id: traceId,
      name: "support-chat",
      userId: "u-1",
      sessionId: "s-1",
      tags: ["prod"],
      release: "v2",
      input: { question: "Where is my parcel?" },
      output: { answer: "It ships tomorrow." },
      // merged over the first trace-create's, as Langfuse merges metadata
      metadata: { tier: "gold", resolved: true, version: "1.0" },
      model: "gpt-4o-mini-2024-07-18",
      inputTokens: 1255,
      outputTokens: 310,
      status: "error",
      ratingCount: 3,
    });
    expect(new Date(body.trace.timestamp as string).getTime()).toBe(t0.getTime());
    const byName = new Map(body.observations.map((o) => [o.name, o]));
    expect(byName.get("retrieve")).toMatchObject({
      type: "span",
      parentObservationId: null,
      input: { q: "parcel" },
      output: { docs: 3 },
      status: "ok",
    });
    expect(byName.get("retrieve")?.endTime).toBeTruthy();
    const answer = byName.get("answer");
    expect(answer).toMatchObject({
      id: `${traceId}-answer`,
      type: "generation",
      parentObservationId: `${traceId}-retrieve`,
      model: "gpt-4o-mini-2024-07-18",
      modelParameters: { temperature: 0.2, max_tokens: 200 },
      input: [{ role: "user", content: "Where is my parcel?" }],
      output: { role: "assistant", content: "It ships tomorrow." },
      inputTokens: 1200,
      outputTokens: 300,
      timeToFirstTokenMs: 300,
    });
    // no cost reported: the built-in catalogue prices gpt-4o-mini (0.15 / 0.60 USD per million tokens)
    expect(answer?.cost).toBeCloseTo((1200 * 0.15 + 300 * 0.6) / 1e6, 12);
    expect(byName.get("judge")).toMatchObject({
      type: "generation",
      inputTokens: 55,
      outputTokens: 10,
      cost: 0.002,
      latencyMs: 500,
      status: "ok",
      statusMessage: "slow judge",
      metadata: { level: "WARNING" },
    });
    expect(byName.get("cache-miss")).toMatchObject({
      type: "event",
      status: "error",
      statusMessage: "cache down",
      metadata: { level: "ERROR" },
    });
    expect(body.trace.cost).toBeCloseTo((1200 * 0.15 + 300 * 0.6) / 1e6 + 0.002, 12);
    const ratings = new Map(body.ratings.map((r) => [r.name, r]));
    expect(ratings.get("correct")).toMatchObject({ dataType: "boolean", value: 1, observationId: null });
    expect(ratings.get("quality")).toMatchObject({ dataType: "numeric", value: 0.8, comment: "clear", observationId: `${traceId}-answer` });
    expect(ratings.get("topic")).toMatchObject({ dataType: "text", stringValue: "billing" });

    // and Langfuse's own read API, as the same client reads it
    const { data } = await lf.fetchTrace(traceId);
    expect(data).toMatchObject({ id: traceId, name: "support-chat", userId: "u-1", release: "v2", version: "1.0", environment: "default" });
    expect(data.observations.map((o) => o.type).sort()).toEqual(["EVENT", "GENERATION", "GENERATION", "SPAN"]);
    expect(data.observations.find((o) => o.name === "judge")).toMatchObject({
      level: "WARNING",
      usage: { input: 55, output: 10, total: 65 },
    });
    expect(data.scores.map((s) => s.name).sort()).toEqual(["correct", "quality", "topic"]);
    const listed = await lf.fetchTraces({ userId: "u-1", tags: ["prod"], limit: 10 });
    expect(listed.data.map((x) => x.id)).toEqual([traceId]);
    expect(listed.meta).toMatchObject({ page: 1, limit: 10, totalItems: 1, totalPages: 1 });
    expect(listed.data[0]?.observations).toHaveLength(4);
    await lf.shutdownAsync();
  });

  it("refuses a wrong secret key with 401, and stores nothing", async () => {
    const lf = client("sk_not-a-real-key");
    const warnings: unknown[] = [];
    lf.on("warning", (w) => void warnings.push(w));
    const traceId = `lf-${uniq()}`;
    lf.trace({ id: traceId, name: "never" });
    await lf.flushAsync();
    expect(String(warnings[0])).toMatch(/401/);
    expect(await rows.traces(d, projectId, [traceId])).toEqual([]);

    const res = await post([{ id: "e1", type: "trace-create", timestamp: new Date().toISOString(), body: { id: traceId } }], "sk_wrong");
    expect(res.status).toBe(401);
    const none = await fetch(`${keel.url}/api/public/ingestion`, { method: "POST", body: "{}" });
    expect(none.status).toBe(401);
    expect(await rows.traces(d, projectId, [traceId])).toEqual([]);
  });

  it("answers 207 with a per-event error for each malformed event and stores the rest", async () => {
    const traceId = `lf-${uniq()}`;
    const now = new Date().toISOString();
    const res = await post([
      { id: "ok-trace", type: "trace-create", timestamp: now, body: { id: traceId, name: "partly bad", metadata: null, tags: null } },
      { id: "bad-usage", type: "generation-create", timestamp: now, body: { id: `${traceId}-g`, traceId, usage: { input: "many" } } },
      { id: "bad-level", type: "span-create", timestamp: now, body: { id: `${traceId}-s`, traceId, level: "LOUD" } },
      { id: "bad-time", type: "span-create", timestamp: now, body: { id: `${traceId}-t`, traceId, startTime: "yesterday" } },
      { id: "no-trace", type: "score-create", timestamp: now, body: { id: "sc-1", sessionId: "s-1", name: "x", value: 1 } },
      { id: "bad-bool", type: "score-create", timestamp: now, body: { id: "sc-2", traceId, name: "ok", value: 3, dataType: "BOOLEAN" } },
      { id: "unknown", type: "dataset-create", timestamp: now, body: {} },
      "not an event",
      { id: "log", type: "sdk-log", timestamp: now, body: { log: "hello" } },
      {
        id: "ok-span",
        type: "span-create",
        timestamp: now,
        body: { id: `${traceId}-ok`, traceId, name: "fine", parentObservationId: null },
      },
    ]);
    expect(res.status).toBe(207);
    const body = (await res.json()) as {
      successes: { id: string; status: number }[];
      errors: { id: string; status: number; message: string }[];
    };
    expect(body.successes).toEqual([
      { id: "ok-trace", status: 201 },
      { id: "log", status: 201 },
      { id: "ok-span", status: 201 },
    ]);
    const errors = new Map(body.errors.map((e) => [e.id, e]));
    expect([...errors.keys()]).toEqual(["bad-usage", "bad-level", "bad-time", "no-trace", "bad-bool", "unknown", "batch[7]"]);
    expect(errors.get("bad-usage")?.message).toMatch(/^body\.usage\.input: /);
    expect(errors.get("bad-level")?.message).toMatch(/^body\.level: must be one of DEBUG, DEFAULT, WARNING, ERROR/);
    expect(errors.get("bad-time")?.message).toMatch(/^body\.startTime: /);
    expect(errors.get("no-trace")?.message).toMatch(/^body\.traceId: /);
    expect(errors.get("bad-bool")?.message).toBe("body.value: a BOOLEAN score is 1 or 0");
    expect(errors.get("unknown")?.message).toMatch(/^type: Keel does not take "dataset-create" events/);
    expect(errors.get("batch[7]")?.message).toMatch(/^event: expected an object/);
    for (const e of body.errors) expect(e.status).toBe(400);

    const { body: stored } = await getTrace(traceId);
    expect(stored.observations.map((o) => o.id)).toEqual([`${traceId}-ok`]);
    expect(stored.ratings).toEqual([]);
    expect(stored.trace).toMatchObject({ name: "partly bad", tags: [] });

    // a body without a batch is refused whole, naming the field
    const whole = await post({ id: "e1", type: "trace-create", body: { id: `${traceId}-x` } });
    expect(whole.status).toBe(400);
    expect(((await whole.json()) as { error: { field: string } }).error.field).toBe("batch");
    expect(await rows.traces(d, projectId, [`${traceId}-x`])).toEqual([]);
  });

  it("finds the trace of an update that names none, and merges its metadata over the stored one", async () => {
    const traceId = `lf-${uniq()}`;
    const gen = `${traceId}-gen`;
    const start = new Date(Date.now() - 10_000).toISOString();
    const first = await post([
      { id: "c1", type: "trace-create", timestamp: start, body: { id: traceId } },
      {
        id: "c2",
        type: "generation-create",
        timestamp: start,
        body: { id: gen, traceId, model: "gpt-4o", startTime: start, metadata: { a: 1 } },
      },
    ]);
    expect(((await first.json()) as { errors: unknown[] }).errors).toEqual([]);
    const later = await post([
      { id: "u1", type: "generation-update", timestamp: new Date().toISOString(), body: { id: gen, metadata: { b: 2 }, output: "done" } },
      { id: "u2", type: "span-update", timestamp: new Date().toISOString(), body: { id: "never-created", output: "x" } },
    ]);
    const answer = (await later.json()) as { successes: { id: string }[]; errors: { id: string; message: string }[] };
    expect(answer.successes.map((s) => s.id)).toEqual(["u1"]);
    expect(answer.errors).toEqual([expect.objectContaining({ id: "u2", message: expect.stringMatching(/^body\.traceId: required/) })]);
    const { body } = await getTrace(traceId);
    expect(body.observations).toEqual([expect.objectContaining({ id: gen, model: "gpt-4o", output: "done", metadata: { a: 1, b: 2 } })]);
    expect(new Date(body.observations[0]?.startTime as string).toISOString()).toBe(start);
  });

  it("keeps each project's traces to itself: another project's key reads 404", async () => {
    const traceId = `lf-${uniq()}`;
    await post([{ id: "o1", type: "trace-create", timestamp: new Date().toISOString(), body: { id: traceId } }]);
    expect((await getTrace(traceId)).status).toBe(200);
    expect((await getTrace(traceId, otherKey)).status).toBe(404);
    const lf = await fetch(`${keel.url}/api/public/traces/${traceId}`, { headers: { authorization: basic(otherKey) } });
    expect(lf.status).toBe(404);
  });
});
