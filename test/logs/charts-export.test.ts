import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleV1 } from "../../server/http/v1";
import { ingestBatch } from "../../server/logs";
import { csvField } from "../../server/logs/export";
import { rollupDirtyHours } from "../../server/logs/stats";
import { callerFor, makeKey, makeProject, req } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";

let d: TestDatabase;
let p: Awaited<ReturnType<typeof makeProject>>;
let key: string;
beforeAll(async () => {
  d = await freshRuntimeDatabase();
  p = await makeProject(d.db);
  key = (await makeKey(d.db, p.project.id, p.owner.user.id, "owner")).key;
  // day 1: 3 traces on model a (one error, latencies 100/200/300 ms); day 2: 1 trace on model b
  const at = (day: number, ms: number) => new Date(Date.UTC(2026, 0, day, 12, 0, 0, ms)).toISOString();
  const events = [
    ...[100, 200, 300].flatMap((lat, i) => [
      { type: "trace", id: `c-${i}`, body: { timestamp: at(1, 0), input: `question, "${i}"` } },
      {
        type: "observation",
        id: `c-${i}-g`,
        body: {
          traceId: `c-${i}`,
          type: "generation",
          model: "a",
          startTime: at(1, 0),
          endTime: at(1, lat),
          usage: { input: 10, output: 5 },
          cost: 0.01,
          status: i === 2 ? "error" : "ok",
        },
      },
    ]),
    { type: "trace", id: "c-3", body: { timestamp: at(2, 0) } },
    { type: "observation", id: "c-3-g", body: { traceId: "c-3", type: "generation", model: "b", startTime: at(2, 0), endTime: at(2, 50) } },
    { type: "rating", body: { traceId: "c-0", value: 4 } },
    { type: "rating", body: { traceId: "c-1", value: 2 } },
  ];
  const res = await ingestBatch(d.db, p.project.id, events, { source: "api" });
  expect(res.every((r) => r.status === 201)).toBe(true);
});
afterAll(() => d.drop());

describe("charts and export", () => {
  it("aggregates volume, errors, latency percentiles, cost, tokens and rating per day and per model", async () => {
    const api = callerFor(d.db, p.owner.principal);
    const points = await api.logs.traces.charts({ projectId: p.project.id, bucket: "day" });
    expect(points).toHaveLength(2);
    expect(points[0]).toMatchObject({
      bucket: new Date("2026-01-01T00:00:00Z"),
      traces: 3,
      errors: 1,
      inputTokens: 30,
      outputTokens: 15,
      ratingMean: 3,
    });
    expect(points[0]?.errorRate).toBeCloseTo(1 / 3, 10);
    // nearest-rank percentiles over 100, 200, 300 ms, from histograms accurate to 2.5%
    expect(Math.abs((points[0]?.latencyP50 as number) - 200) / 200).toBeLessThan(0.025);
    expect(Math.abs((points[0]?.latencyP95 as number) - 300) / 300).toBeLessThan(0.025);
    expect(points[0]?.cost).toBeCloseTo(0.03, 10);
    const byModel = await api.logs.traces.charts({ projectId: p.project.id, bucket: "day", byModel: true });
    expect(byModel.map((x) => [x.model, x.traces])).toEqual([
      ["a", 3],
      ["b", 1],
    ]);
  });

  it("gives the same charts from the hourly rollups as from the traces, and stays exact as new traces dirty an hour", async () => {
    const api = callerFor(d.db, p.owner.principal);
    const live = await api.logs.traces.charts({ projectId: p.project.id, bucket: "hour", byModel: true });
    expect(await rollupDirtyHours(d.db)).toMatchObject({ hours: expect.any(Number) });
    const dirty = await d.db.execute(sql`SELECT * FROM trace_stats_dirty WHERE project_id = ${p.project.id}`);
    expect(dirty).toHaveLength(0);
    const stored = await d.db.execute<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM trace_stats_hourly WHERE project_id = ${p.project.id}`,
    );
    expect(stored[0]?.n).toBe(2); // (day 1 noon, a) and (day 2 noon, b)
    expect(await api.logs.traces.charts({ projectId: p.project.id, bucket: "hour", byModel: true })).toEqual(live);
    // a late trace in a rolled-up hour marks it dirty; the chart counts it at once
    const late = await ingestBatch(d.db, p.project.id, [{ type: "trace", id: "c-late", body: { timestamp: "2026-01-02T12:30:00Z" } }], {
      source: "api",
    });
    expect(late[0]?.status).toBe(201);
    const after = await api.logs.traces.charts({ projectId: p.project.id, bucket: "day" });
    expect(after.map((x) => x.traces)).toEqual([3, 2]);
    // a filter the rollups can't answer reads the traces and agrees on the same day
    const filtered = await api.logs.traces.charts({ projectId: p.project.id, bucket: "day", filter: { status: "error" } });
    expect(filtered.map((x) => [x.bucket.toISOString(), x.traces])).toEqual([["2026-01-01T00:00:00.000Z", 1]]);
  });

  it("streams any filter as CSV or JSONL", async () => {
    const csv = await handleV1(
      req(`/api/v1/projects/${p.project.slug}/traces/export?format=csv&filter=${encodeURIComponent(JSON.stringify({ models: ["a"] }))}`, {
        key,
      }),
    );
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toContain("text/csv");
    const lines = (await csv.text()).trim().split("\r\n");
    expect(lines[0]).toBe(
      "id,timestamp,name,model,userId,sessionId,release,tags,inputTokens,outputTokens,cost,latencyMs,status,ratingCount,ratingMean",
    );
    expect(lines).toHaveLength(4); // c-late has no model
    const jsonl = await handleV1(req(`/api/v1/projects/${p.project.slug}/traces/export?format=jsonl`, { key }));
    const rows = (await jsonl.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(rows.map((r) => r.id)).toEqual(["c-late", "c-3", "c-2", "c-1", "c-0"]); // c-late comes from the rollup test
    expect(rows[4].input).toBe('question, "0"');
  });

  it("refuses a bad format or filter (400) and another project's export (404)", async () => {
    expect((await handleV1(req(`/api/v1/projects/${p.project.slug}/traces/export?format=xml`, { key }))).status).toBe(400);
    const bad = await handleV1(
      req(`/api/v1/projects/${p.project.slug}/traces/export?filter=${encodeURIComponent('{"costMin":"cheap"}')}`, { key }),
    );
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { field: string } }).error.field).toBe("filter.costMin");
    const other = await makeProject(d.db);
    expect((await handleV1(req(`/api/v1/projects/${other.project.slug}/traces/export`, { key }))).status).toBe(404);
  });

  it("exports a selection POSTed as a JSON body, past what a URL holds (2,500 ids); the GET still works", async () => {
    const ids = [...Array.from({ length: 2498 }, (_, i) => `not-logged-${i}-${"x".repeat(30)}`), "c-1", "c-3"];
    expect(`?filter=${encodeURIComponent(JSON.stringify({ ids }))}`.length).toBeGreaterThan(100_000);
    const post = (json: unknown) => handleV1(req(`/api/v1/projects/${p.project.slug}/traces/export`, { method: "POST", key, json }));
    const csv = await post({ format: "csv", filter: { ids } });
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-disposition")).toMatch(/filename="traces-.*\.csv"/);
    const lines = (await csv.text()).trim().split("\r\n");
    expect(lines.slice(1).map((l) => l.split(",")[0])).toEqual(["c-3", "c-1"]);
    // JSONL by default; the filter's dates as ISO strings
    const jsonl = await post({ filter: { ids: ["c-1", "c-3"], from: "2026-01-02T00:00:00Z" } });
    expect(jsonl.headers.get("content-type")).toContain("application/x-ndjson");
    expect(
      (await jsonl.text())
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).id),
    ).toEqual(["c-3"]);
    const get = await handleV1(
      req(`/api/v1/projects/${p.project.slug}/traces/export?format=csv&filter=${encodeURIComponent(JSON.stringify({ ids: ["c-1"] }))}`, {
        key,
      }),
    );
    expect((await get.text()).trim().split("\r\n")).toHaveLength(2);
  });

  it.each([
    [{ format: "xml" }, "format"],
    [{ filter: { ids: [] } }, "filter.ids"],
    [{ filter: { ids: Array.from({ length: 10_001 }, (_, i) => `t${i}`) } }, "filter.ids"],
    [{ filter: { costMin: "cheap" } }, "filter.costMin"],
    [{ filter: { from: "yesterday" } }, "filter.from"],
  ])("a POSTed export of %j is a 400 naming %s", async (json, field) => {
    const res = await handleV1(req(`/api/v1/projects/${p.project.slug}/traces/export`, { method: "POST", key, json }));
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { field: string; message: string } };
    expect(error.field).toBe(field);
    expect(error.message).toContain(field);
  });

  it("quotes CSV fields per RFC 4180", () => {
    expect(csvField('say "hi", ok')).toBe('"say ""hi"", ok"');
    expect(csvField("plain")).toBe("plain");
    expect(csvField(null)).toBe("");
    expect(csvField(["a", "b"])).toBe("a;b");
  });
});

describe("rating charts per score name", () => {
  it("keeps a 1-5 score, thumbs and a categorical score in separate series with their own values", async () => {
    const q = await makeProject(d.db);
    const api = callerFor(d.db, q.owner.principal);
    const projectId = q.project.id;
    await api.logs.scoreConfigs.create({ projectId, name: "helpfulness", dataType: "numeric", min: 1, max: 5 });
    await api.logs.scoreConfigs.create({ projectId, name: "thumbs", dataType: "boolean" });
    await api.logs.scoreConfigs.create({
      projectId,
      name: "tone",
      dataType: "categorical",
      categories: [
        { label: "formal", value: 1 },
        { label: "casual", value: 2 },
        { label: "rude", value: 3 },
      ],
    });
    const at = (day: number, hour: number) => new Date(Date.UTC(2026, 1, day, hour)).toISOString();
    // day 1: s-0..s-2; day 2: s-3
    const traceDays = [1, 1, 1, 2];
    const rating = (traceId: string, name: string, value: number | string | boolean) => ({
      type: "rating",
      body: { traceId, name, value },
    });
    const events = [
      ...traceDays.map((day, i) => ({ type: "trace", id: `s-${i}`, body: { timestamp: at(day, 9 + i) } })),
      rating("s-0", "helpfulness", 5),
      rating("s-1", "helpfulness", 2),
      rating("s-3", "helpfulness", 4),
      rating("s-0", "thumbs", true),
      rating("s-1", "thumbs", false),
      rating("s-2", "thumbs", true),
      rating("s-3", "thumbs", false),
      rating("s-0", "tone", "formal"),
      rating("s-1", "tone", "casual"),
      rating("s-2", "tone", "casual"),
      rating("s-2", "note", "free text is not charted"),
    ];
    const res = await ingestBatch(d.db, projectId, events, { source: "api" });
    expect(res.map((r) => r.status)).toEqual(events.map(() => 201));

    const series = await api.logs.traces.scoreCharts({ projectId, bucket: "day" });
    const day1 = new Date("2026-02-01T00:00:00Z");
    const day2 = new Date("2026-02-02T00:00:00Z");
    // in the configs' order; the text score has no series
    expect(series.map((s) => [s.name, s.dataType])).toEqual([
      ["helpfulness", "numeric"],
      ["thumbs", "boolean"],
      ["tone", "categorical"],
    ]);
    const [help, thumbs, tone] = series;
    expect(help).toEqual({
      name: "helpfulness",
      dataType: "numeric",
      min: 1,
      max: 5,
      categories: [],
      points: [
        { bucket: day1, count: 2, value: 3.5, counts: [] },
        { bucket: day2, count: 1, value: 4, counts: [] },
      ],
    });
    // the share of thumbs up, not a mean mixed with the 1-5 score
    expect(thumbs?.points.map((p) => [p.bucket, p.count, p.value])).toEqual([
      [day1, 3, 2 / 3],
      [day2, 1, 0],
    ]);
    expect(tone?.categories).toEqual(["formal", "casual", "rude"]);
    expect(tone?.points).toEqual([{ bucket: day1, count: 3, value: null, counts: [1, 2, 0] }]);

    // hours, and the filter's time range bounds the ratings by their trace's time
    const hourly = await api.logs.traces.scoreCharts({
      projectId,
      bucket: "hour",
      filter: { from: new Date(at(1, 10)), to: new Date(at(2, 0)) },
    });
    expect(hourly.find((s) => s.name === "helpfulness")?.points).toEqual([{ bucket: new Date(at(1, 10)), count: 1, value: 2, counts: [] }]);
    expect(hourly.find((s) => s.name === "thumbs")?.points.map((p) => p.value)).toEqual([0, 1]);

    // another project sees none of them
    const other = await makeProject(d.db);
    expect(await callerFor(d.db, other.owner.principal).logs.traces.scoreCharts({ projectId: other.project.id })).toEqual([]);
  });

  it("refuses a bad bucket or filter, naming the field", async () => {
    const api = callerFor(d.db, p.owner.principal);
    await expect(api.logs.traces.scoreCharts({ projectId: p.project.id, bucket: "week" as "day" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("bucket"),
    });
    await expect(
      api.logs.traces.scoreCharts({ projectId: p.project.id, filter: { costMin: "cheap" as unknown as number } }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("costMin") });
  });
});
