import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { handleTrpc } from "../../server/http/trpc";
import { handleV1 } from "../../server/http/v1";
import { chatEvents } from "../factories/logs";
import { BASE, callerFor, makeKey, makeProject, req } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";

/**
 * One bad event must not sink a batch: each poisoned event (too deep, NUL, lone surrogate, 1e309,
 * a month-long observation, a foreign model version) gets its own 400 naming the field, the rest
 * of the batch is stored exactly.
 */
let d: TestDatabase;
let p: Awaited<ReturnType<typeof makeProject>>;
let key: string;
beforeAll(async () => {
  d = await freshRuntimeDatabase();
  p = await makeProject(d.db);
  key = (await makeKey(d.db, p.project.id, p.owner.user.id, "owner")).key;
});
afterAll(() => d.drop());

type Results = { results: { id: string | null; status: number; error?: string }[] };
/** POST a raw body text (JSON.stringify cannot write 1e309). */
const ingestText = (body: string | Uint8Array<ArrayBuffer>) =>
  handleV1(
    new Request(`${BASE}/api/v1/ingest`, {
      method: "POST",
      headers: { host: "keel.test", authorization: `Bearer ${key}`, "content-type": "application/json" },
      body,
    }),
  );
const trace = (id: string) =>
  d.db.query.traces.findFirst({ where: and(eq(schema.traces.projectId, p.project.id), eq(schema.traces.id, id)) });
const obs = (id: string) =>
  d.db.query.observations.findFirst({ where: and(eq(schema.observations.projectId, p.project.id), eq(schema.observations.id, id)) });
/** JSON text nested `n` objects deep (JSON.stringify of such a value would overflow the stack). */
const deep = (n: number) => `${'{"a":'.repeat(n)}"bottom"${"}".repeat(n)}`;

describe("one bad event does not sink an ingest batch", () => {
  it("answers each poisoned event with its own 400 naming the field, and stores the others", async () => {
    const good = chatEvents();
    const other = chatEvents();
    const poison = [
      { type: "trace", id: "p-deep", body: { input: "__DEEP__" } },
      { type: "trace", id: "p-nul", body: { output: { text: "a\u0000b" } } },
      { type: "trace", id: "p-nul-key", body: { metadata: { "k\u0000": 1 } } },
      { type: "trace", id: "p-surrogate", body: { name: "x\ud800y" } },
      { type: "trace", id: "p-surrogate-key", body: { metadata: { "\udc00": 1 } } },
      { type: "trace", id: "p-huge", body: { metadata: { n: "__HUGE__" } } },
    ];
    const batch = [good.events[0], ...poison.slice(0, 3), good.events[1], ...poison.slice(3), ...other.events];
    // JSON.stringify writes lone surrogates as \ud800 escapes and a NUL as \u0000: the text is what an attacker sends
    const text = JSON.stringify({ batch }).replace('"__HUGE__"', "1e309").replace('"__DEEP__"', deep(5000));
    expect(text).toContain("\\ud800");
    const res = await ingestText(text);
    expect(res.status).toBe(207);
    const { results } = (await res.json()) as Results;
    const byId = new Map(results.map((r) => [r.id, r]));
    expect(results).toHaveLength(batch.length);
    expect(byId.get("p-deep")?.status).toBe(400);
    expect(byId.get("p-deep")?.error).toMatch(/^body\.input\.a\.a.*…: nests deeper than 128 levels/);
    expect(byId.get("p-nul")).toMatchObject({ status: 400, error: expect.stringMatching(/^body\.output\.text: contains a NUL/) });
    expect(byId.get("p-nul-key")?.error).toMatch(/^body\.metadata\["k\\u0000"\]: key contains a NUL/);
    expect(byId.get("p-surrogate")?.error).toMatch(/^body\.name: contains a lone UTF-16 surrogate/);
    expect(byId.get("p-surrogate-key")?.error).toMatch(/^body\.metadata\[.*\]: key contains a lone UTF-16 surrogate/);
    expect(byId.get("p-huge")?.error).toMatch(/^body\.metadata\.n: is a number out of range/);
    for (const e of [...good.events, ...other.events]) expect(byId.get(e.id)?.status).toBe(201);
    expect(await trace(good.traceId)).toMatchObject({ model: "gpt-4o-mini", latencyMs: 1500 });
    expect(await trace(other.traceId)).toBeTruthy();
    for (const e of poison) expect(await trace(e.id)).toBeUndefined();
  });

  it("refuses a body of invalid UTF-8 with a 400 naming it, instead of storing U+FFFD", async () => {
    const good = chatEvents();
    const text = JSON.stringify({ batch: good.events }).replace("France?", "Fr\u00e9nce?");
    const bytes = new TextEncoder().encode(text);
    const at = bytes.indexOf(0xc3); // é is C3 A9; a lone C3 followed by "n" is invalid UTF-8
    const broken = new Uint8Array([...bytes.slice(0, at + 1), ...bytes.slice(at + 2)]);
    const res = await ingestText(broken);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe("body: is not valid UTF-8");
    expect(await trace(good.traceId)).toBeUndefined();
    // the same batch, valid, is stored as sent
    expect((await ingestText(bytes)).status).toBe(207);
    expect(JSON.stringify((await trace(good.traceId))?.input)).toContain("Frénce?");
  });

  it("still refuses a body that is not JSON at all, whole (400)", async () => {
    const res = await ingestText('{"batch": [');
    expect(res.status).toBe(400);
  });

  it("stores a 30-day and a 1-year observation with their exact latency (bigint, not int4)", async () => {
    const start = new Date("2025-01-01T00:00:00.000Z");
    const month = 30 * 86_400_000 + 123;
    const year = 365 * 86_400_000 + 7;
    const events = [
      { type: "trace", id: "t-long", body: { timestamp: start.toISOString() } },
      {
        type: "observation",
        id: "o-month",
        body: {
          traceId: "t-long",
          type: "generation",
          startTime: start.toISOString(),
          completionStartTime: new Date(start.getTime() + month - 1).toISOString(),
          endTime: new Date(start.getTime() + month).toISOString(),
        },
      },
      {
        type: "observation",
        id: "o-year",
        body: { traceId: "t-year", type: "span", startTime: start.toISOString(), endTime: new Date(start.getTime() + year).toISOString() },
      },
    ];
    const res = await ingestText(JSON.stringify({ batch: events }));
    expect(((await res.json()) as Results).results.map((r) => r.status)).toEqual([201, 201, 201]);
    expect(await obs("o-month")).toMatchObject({ latencyMs: month, timeToFirstTokenMs: month - 1 });
    expect(await obs("o-year")).toMatchObject({ latencyMs: year });
    expect((await trace("t-long"))?.latencyMs).toBe(month);
    expect((await trace("t-year"))?.latencyMs).toBe(year);
    // the hourly stats and the charts read these rows too
    const api = callerFor(d.db, p.owner.principal);
    const listed = await api.logs.traces.list({ projectId: p.project.id, filter: { latencyMinMs: month } });
    expect(listed.items.map((t) => [t.id, t.latencyMs])).toEqual([
      ["t-year", year],
      ["t-long", month],
    ]);
    const from = new Date("2024-12-31T00:00:00Z");
    const to = new Date("2025-01-02T00:00:00Z");
    const charts = await api.logs.traces.charts({ projectId: p.project.id, filter: { from, to }, bucket: "day" });
    expect(charts.reduce((n, pt) => n + pt.traces, 0)).toBe(2);
    expect(charts.find((pt) => pt.traces)?.latencyP95).toBeGreaterThan(0);
  });

  it("stores year 0001 as year 0001 and refuses year 0000", async () => {
    const res = await ingestText(
      JSON.stringify({
        batch: [
          { type: "trace", id: "t-ancient", body: { timestamp: "0001-01-01T00:00:00Z" } },
          { type: "observation", id: "o-ancient", body: { traceId: "t-ancient", type: "span", startTime: "0001-01-01T00:00:00.250Z" } },
          { type: "trace", id: "t-zero", body: { timestamp: "0001-01-01T00:00:00+01:00" } },
        ],
      }),
    );
    const { results } = (await res.json()) as Results;
    expect(results.map((r) => r.status)).toEqual([201, 201, 400]);
    expect(results[2]?.error).toBe("body.timestamp: must be in year 0001 UTC or later");
    expect((await trace("t-ancient"))?.timestamp.toISOString()).toBe("0001-01-01T00:00:00.000Z");
    expect((await obs("o-ancient"))?.startTime.toISOString()).toBe("0001-01-01T00:00:00.250Z");
    const api = callerFor(d.db, p.owner.principal);
    const full = await api.logs.traces.get({ projectId: p.project.id, traceId: "t-ancient" });
    expect(full.trace.timestamp.getUTCFullYear()).toBe(1);
  });

  it("accepts a trace's modelVersionId of this project only (400 for another project's or none)", async () => {
    const api = callerFor(d.db, p.owner.principal);
    const P = { projectId: p.project.id };
    await api.registry.models.create({ ...P, name: "mv-check" });
    await api.registry.versions.createFromUri({ ...P, model: "mv-check", uri: "s3://m/1" });
    const [mine] = await d.db.select().from(schema.modelVersions).where(eq(schema.modelVersions.projectId, p.project.id));
    const q = await makeProject(d.db);
    const theirs = callerFor(d.db, q.owner.principal);
    await theirs.registry.models.create({ projectId: q.project.id, name: "foreign" });
    await theirs.registry.versions.createFromUri({ projectId: q.project.id, model: "foreign", uri: "s3://m/x" });
    const [foreign] = await d.db.select().from(schema.modelVersions).where(eq(schema.modelVersions.projectId, q.project.id));
    const nowhere = "00000000-0000-4000-8000-000000000000";
    const res = await ingestText(
      JSON.stringify({
        batch: [
          { type: "trace", id: "mv-mine", body: { modelVersionId: mine?.id } },
          { type: "trace", id: "mv-foreign", body: { modelVersionId: foreign?.id } },
          { type: "trace", id: "mv-none", body: { modelVersionId: nowhere } },
        ],
      }),
    );
    const { results } = (await res.json()) as Results;
    expect(results.map((r) => r.status)).toEqual([201, 400, 400]);
    expect(results[1]?.error).toBe(`body.modelVersionId: model version ${foreign?.id} not found in this project`);
    expect(results[2]?.error).toMatch(/^body\.modelVersionId: /);
    expect((await trace("mv-mine"))?.modelVersionId).toBe(mine?.id);
    expect(await trace("mv-foreign")).toBeUndefined();
  });

  it("gives per-event answers through tRPC (api.logs.ingest over HTTP) too", async () => {
    const good = chatEvents();
    const batch = [...good.events, { type: "trace", id: "trpc-deep", body: { input: "__DEEP__" } }];
    const body = JSON.stringify({ json: { projectId: p.project.id, batch } }).replace('"__DEEP__"', deep(3000));
    const res = await handleTrpc(
      req("/api/trpc/logs.ingest", { method: "POST", key, body, headers: { "content-type": "application/json" } }),
    );
    expect(res.status).toBe(200);
    const out = (await res.json()) as { result: { data: { json: Results } } };
    const results = out.result.data.json.results;
    expect(results.map((r) => r.status)).toEqual([201, 201, 400]);
    expect(results[2]?.error).toMatch(/nests deeper than 128/);
    expect(await trace(good.traceId)).toBeTruthy();
  });

  it("holds every other tRPC and JSON body to the same rule (400 naming the path)", async () => {
    const body = JSON.stringify({ json: { projectId: p.project.id, name: "n", dataType: "numeric", description: "x\u0000" } });
    const res = await handleTrpc(
      req("/api/trpc/logs.scoreConfigs.create", { method: "POST", key, body, headers: { "content-type": "application/json" } }),
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: "BAD_REQUEST", field: "json.description" } });
    const deepBody = JSON.stringify({ json: { projectId: p.project.id, x: "__DEEP__" } }).replace('"__DEEP__"', deep(200));
    const tooDeep = await handleTrpc(
      req("/api/trpc/logs.scoreConfigs.create", { method: "POST", key, body: deepBody, headers: { "content-type": "application/json" } }),
    );
    expect(tooDeep.status).toBe(400);
    // the public HTTP API's JSON bodies (readJson) too: 1e309 is not silently null
    const huge = await handleV1(
      new Request(`${BASE}/api/v1/ratings`, {
        method: "POST",
        headers: { host: "keel.test", authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: '{"traceId": "t-long", "value": 1e309}',
      }),
    );
    expect(huge.status).toBe(400);
    expect(await huge.json()).toMatchObject({ error: { field: "value", message: expect.stringContaining("out of range") } });
  });

  it("rejects one poisoned OTLP span and stores the rest", async () => {
    const tid = "0af7651916cd43dd8448eb211c80319c";
    const span = (spanId: string, extra: Record<string, unknown> = {}) => ({
      traceId: tid,
      spanId,
      name: "chat",
      startTimeUnixNano: "1700000000000000000",
      endTimeUnixNano: "1700000001000000000",
      attributes: [{ key: "gen_ai.request.model", value: { stringValue: "gpt-4o-mini" } }],
      ...extra,
    });
    const body = {
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                span("00f067aa0ba902b7"),
                span("00f067aa0ba902b8", { endTimeUnixNano: "soon" }),
                span("00f067aa0ba902b9", { attributes: [{ key: "note", value: { stringValue: "a\u0000b" } }] }),
              ],
            },
          ],
        },
      ],
    };
    const res = await handleV1(req("/api/v1/otel/v1/traces", { method: "POST", key, json: body }));
    expect(res.status).toBe(200);
    const out = (await res.json()) as { partialSuccess: { rejectedSpans: number; errorMessage: string } };
    expect(out.partialSuccess.rejectedSpans).toBe(2);
    expect(out.partialSuccess.errorMessage).toContain("00f067aa0ba902b8");
    expect(out.partialSuccess.errorMessage).toContain("body.metadata.note: contains a NUL");
    expect(await obs("00f067aa0ba902b7")).toBeTruthy();
    expect(await trace(tid)).toBeTruthy();
  });
});
