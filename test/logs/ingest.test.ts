import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { handleV1 } from "../../server/http/v1";
import { chatEvents } from "../factories/logs";
import { callerFor, makeKey, makeMember, makeProject, req } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";

let d: TestDatabase;
let project: { id: string; slug: string };
let key: string;
let owner: Awaited<ReturnType<typeof makeProject>>["owner"];
beforeAll(async () => {
  d = await freshRuntimeDatabase();
  const p = await makeProject(d.db);
  project = p.project;
  owner = p.owner;
  key = (await makeKey(d.db, project.id, owner.user.id, "owner")).key;
  await callerFor(d.db, owner.principal).logs.prices.upsert({
    projectId: project.id,
    match: "gpt-4o-mini",
    inputPerMillion: 0.15,
    outputPerMillion: 0.6,
  });
});
afterAll(() => d.drop());

const ingest = (batch: unknown[], k = key) => handleV1(req("/api/v1/ingest", { method: "POST", key: k, json: { batch } }));
type Results = { results: { id: string | null; status: number; error?: string }[] };
const trace = (id: string) =>
  d.db.query.traces.findFirst({ where: and(eq(schema.traces.projectId, project.id), eq(schema.traces.id, id)) });

describe("POST /api/v1/ingest", () => {
  it("stores a trace with its generation and rolls tokens, cost, latency and model up to the trace", async () => {
    const { traceId, events } = chatEvents();
    const res = await ingest(events);
    expect(res.status).toBe(207);
    expect(await res.json()).toEqual({
      results: [
        { id: traceId, status: 201 },
        { id: `${traceId}-gen`, status: 201 },
      ],
    });
    const t = await trace(traceId);
    expect(t).toMatchObject({
      model: "gpt-4o-mini",
      inputTokens: 1000,
      outputTokens: 500,
      latencyMs: 1500,
      status: "ok",
      tags: ["prod"],
      release: "v1.2.3",
    });
    expect(t?.cost).toBeCloseTo((1000 * 0.15 + 500 * 0.6) / 1e6, 12);
    const [obs] = await d.db
      .select()
      .from(schema.observations)
      .where(eq(schema.observations.id, `${traceId}-gen`));
    expect(obs).toMatchObject({ latencyMs: 1500, timeToFirstTokenMs: 300 });
  });

  it("rejects invalid events with their JSON path and stores the valid ones", async () => {
    const { traceId, events } = chatEvents();
    const res = await ingest([
      events[0],
      { type: "observation", id: "bad-usage", body: { traceId, type: "generation", usage: { input: "many" } } },
      { type: "nonsense", id: "x", body: {} },
      { type: "trace", id: "bad date", body: {} },
      { type: "trace", id: "t-when", body: { timestamp: "yesterday" } },
    ]);
    const { results } = (await res.json()) as Results;
    expect(results[0]).toEqual({ id: traceId, status: 201 });
    expect(results[1]).toMatchObject({ id: "bad-usage", status: 400 });
    expect(results[1]?.error).toMatch(/^body\.usage\.input: /);
    expect(results[2]?.status).toBe(400);
    expect(results[2]?.error).toMatch(/^type: /);
    expect(results[3]?.error).toMatch(/^id: must be printable/);
    expect(results[4]?.error).toBe("body.timestamp: must be an ISO 8601 date-time");
    expect(await trace(traceId)).toBeTruthy();
    expect(await trace("t-when")).toBeUndefined();
  });

  it("is idempotent: re-sending ids upserts, later fields fill in, nothing doubles", async () => {
    const { traceId, events } = chatEvents();
    await ingest(events);
    await ingest(events);
    const later = await ingest([{ type: "trace", id: traceId, body: { metadata: { feedback: "late" } } }]);
    expect(((await later.json()) as Results).results[0]?.status).toBe(201);
    const rows = await d.db.select().from(schema.observations).where(eq(schema.observations.traceId, traceId));
    expect(rows).toHaveLength(1);
    const t = await trace(traceId);
    expect(t?.metadata).toEqual({ feedback: "late" });
    expect(t?.input).toEqual([{ role: "user", content: "What is the capital of France?" }]); // kept
    expect(t?.inputTokens).toBe(1000);
  });

  it("accepts an observation before its trace, and merges duplicate ids inside one batch", async () => {
    const traceId = `early-${Date.now()}`;
    const res = await ingest([
      { type: "observation", id: `${traceId}-o`, body: { traceId, type: "span", name: "retrieve", startTime: "2026-01-01T00:00:00Z" } },
      {
        type: "observation",
        id: `${traceId}-o`,
        body: { traceId, type: "span", endTime: "2026-01-01T00:00:02Z", status: "error", statusMessage: "timeout" },
      },
    ]);
    expect(((await res.json()) as Results).results.map((r) => r.status)).toEqual([201, 201]);
    expect(await trace(traceId)).toMatchObject({ latencyMs: 2000, status: "error", timestamp: new Date("2026-01-01T00:00:00Z") });
    await ingest([{ type: "trace", id: traceId, body: { name: "late trace", timestamp: "2026-01-01T00:00:01Z" } }]);
    expect(await trace(traceId)).toMatchObject({ name: "late trace", timestamp: new Date("2026-01-01T00:00:00Z") });
  });

  it("validates ratings: unknown trace 404, out of range 400, in range stored and rolled up", async () => {
    const { traceId, events } = chatEvents();
    await ingest(events);
    await callerFor(d.db, owner.principal).logs.scoreConfigs.create({
      projectId: project.id,
      name: "quality",
      dataType: "numeric",
      min: 1,
      max: 5,
    });
    const res = await ingest([
      { type: "rating", id: "r-missing", body: { traceId: "no-such-trace", name: "quality", value: 3 } },
      { type: "rating", id: "r-range", body: { traceId, name: "quality", value: 9 } },
      { type: "rating", id: `r-ok-${traceId}`, body: { traceId, name: "quality", value: 4, comment: "good" } },
      { type: "rating", id: `r-thumb-${traceId}`, body: { traceId, name: "thumbs", value: true } },
    ]);
    const { results } = (await res.json()) as Results;
    expect(results.map((r) => r.status)).toEqual([404, 400, 201, 201]);
    expect(results[0]?.error).toBe("traceId: trace no-such-trace not found");
    expect(results[1]?.error).toBe('value: 9 is outside 1..5 (score config "quality", numeric)');
    expect(await trace(traceId)).toMatchObject({ ratingCount: 2, ratingMean: 2.5 });
    const api = callerFor(d.db, owner.principal);
    const hit = await api.logs.traces.list({ projectId: project.id, filter: { ratingMin: 2, ratingMax: 3, hasRating: true } });
    expect(hit.items.map((t) => t.id)).toContain(traceId);
    const miss = await api.logs.traces.list({ projectId: project.id, filter: { ratingMin: 3 } });
    expect(miss.items.map((t) => t.id)).not.toContain(traceId);
  });

  it("gives every rating of one batch the same time, so readers order a batch by name", async () => {
    const { traceId, events } = chatEvents();
    await ingest(events);
    // 500 rows in one insert take more than a millisecond: a per-row clock would split them
    const batch = Array.from({ length: 500 }, (_, i) => ({
      type: "rating",
      id: `r-batch-${traceId}-${i}`,
      body: { traceId, name: `n${String(i).padStart(3, "0")}`, value: i },
    }));
    const { results } = (await (await ingest(batch)).json()) as Results;
    expect(results.every((r) => r.status === 201)).toBe(true);
    const rows = await d.db
      .select({ createdAt: schema.ratings.createdAt })
      .from(schema.ratings)
      .where(and(eq(schema.ratings.projectId, project.id), eq(schema.ratings.traceId, traceId)));
    expect(rows).toHaveLength(500);
    expect(new Set(rows.map((r) => r.createdAt.getTime())).size).toBe(1);
  });

  it("refuses bad requests whole: malformed JSON 400, oversized 413, wrong key 401/403, nothing written", async () => {
    const before = (await d.db.select({ n: sql<number>`count(*)::int` }).from(schema.traces))[0]?.n;
    const malformed = await handleV1(
      req("/api/v1/ingest", { method: "POST", key, body: '{"batch": [', headers: { "content-type": "application/json" } }),
    );
    expect(malformed.status).toBe(400);
    const tooMany = await ingest(Array.from({ length: 1001 }, (_, i) => ({ type: "trace", id: `many-${i}`, body: {} })));
    expect(tooMany.status).toBe(413);
    expect(((await tooMany.json()) as { error: { message: string } }).error.message).toBe("batch has 1001 events; the limit is 1000");
    const huge = await ingest([{ type: "trace", id: "huge", body: { input: "x".repeat(5 * 1024 * 1024) } }]);
    expect(huge.status).toBe(413);
    const notArray = await handleV1(req("/api/v1/ingest", { method: "POST", key, json: { batch: "no" } }));
    expect(notArray.status).toBe(400);
    expect((await handleV1(req("/api/v1/ingest", { method: "POST", json: { batch: [] } }))).status).toBe(401);
    const viewer = await makeMember(d.db, project.id, "viewer");
    const viewerKey = (await makeKey(d.db, project.id, viewer.user.id, "viewer")).key;
    expect((await ingest(chatEvents().events, viewerKey)).status).toBe(403);
    const pub = (await makeKey(d.db, project.id, owner.user.id, "owner", "public")).key;
    expect((await ingest(chatEvents().events, pub)).status).toBe(403);
    expect((await d.db.select({ n: sql<number>`count(*)::int` }).from(schema.traces))[0]?.n).toBe(before);
  });

  it("redacts at ingest: the secret never reaches the database", async () => {
    const other = await makeProject(d.db);
    const k = (await makeKey(d.db, other.project.id, other.owner.user.id, "owner")).key;
    await callerFor(d.db, other.owner.principal).logs.settings.update({
      projectId: other.project.id,
      retentionDays: null,
      redaction: { builtins: ["email"], custom: [{ name: "order", pattern: "ORD-\\d{6}" }] },
    });
    const { traceId, events } = chatEvents({
      question: "Mail jane.doe@example.com about ORD-123456",
      answer: "Sent to jane.doe@example.com",
    });
    expect((await ingest(events, k)).status).toBe(207);
    const raw = await d.db.execute<{ t: string }>(
      sql`SELECT row_to_json(t)::text AS t FROM traces t WHERE project_id = ${other.project.id} AND id = ${traceId}`,
    );
    const obs = await d.db.execute<{ t: string }>(
      sql`SELECT row_to_json(o)::text AS t FROM observations o WHERE project_id = ${other.project.id}`,
    );
    const all = `${raw[0]?.t} ${obs.map((o) => o.t).join(" ")}`;
    expect(all).not.toContain("jane.doe@example.com");
    expect(all).not.toContain("ORD-123456");
    expect(all).toContain("[REDACTED:email]");
    expect(all).toContain("[REDACTED:order]");
  });

  it("ingests through tRPC too (api.logs.ingest) and finds traces by full-text search and filters", async () => {
    const api = callerFor(d.db, owner.principal);
    const { traceId, events } = chatEvents({
      question: "How do zebras sleep?",
      answer: "Standing up, mostly",
      model: "tiny-gpt2",
      tags: ["zoo", "prod"],
    });
    const out = await api.logs.ingest({ projectId: project.id, batch: events });
    expect(out.results.every((r) => r.status === 201)).toBe(true);
    const found = await api.logs.traces.list({ projectId: project.id, filter: { search: "zebras", models: ["tiny-gpt2"], tags: ["zoo"] } });
    expect(found.items.map((t) => t.id)).toEqual([traceId]);
    expect(found.items[0]?.inputPreview).toContain("zebras");
    const none = await api.logs.traces.list({ projectId: project.id, filter: { search: "zebras", status: "error" } });
    expect(none.items).toEqual([]);
    const full = await api.logs.traces.get({ projectId: project.id, traceId });
    expect(full.observations.map((o) => o.type)).toEqual(["generation"]);
  });

  it("pages the explorer list by (timestamp, id) without gaps or repeats", async () => {
    const api = callerFor(d.db, owner.principal);
    const tag = `page-${Date.now()}`;
    const batch = Array.from({ length: 7 }, (_, i) => ({
      type: "trace",
      id: `${tag}-${i}`,
      body: { tags: [tag], timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, i % 3)).toISOString() },
    }));
    await ingest(batch);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await api.logs.traces.list({ projectId: project.id, filter: { tags: [tag] }, limit: 3, cursor });
      seen.push(...page.items.map((t) => t.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
  });
});
