import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportTraces, ingestBatch, queryFilter } from "../../server/logs";
import { callerFor, makeProject } from "../factories/workspace";
import { freshDatabase, type TestDatabase } from "../helpers/db";

let d: TestDatabase;
beforeAll(async () => {
  d = await freshDatabase();
});
afterAll(() => d.drop());

/** A trace with one generation: its latency, tokens and cost set by the caller. */
function traceEvents(
  id: string,
  o: { input?: unknown; output?: unknown; latencyMs?: number; tokens?: number; cost?: number; at?: number },
) {
  const start = new Date(Date.now() - 60_000 + (o.at ?? 0));
  return [
    { type: "trace", id, body: { name: "chat", timestamp: start.toISOString(), input: o.input ?? "hi", output: o.output ?? "hello" } },
    {
      type: "observation",
      id: `${id}-gen`,
      body: {
        traceId: id,
        type: "generation",
        model: "m",
        startTime: start.toISOString(),
        ...(o.latencyMs === undefined ? {} : { endTime: new Date(start.getTime() + o.latencyMs).toISOString() }),
        usage: { input: o.tokens ?? 10, output: 0 },
        cost: o.cost ?? 0.01,
      },
    },
  ];
}

async function project() {
  const { project, owner } = await makeProject(d.db);
  const api = callerFor(d.db, owner.principal);
  const ingest = async (events: unknown[]) => {
    const r = await ingestBatch(d.db, project.id, events, { source: "api" });
    expect(r.every((x) => x.status === 201)).toBe(true);
  };
  /** every id of the list, page by page (2 a page), for a filter and sort */
  const all = async (
    filter: object,
    sort?: { by: "time" | "latency" | "cost" | "tokens" | "score"; dir: "asc" | "desc"; score?: string },
  ) => {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await api.logs.traces.list({ projectId: project.id, filter, limit: 2, cursor, sort });
      ids.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return ids;
  };
  return { project, api, ingest, all };
}

describe("explorer search", () => {
  it("finds markup and code by substring (quoted, or with a non-word character), words otherwise", async () => {
    const { ingest, all } = await project();
    await ingest([
      ...traceEvents("xss", { input: { messages: [{ role: "user", content: "render <script>alert(1)</script> please" }] }, at: 1 }),
      ...traceEvents("words", { input: "the capital of France", output: { content: "Paris is the capital" }, at: 2 }),
      ...traceEvents("pct", { input: "price: 50% off today", at: 3 }),
      ...traceEvents("num", { input: "price: 500 off today", at: 4 }),
      ...traceEvents("under", { input: "the user_id column", at: 5 }),
      ...traceEvents("space", { input: "the userXid column", at: 6 }),
    ]);
    // the word search cannot see inside the tag, which is why substring search exists
    expect(await all({ search: "script" })).toEqual([]);
    expect(await all({ search: "<script>" })).toEqual(["xss"]);
    expect(await all({ search: '"alert"' })).toEqual(["xss"]);
    expect(await all({ search: '"SCRIPT"' })).toEqual(["xss"]);
    expect(await all({ search: "alert(1)" })).toEqual(["xss"]);
    // words still work, across input and output
    expect(await all({ search: "capital paris" })).toEqual(["words"]);
    expect(await all({ search: "capital -paris" })).toEqual([]);
    // LIKE's wildcards are literal
    expect(await all({ search: "50%" })).toEqual(["pct"]);
    expect(await all({ search: "user_id" })).toEqual(["under"]);
  });
});

describe("explorer sort", () => {
  it("pages in each sort's order, ties by id; no latency: last ascending, first descending (index order)", async () => {
    const { ingest, all } = await project();
    await ingest([
      ...traceEvents("a", { latencyMs: 300, tokens: 30, cost: 0.3, at: 1 }),
      ...traceEvents("b", { latencyMs: 100, tokens: 10, cost: 0.1, at: 2 }),
      ...traceEvents("c", { latencyMs: 200, tokens: 20, cost: 0.2, at: 3 }),
      ...traceEvents("d", { latencyMs: 200, tokens: 20, cost: 0.2, at: 4 }),
      ...traceEvents("e", { latencyMs: 400, tokens: 50, cost: 0.5, at: 5 }),
      // no observation: no latency
      { type: "trace", id: "f", body: { timestamp: new Date().toISOString(), input: "x" } },
    ]);
    expect(await all({})).toEqual(["f", "e", "d", "c", "b", "a"]);
    expect(await all({}, { by: "time", dir: "asc" })).toEqual(["a", "b", "c", "d", "e", "f"]);
    expect(await all({}, { by: "latency", dir: "asc" })).toEqual(["b", "c", "d", "a", "e", "f"]);
    expect(await all({}, { by: "latency", dir: "desc" })).toEqual(["f", "e", "a", "d", "c", "b"]);
    expect(await all({}, { by: "cost", dir: "desc" })).toEqual(["e", "a", "d", "c", "b", "f"]);
    expect(await all({}, { by: "tokens", dir: "asc" })).toEqual(["f", "b", "c", "d", "a", "e"]);
  });

  it("refuses a cursor of another sort and a score sort without its name", async () => {
    const { api, ingest, project: p } = await project();
    await ingest([...traceEvents("a", { at: 1 }), ...traceEvents("b", { at: 2 })]);
    const page = await api.logs.traces.list({ projectId: p.id, limit: 1, sort: { by: "cost", dir: "asc" } });
    await expect(api.logs.traces.list({ projectId: p.id, limit: 1, cursor: page.nextCursor ?? "" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/cursor/),
    });
    await expect(api.logs.traces.list({ projectId: p.id, sort: { by: "score", dir: "asc" } })).rejects.toThrow(/score/);
  });
});

describe("explorer scores", () => {
  it("keeps each score name apart: per-score values, filters (per category) and sort", async () => {
    const { api, ingest, all, project: p } = await project();
    await api.logs.scoreConfigs.create({ projectId: p.id, name: "quality", dataType: "numeric", min: 1, max: 5 });
    await api.logs.scoreConfigs.create({ projectId: p.id, name: "helpful", dataType: "boolean" });
    await api.logs.scoreConfigs.create({
      projectId: p.id,
      name: "sentiment",
      dataType: "categorical",
      categories: [
        { label: "negative", value: 0 },
        { label: "positive", value: 1 },
      ],
    });
    await ingest([...traceEvents("t1", { at: 1 }), ...traceEvents("t2", { at: 2 }), ...traceEvents("t3", { at: 3 })]);
    const rate = (traceId: string, name: string, value: number | string | boolean) => ({ type: "rating", body: { traceId, name, value } });
    await ingest([
      rate("t1", "quality", 5),
      rate("t1", "quality", 4),
      rate("t1", "helpful", false),
      rate("t1", "sentiment", "positive"),
      rate("t2", "quality", 2),
      rate("t2", "helpful", true),
      rate("t2", "sentiment", "negative"),
      rate("t3", "tone", 0.5),
    ]);
    const page = await api.logs.traces.list({ projectId: p.id });
    const t1 = page.items.find((r) => r.id === "t1");
    expect(t1?.scores).toEqual([
      { name: "helpful", dataType: "boolean", mean: 0, count: 1, labels: [] },
      { name: "quality", dataType: "numeric", mean: 4.5, count: 2, labels: [] },
      { name: "sentiment", dataType: "categorical", mean: 1, count: 1, labels: ["positive"] },
    ]);
    expect(await all({ scores: [{ name: "sentiment", label: "positive" }] })).toEqual(["t1"]);
    expect(await all({ scores: [{ name: "quality", min: 4 }] })).toEqual(["t1"]);
    expect(await all({ scores: [{ name: "helpful", min: 1 }] })).toEqual(["t2"]);
    expect(await all({ scores: [{ name: "tone" }] })).toEqual(["t3"]);
    expect(await all({}, { by: "score", score: "quality", dir: "asc" })).toEqual(["t2", "t1", "t3"]);
    expect(await all({}, { by: "score", score: "quality", dir: "desc" })).toEqual(["t1", "t2", "t3"]);
    expect(await api.logs.traces.scoreNames({ projectId: p.id })).toEqual([
      { name: "quality", dataType: "numeric", categories: null },
      { name: "helpful", dataType: "boolean", categories: null },
      { name: "sentiment", dataType: "categorical", categories: ["negative", "positive"] },
      { name: "tone", dataType: "numeric", categories: null },
    ]);
  });
});

describe("saved views", () => {
  it("read the explorer's per-score conditions (min and max of one score as one condition)", () => {
    expect(queryFilter(new URLSearchParams("scores=quality>=2;quality<=4;sentiment=positive;helpful"))).toEqual({
      scores: [{ name: "quality", min: 2, max: 4 }, { name: "sentiment", label: "positive" }, { name: "helpful" }],
    });
  });
  it("read the explorer's prompt-version filter, dropping a value that is not an id", () => {
    const id = "0192f0a4-1b2c-7d3e-8f40-123456789abc";
    expect(queryFilter(new URLSearchParams({ promptVersion: id }))).toEqual({ promptVersionId: id });
    expect(queryFilter(new URLSearchParams({ promptVersion: "qa v1" }))).toEqual({});
  });
  it("read the explorer's gateway-key filter (?key=), dropping a value that is not an id", () => {
    const id = "0192f0a4-1b2c-7d3e-8f40-123456789abc";
    expect(queryFilter(new URLSearchParams({ key: id }))).toEqual({ apiKeyId: id });
    expect(queryFilter(new URLSearchParams({ key: "sk_3fA9x" }))).toEqual({});
  });
});

describe("explorer bulk actions", () => {
  it("adds picked traces to a dataset as a new version (appending, without repeats), in one go", async () => {
    const { api, ingest, project: p } = await project();
    await ingest([...traceEvents("s1", { output: "one", at: 1 }), ...traceEvents("s2", { at: 2 }), ...traceEvents("s3", { at: 3 })]);
    const v1 = await api.datasets.addTraces({ projectId: p.id, name: "picked", traceIds: ["s2", "s1"] });
    expect(v1).toMatchObject({ version: 1, rowCount: 2, added: 2, created: true });
    const v2 = await api.datasets.addTraces({ projectId: p.id, name: "picked", traceIds: ["s1", "s3"] });
    expect(v2).toMatchObject({ version: 2, rowCount: 3, added: 1 });
    const rows = await api.datasets.preview({ projectId: p.id, versionId: v2.id });
    expect(rows.items.map((r) => r.metadata?.traceId)).toEqual(["s2", "s1", "s3"]);
    expect(rows.items[1]).toMatchObject({ input: "hi", references: ["one"] });
  });

  it("refuses an empty selection (400 naming traceIds) and a trace of another project (404), writing nothing", async () => {
    const { api, ingest, project: p } = await project();
    const other = await project();
    await ingest(traceEvents("mine", {}));
    await other.ingest(traceEvents("theirs", {}));
    await expect(api.datasets.addTraces({ projectId: p.id, name: "x", traceIds: [] })).rejects.toThrow(/traceIds/);
    await expect(api.datasets.addTraces({ projectId: p.id, name: "x", traceIds: ["mine", "theirs"] })).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: expect.stringContaining('"theirs"'),
    });
    expect((await api.datasets.list({ projectId: p.id })).items).toEqual([]);
    const config = await api.logs.scoreConfigs.create({ projectId: p.id, name: "ok", dataType: "boolean" });
    const queue = await api.logs.queues.create({ projectId: p.id, name: "q", scoreConfigIds: [config.id] });
    await expect(
      api.logs.queues.addItems({ projectId: p.id, queueId: queue.id, items: { traceIds: ["mine", "theirs"] } }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(api.logs.queues.addItems({ projectId: p.id, queueId: queue.id, items: { traceIds: [] } })).rejects.toThrow(/traceIds/);
    expect(await api.logs.queues.addItems({ projectId: p.id, queueId: queue.id, items: { traceIds: ["mine"] } })).toEqual({ added: 1 });
  });

  it("exports only the picked traces", async () => {
    const { ingest, project: p } = await project();
    await ingest([...traceEvents("e1", { at: 1 }), ...traceEvents("e2", { at: 2 }), ...traceEvents("e3", { at: 3 })]);
    const text = await new Response(exportTraces(d.db, p.id, { ids: ["e1", "e3"] }, "jsonl")).text();
    expect(
      text
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).id),
    ).toEqual(["e3", "e1"]);
  });
});
