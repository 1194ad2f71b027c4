import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { handleV1 } from "../../server/http/v1";
import { callerFor, makeKey, makeMember, makeProject, req } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";
import { STORE_KINDS, useStore } from "../helpers/s3";

let d: TestDatabase;
let p: Awaited<ReturnType<typeof makeProject>>;
let key: string;
let viewerKey: string;
beforeAll(async () => {
  d = await freshRuntimeDatabase();
  p = await makeProject(d.db);
  key = (await makeKey(d.db, p.project.id, p.owner.user.id, "engineer")).key;
  viewerKey = (await makeKey(d.db, p.project.id, p.owner.user.id, "viewer")).key;
});
afterAll(() => d.drop());

/** response bodies, checked field by field */
type Json = Record<string, any>;
async function call(method: string, path: string, body?: unknown, k = key): Promise<{ status: number; body: Json }> {
  const res = await handleV1(req(`/api/v1${path}`, { method, key: k, ...(body === undefined ? {} : { json: body }) }));
  return { status: res.status, body: (await res.json()) as Json };
}

// run artifacts go to the artifact store: the suite runs against the local folder and against S3,
// each in a project of its own
describe.each(STORE_KINDS)("/api/v1/experiments and /api/v1/runs (%s store)", (kind) => {
  const { s3 } = useStore(kind);
  let runId: string;
  let experimentId: string;
  beforeAll(async () => {
    p = await makeProject(d.db);
    key = (await makeKey(d.db, p.project.id, p.owner.user.id, "engineer")).key;
    viewerKey = (await makeKey(d.db, p.project.id, p.owner.user.id, "viewer")).key;
  });

  it("creates a run in an experiment by name (created when missing), logs, reads it back", async () => {
    const created = await call("POST", "/runs", { experiment: "http-exp", name: "first", params: { lr: "0.01" }, tags: { git: "abc" } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "first", status: "RUNNING", params: { lr: "0.01" }, tags: { git: "abc" } });
    runId = created.body.id;
    experimentId = created.body.experimentId;
    const again = await call("POST", "/runs", { experiment: "http-exp" });
    expect(again.body.experimentId).toBe(experimentId);

    const log = await call("POST", `/runs/${runId}/log`, {
      metrics: [
        { key: "loss", value: 0.9, step: 0 },
        { key: "loss", value: 0.4, step: 1 },
        { key: "acc", value: 0.7, step: 1 },
      ],
      params: { epochs: 3 },
      tags: { phase: "train" },
    });
    expect(log).toEqual({ status: 200, body: { metrics: 3, params: 1, tags: 1 } });

    const run = await call("GET", `/runs/${runId}`);
    expect(run.body).toMatchObject({
      experimentName: "http-exp",
      params: { lr: "0.01", epochs: "3" },
      tags: { git: "abc", phase: "train" },
    });
    expect(run.body.metrics.map((m: Json) => [m.key, m.value, m.step])).toEqual([
      ["acc", 0.7, 1],
      ["loss", 0.4, 1],
    ]);

    const history = await call("GET", `/runs/${runId}/metrics/loss`);
    expect(history.body).toMatchObject({ key: "loss", steps: [0, 1], values: [0.9, 0.4], nextCursor: null });
    const paged = await call("GET", `/runs/${runId}/metrics/loss?limit=1`);
    expect(paged.body).toMatchObject({ steps: [0], nextCursor: "1" });
    const last = await call("GET", `/runs/${runId}/metrics/loss?limit=1&cursor=1`);
    expect(last.body).toMatchObject({ steps: [1], values: [0.4], nextCursor: null });

    const ended = await call("PATCH", `/runs/${runId}`, { status: "FINISHED" });
    expect(ended.body.status).toBe("FINISHED");
    expect(ended.body.endTime).toEqual(expect.any(Number));
  });

  it("lists experiments and searches runs with order_by and filter", async () => {
    const second = (await call("POST", "/runs", { experimentId, name: "second" })).body.id;
    await call("POST", `/runs/${second}/log`, { metrics: [{ key: "loss", value: 0.2 }] });
    const list = await call("GET", "/experiments");
    expect(list.body.items.map((e: Json) => [e.name, e.runCount])).toEqual([["http-exp", 3]]);
    expect((await call("POST", "/experiments", { name: "made" })).status).toBe(201);
    expect((await call("POST", "/experiments", { name: "made" })).status).toBe(409);

    const q = new URLSearchParams({ order_by: "metrics.loss ASC", filter: "metrics.loss < 0.5", limit: "1" });
    const page1 = await call("GET", `/experiments/${experimentId}/runs?${q}`);
    expect(page1.body.items.map((r: Json) => [r.name, r.metrics.loss])).toEqual([["second", 0.2]]);
    const page2 = await call("GET", `/experiments/${experimentId}/runs?${q}&cursor=${page1.body.nextCursor}`);
    expect(page2.body.items.map((r: Json) => r.name)).toEqual(["first"]);
    expect(page2.body.nextCursor).toBeNull();
    const bad = await call("GET", `/experiments/${experimentId}/runs?filter=${encodeURIComponent("metrics.loss <> 'x'")}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: "BAD_REQUEST", field: "filter" });
  });

  it("uploads, lists and downloads artifacts", async () => {
    const put = await handleV1(
      req(`/api/v1/runs/${runId}/artifacts/plots/loss.png`, { method: "PUT", key, body: new Uint8Array([1, 2, 3]) }),
    );
    expect(put.status).toBe(201);
    expect(await put.json()).toMatchObject({ path: "plots/loss.png", size: 3 });
    const list = await call("GET", `/runs/${runId}/artifacts`);
    expect(list.body.items.map((a: Json) => a.path)).toEqual(["plots/loss.png"]);
    const dl = await handleV1(req(`/api/v1/runs/${runId}/artifacts/plots/loss.png`, { key }));
    expect(new Uint8Array(await dl.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
    expect(dl.headers.get("content-length")).toBe("3");
    if (kind === "s3") expect(await s3().store().has(list.body.items[0].sha256)).toBe(true);
    expect((await handleV1(req(`/api/v1/runs/${runId}/artifacts/nope`, { key }))).status).toBe(404);
  });

  it("refuses bad input with the field named; viewers read only; other projects see 404", async () => {
    const nan = await call("POST", `/runs/${runId}/log`, { metrics: [{ key: "loss", value: "NaN" }] });
    expect(nan.status).toBe(400);
    expect(nan.body.error).toMatchObject({ code: "BAD_REQUEST", field: "metrics.0.value", message: expect.stringMatching(/metric loss/) });
    const param = await call("POST", `/runs/${runId}/log`, { params: { lr: "0.5" } });
    expect(param.body.error).toMatchObject({ code: "BAD_REQUEST", field: "params.lr" });
    const both = await call("POST", "/runs", { experiment: "x", experimentId });
    expect(both.body.error.field).toBe("experiment");
    expect((await call("PATCH", `/runs/${runId}`, { status: "DONE" })).body.error.field).toBe("status");
    expect((await call("GET", "/runs/00000000-0000-4000-8000-000000000000")).status).toBe(404);
    expect((await call("DELETE", `/runs/${runId}`)).status).toBe(405);

    expect((await call("GET", `/runs/${runId}`, undefined, viewerKey)).status).toBe(200);
    expect((await call("POST", `/runs/${runId}/log`, { tags: { a: "b" } }, viewerKey)).status).toBe(403);
    const other = await makeProject(d.db);
    const otherKey = (await makeKey(d.db, other.project.id, other.owner.user.id, "owner")).key;
    expect((await call("GET", `/runs/${runId}`, undefined, otherKey)).status).toBe(404);
    expect((await call("GET", `/experiments/${experimentId}/runs`, undefined, otherKey)).status).toBe(404);
    // a signed-in user names the project
    const member = await makeMember(d.db, p.project.id, "viewer");
    const res = await handleV1(req(`/api/v1/runs/${runId}?project=${p.project.slug}`, { cookie: member.token }));
    expect(res.status).toBe(200);
  });
});

describe("api.registry.experiments (tRPC)", () => {
  it("lists runs with param and metric columns, reads a run, charts and compares", async () => {
    const api = callerFor(d.db, p.owner.principal);
    const projectId = p.project.id;
    const [exp] = (await api.registry.experiments.list({ projectId, search: "http-exp" })).items;
    const page = await api.registry.experiments.searchRuns({ projectId, experimentIds: [exp?.id as string], orderBy: "metrics.loss DESC" });
    expect(page.paramKeys).toEqual(["epochs", "lr"]);
    expect(page.metricKeys).toEqual(["acc", "loss"]);
    expect(page.items.map((r) => r.name)).toEqual(["first", "second", expect.any(String)]);
    const first = page.items[0]?.id as string;
    const second = page.items[1]?.id as string;
    const detail = await api.registry.experiments.run({ projectId, runId: first });
    expect(detail.artifacts.map((a) => a.path)).toEqual(["plots/loss.png"]);
    const charts = await api.registry.experiments.metricHistory({ projectId, runId: first, keys: ["loss", "acc"] });
    expect(charts.map((s) => [s.key, s.values])).toEqual([
      ["loss", [0.9, 0.4]],
      ["acc", [0.7]],
    ]);
    const cmp = await api.registry.experiments.compare({ projectId, runIds: [first, second], keys: ["loss"] });
    expect(cmp.params.find((x) => x.key === "lr")).toEqual({ key: "lr", values: ["0.01", null], differs: true });
    const viewer = await makeMember(d.db, projectId, "viewer");
    await expect(callerFor(d.db, viewer.principal).registry.experiments.create({ projectId, name: "nope" })).rejects.toThrow(/engineer/);
    await api.registry.experiments.setRunDeleted({ projectId, runId: second, deleted: true });
    const after = await api.registry.experiments.searchRuns({ projectId, experimentIds: [exp?.id as string] });
    expect(after.items).toHaveLength(2);
  });

  it("sends every float form of a history back as the same JSON number", async () => {
    // Postgres formats the numbers of a history: every float form must come back as the same JSON number
    const odd = [1e-5, -0.000123, 1.5e300, -2.5e-300, 0.1 + 0.2, 123456789.123, -7, 5e-324, Number.MAX_VALUE];
    const oddRun = (await call("POST", "/runs", { experiment: "odd-numbers" })).body.id;
    await call("POST", `/runs/${oddRun}/log`, {
      metrics: odd.map((value, i) => ({ key: "odd", value, step: 2 ** 40 + i, timestamp: 1_700_000_000_000 + i })),
    });
    const oddHistory = await call("GET", `/runs/${oddRun}/metrics/odd`);
    expect(oddHistory.body.values).toEqual(odd);
    expect(oddHistory.body.steps).toEqual(odd.map((_, i) => 2 ** 40 + i));
    expect(oddHistory.body.timestamps).toEqual(odd.map((_, i) => 1_700_000_000_000 + i));
    expect((await call("GET", `/runs/${oddRun}/metrics/none`)).body).toEqual({
      key: "none",
      steps: [],
      timestamps: [],
      values: [],
      nextCursor: null,
    });
  });

  it("keeps a long series' JSON after a full read and rebuilds it when a point arrives", async () => {
    const run = (await call("POST", "/runs", { experiment: "long-series" })).body.id;
    const values = Array.from({ length: 10_500 }, (_, i) => Math.sin(i) * 1e-3);
    for (let i = 0; i < values.length; i += 1000)
      await call("POST", `/runs/${run}/log`, {
        metrics: values.slice(i, i + 1000).map((value, j) => ({ key: "loss", value, step: i + j, timestamp: 1_700_000_000_000 })),
      });
    const first = await call("GET", `/runs/${run}/metrics/loss`);
    expect(first.body.values).toEqual(values);
    const kept = async () => (await d.db.select().from(schema.runMetricSeries).where(eq(schema.runMetricSeries.runId, run)))[0]?.points;
    await expect.poll(kept).toBe(10_500);
    // a second read is served from the kept text: the same bytes
    expect((await call("GET", `/runs/${run}/metrics/loss`)).body).toEqual(first.body);
    // one more point (an earlier step): the count differs, so the read rebuilds and includes it
    await call("POST", `/runs/${run}/log`, { metrics: [{ key: "loss", value: 42, step: -1, timestamp: 1 }] });
    const after = await call("GET", `/runs/${run}/metrics/loss`);
    expect(after.body.steps[0]).toBe(-1);
    expect(after.body.values).toEqual([42, ...values]);
    await expect.poll(kept).toBe(10_501);
  });
});
