import { spawnSync } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createKeelClient, type KeelClientOptions, uuidv7 } from "../../sdk/index";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";
import { collectErrors, type KeelServer, projectWithKey, recordingFetch, rows, startKeel } from "./helpers";

let d: TestDatabase;
let keel: KeelServer;
let projectId: string;
let key: string;
beforeAll(async () => {
  d = await freshRuntimeDatabase();
  ({ projectId, key } = await projectWithKey(d));
  keel = await startKeel();
});
afterAll(async () => {
  await keel.close();
  await d.drop();
});

/** A client against the real server; the timer is slow unless a test wants it. */
const client = (opts: Partial<KeelClientOptions> = {}) =>
  createKeelClient({ baseUrl: keel.url, apiKey: key, flushIntervalMs: 60_000, ...opts });
const UUIDV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("createKeelClient", () => {
  it("logs a trace with a generation, a nested span and ratings: fields, parent links, rollups", async () => {
    const { errors, onError } = collectErrors();
    const c = client({ release: "v9.9.9", onError });
    const t = c.trace({ name: "chat", userId: "u-1", sessionId: "s-1", tags: ["prod"], metadata: { plan: "pro" }, input: "Capital?" });
    const gen = t.generation({ name: "llm", model: "gpt-4o-mini", provider: "openai", input: [{ role: "user", content: "Capital?" }] });
    const span = gen.span({ name: "lookup", input: { q: "France" } });
    span.end({ output: { hit: true } });
    const firstToken = new Date(Date.now() + 5);
    gen.end({ output: "Paris", usage: { input: 10, output: 3 }, completionStartTime: firstToken });
    t.update({ output: "Paris" });
    const thumbs = t.rate({ name: "thumbs", value: true, comment: "good" });
    const genRating = gen.rate({ name: "quality", value: 4 });
    expect(c.pending).toBe(8);
    await c.flush();
    expect(c.pending).toBe(0);
    expect(errors).toEqual([]);
    expect([t.id, gen.id, span.id, thumbs, genRating].every((id) => UUIDV7.test(id))).toBe(true);

    const [trace] = await rows.traces(d, projectId, [t.id]);
    expect(trace).toMatchObject({
      name: "chat",
      userId: "u-1",
      sessionId: "s-1",
      tags: ["prod"],
      release: "v9.9.9",
      metadata: { plan: "pro" },
      input: "Capital?",
      output: "Paris",
      model: "gpt-4o-mini",
      inputTokens: 10,
      outputTokens: 3,
      ratingCount: 2,
    });
    const obs = await rows.observations(d, projectId, t.id);
    const g = obs.find((o) => o.id === gen.id);
    const s = obs.find((o) => o.id === span.id);
    expect(g).toMatchObject({ type: "generation", name: "llm", parentObservationId: null, model: "gpt-4o-mini", provider: "openai" });
    expect(g).toMatchObject({
      inputTokens: 10,
      outputTokens: 3,
      output: "Paris",
      status: "ok",
      input: [{ role: "user", content: "Capital?" }],
    });
    expect(g?.endTime).toBeInstanceOf(Date);
    expect(g?.completionStartTime?.getTime()).toBe(firstToken.getTime());
    expect(s).toMatchObject({ type: "span", name: "lookup", parentObservationId: gen.id, input: { q: "France" }, output: { hit: true } });
    expect(s?.endTime?.getTime()).toBeGreaterThanOrEqual(s?.startTime.getTime() ?? Infinity);
    const rs = await rows.ratings(d, projectId, t.id);
    expect(rs.find((r) => r.id === thumbs)).toMatchObject({
      name: "thumbs",
      dataType: "boolean",
      value: 1,
      comment: "good",
      observationId: null,
    });
    expect(rs.find((r) => r.id === genRating)).toMatchObject({ name: "quality", value: 4, observationId: gen.id });
  });

  it("batches by flushAt: 250 events leave in >= 3 requests of <= 100, in enqueue order, each once", async () => {
    const rec = recordingFetch();
    const c = client({ fetch: rec.fetch });
    const ids = Array.from({ length: 250 }, (_, i) => c.trace({ name: `batch-${i}` }).id);
    await c.flush();
    expect(rec.batches.length).toBeGreaterThanOrEqual(3);
    expect(rec.batches.every((b) => b.length <= 100)).toBe(true);
    expect(rec.batches.flat()).toEqual(ids);
    expect(await rows.traces(d, projectId, ids)).toHaveLength(250);
  });

  it("reaching flushAt sends without a flush() call; the interval timer sends the rest", async () => {
    const rec = recordingFetch();
    const c = client({ fetch: rec.fetch, flushAt: 10 });
    const ids = Array.from({ length: 10 }, () => c.trace({ name: "at-flushAt" }).id);
    await vi.waitFor(() => expect(rec.batches).toEqual([ids]), { timeout: 5000 });

    const timed = client({ fetch: rec.fetch, flushIntervalMs: 50 });
    const id = timed.trace({ name: "by-timer" }).id;
    await vi.waitFor(async () => expect(await rows.traces(d, projectId, [id])).toHaveLength(1), { timeout: 5000 });
    await timed.shutdown();
  });

  it("concurrent flush() calls send every event exactly once, in order", async () => {
    const rec = recordingFetch();
    const c = client({ fetch: rec.fetch, flushAt: 7 });
    const first = Array.from({ length: 30 }, () => c.trace({ name: "concurrent" }).id);
    const flushes = [c.flush(), c.flush()];
    const second = Array.from({ length: 12 }, () => c.trace({ name: "concurrent-2" }).id);
    flushes.push(c.flush(), c.flush());
    await Promise.all(flushes);
    expect(rec.batches.flat()).toEqual([...first, ...second]);
    expect(await rows.traces(d, projectId, [...first, ...second])).toHaveLength(42);
  });

  it("splits batches by serialized size under maxBatchBytes and drops (reports) a single oversized event", async () => {
    const { errors, onError } = collectErrors();
    const start = keel.requests.length;
    const c = client({ maxBatchBytes: 64 * 1024, onError });
    const ids = Array.from({ length: 20 }, (_, i) => c.trace({ name: `big-${i}`, input: "é".repeat(5000) }).id); // ~10 KB each
    const tooBig = c.trace({ name: "too-big", input: "x".repeat(70 * 1024) }).id;
    await c.flush();
    const sent = keel.requests.slice(start);
    expect(sent.length).toBeGreaterThanOrEqual(4);
    expect(sent.every((r) => r.bytes > 0 && r.bytes <= 64 * 1024)).toBe(true);
    expect(await rows.traces(d, projectId, ids)).toHaveLength(20);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ kind: "invalid", eventId: tooBig });
    expect(await rows.traces(d, projectId, [tooBig])).toHaveLength(0);
  });

  it("reports per-event 400 and 404 results with the event id, stores the rest, and does not retry them", async () => {
    const { errors, onError } = collectErrors();
    const start = keel.requests.length;
    const c = client({ onError });
    const ok = c.enqueue({ type: "trace", body: { name: "fine" } });
    c.enqueue({ type: "trace", id: "bad-when", body: { timestamp: "yesterday" } });
    c.enqueue({ type: "rating", id: "rate-missing", body: { traceId: `no-such-${uuidv7()}`, value: 1 } });
    await c.flush();
    expect(keel.requests.length - start).toBe(1);
    expect(UUIDV7.test(ok)).toBe(true);
    expect(await rows.traces(d, projectId, [ok, "bad-when"])).toHaveLength(1);
    expect(errors.map((e) => [e.kind, e.eventId, e.status])).toEqual([
      ["event", "bad-when", 400],
      ["event", "rate-missing", 404],
    ]);
    expect(errors[0]?.message).toContain("body.timestamp: must be an ISO 8601 date-time");
  });

  it("does not retry a 401 (bad key): one request, onError gets the server's code, flush resolves", async () => {
    const { errors, onError } = collectErrors();
    const start = keel.requests.length;
    const c = client({ apiKey: "sk_not-a-real-key", onError });
    const id = c.trace({ name: "unauthorized" }).id;
    await c.flush();
    expect(keel.requests.length - start).toBe(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ kind: "request", status: 401, code: "UNAUTHORIZED", eventIds: [id], attempts: 1 });
  });

  it("shutdown() flushes pending events, stops the timer, and drops later events with a warning", async () => {
    const { errors, onError } = collectErrors();
    const c = client({ onError, flushIntervalMs: 20 });
    const ids = Array.from({ length: 3 }, () => c.trace({ name: "before-shutdown" }).id);
    await c.shutdown();
    expect(await rows.traces(d, projectId, ids)).toHaveLength(3);
    const start = keel.requests.length;
    const late = c.trace({ name: "after-shutdown" });
    late.generation({ name: "late" });
    expect(c.pending).toBe(0);
    await c.flush();
    await c.shutdown();
    await new Promise((r) => setTimeout(r, 100));
    expect(keel.requests.length).toBe(start);
    expect(errors.map((e) => e.kind)).toEqual(["closed", "closed"]);
    expect(errors[0]?.eventId).toBe(late.id);
  });

  it("never throws into the app: unserializable bodies and bad input are reported", async () => {
    const { errors, onError } = collectErrors();
    const c = client({ onError });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => c.trace({ metadata: cyclic })).not.toThrow();
    expect(() => c.trace({ input: 10n })).not.toThrow();
    expect(() => c.enqueue(null as never)).not.toThrow();
    expect(() => c.trace().rate(null as never)).not.toThrow();
    await c.flush();
    expect(errors.map((e) => e.kind)).toEqual(["invalid", "invalid", "invalid", "internal"]);
  });

  it("enabled: false sends nothing and starts no timer", async () => {
    const start = keel.requests.length;
    const c = client({ enabled: false, flushIntervalMs: 10 });
    const t = c.trace({ name: "disabled" });
    t.generation().end();
    expect(c.pending).toBe(0);
    await c.flush();
    await c.shutdown();
    expect(keel.requests.length).toBe(start);
    expect(UUIDV7.test(t.id)).toBe(true);
  });

  it("the flush timer is unref'd: it never keeps a process alive", async () => {
    const spy = vi.spyOn(globalThis, "setInterval");
    try {
      const c = client({ flushIntervalMs: 1000 });
      const timer = spy.mock.results.at(-1)?.value as NodeJS.Timeout;
      expect(timer.hasRef()).toBe(false);
      await c.shutdown();
    } finally {
      spy.mockRestore();
    }
    // and for real: a process with a live client and nothing else to do exits at once
    const sdk = path.resolve(import.meta.dirname, "../../sdk/index.ts");
    const code = `import(${JSON.stringify(sdk)}).then((m) => { m.createKeelClient({ baseUrl: ${JSON.stringify(keel.url)}, apiKey: "sk_x" }); console.log("idle"); });`;
    const child = spawnSync(process.execPath, ["--import", "tsx", "-e", code], { timeout: 15_000, encoding: "utf8" });
    expect(child.error).toBeUndefined();
    expect(child.stdout.trim()).toBe("idle");
    expect(child.status).toBe(0);
  });
});
