import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addVersion, parseDataset } from "../../server/datasets";
import { categoricalSummary, columnDrift, numericSummary } from "../../server/drift/stats";
import { handleV1 } from "../../server/http/v1";
import { type Principal, SYSTEM_ACTOR } from "../../server/workspace";
import { callerFor, makeKey, makeMember, makeProject } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";
import { type Call, seedWindows } from "./traffic";

let d: TestDatabase;
let projectId: string;
let owner: Principal;
let ownerId: string;
const now = new Date();
const day = 86_400_000;
let reference: Call[];
let current: Call[];

const api = (p: Principal = owner) => callerFor(d.db, p);
const rejects = async (p: Promise<unknown>, code: string, message?: RegExp) => {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, "expected a rejection").toBeInstanceOf(TRPCError);
  expect((err as TRPCError).code).toBe(code);
  if (message) expect((err as TRPCError).message).toMatch(message);
  return err as TRPCError;
};

const baseConfig = (over: Record<string, unknown> = {}) => ({
  source: { kind: "traffic", filter: { tags: ["shifted"] } },
  columns: [
    { name: "latency_ms" },
    { name: "output_tokens" },
    { name: "input_chars" },
    { name: "metadata.score", type: "numerical" },
    { name: "metadata.region", type: "categorical" },
    { name: "status" },
  ],
  reference: { kind: "range", from: new Date(now.getTime() - 10 * day).toISOString(), to: new Date(now.getTime() - 3 * day).toISOString() },
  current: { kind: "sliding", window: "day" },
  minSamples: 30,
  ...over,
});

beforeAll(async () => {
  d = await freshRuntimeDatabase();
  const p = await makeProject(d.db);
  projectId = p.project.id;
  owner = p.owner.principal;
  ownerId = p.owner.user.id;
  ({ reference, current } = await seedWindows(d.db, projectId, {
    now,
    tag: "shifted",
    reference: 400,
    current: 200,
    shift: 1,
    seeds: [1, 2],
    prefix: "s",
  }));
  // the same distribution in both windows under another tag
  await seedWindows(d.db, projectId, { now, tag: "stable", reference: 400, current: 200, shift: 0, seeds: [3, 4], prefix: "t" });
});
afterAll(async () => {
  await d?.drop();
});

describe("drift monitors over logged traffic", () => {
  it("finds the seeded shift, with each column's statistic equal to the library's on the raw values", async () => {
    const m = await api().drift.monitors.create({ projectId, name: "shift", config: baseConfig() });
    expect(m.config.minSamples).toBe(30);
    const run = await api().drift.monitors.run({ projectId, monitor: m.id });
    expect(run.verdict).toBe("drift");
    expect(run.reference.size).toBe(400);
    expect(run.current.size).toBe(200);
    const cols = run.columns as {
      name: string;
      stattest: string;
      value: number;
      drift: boolean;
      referenceSize: number;
      histogram?: { edges: number[] };
    }[];
    const byName = new Map(cols.map((c) => [c.name, c]));
    // n_ref <= 1000: K-S for numerical columns with more than 5 values, chi-square for categories
    const expectNum = (name: string, pick: (c: Call) => number) => {
      const want = columnDrift({
        type: "numerical",
        reference: numericSummary(reference.map(pick)),
        current: numericSummary(current.map(pick)),
      });
      const got = byName.get(name);
      expect(got?.stattest, name).toBe(want.stattest);
      expect(got?.value, name).toBeCloseTo(want.value, 12);
      expect(got?.drift, name).toBe(want.drift);
    };
    expectNum("latency_ms", (c) => c.latencyMs);
    expectNum("output_tokens", (c) => c.outputTokens);
    expectNum("input_chars", (c) => c.prompt.length);
    expectNum("metadata.score", (c) => Number(c.score));
    const region = columnDrift({
      type: "categorical",
      reference: categoricalSummary(reference.map((c) => c.region)),
      current: categoricalSummary(current.map((c) => c.region)),
    });
    // two categories: the proportion z-test (chi-square from three)
    expect(byName.get("metadata.region")?.stattest).toBe("z");
    expect(byName.get("status")?.stattest).toBe(region.stattest);
    expect(byName.get("metadata.region")?.value).toBeCloseTo(region.value, 12);
    expect(byName.get("latency_ms")?.stattest).toBe("ks");
    expect(byName.get("latency_ms")?.histogram?.edges.length).toBeGreaterThan(2);
    expect(run.driftedCount).toBe(cols.filter((c) => c.drift).length);
    expect(run.driftShare).toBeCloseTo(run.driftedCount / run.columnCount, 12);

    const listed = await api().drift.monitors.list({ projectId, limit: 50 });
    expect(listed.items.find((x) => x.id === m.id)?.lastRun?.verdict).toBe("drift");
    expect(listed.items.find((x) => x.id === m.id)?.recent).toEqual([{ number: 1, verdict: "drift", driftShare: run.driftShare }]);
    const got = await api().drift.runs.get({ projectId, runId: run.id });
    expect(got.monitor.name).toBe("shift");
    const timeline = (await api().drift.monitors.get({ projectId, monitor: "shift" })).timeline;
    expect(timeline.map((t) => t.number)).toEqual([1]);
  });

  it("sees no drift between two windows of one distribution, and chosen tests and thresholds apply", async () => {
    const m = await api().drift.monitors.create({
      projectId,
      name: "stable",
      config: baseConfig({ source: { kind: "traffic", filter: { tags: ["stable"] } } }),
    });
    const run = await api().drift.monitors.run({ projectId, monitor: m.id });
    expect(run.verdict).toBe("no_drift");
    const chosen = await api().drift.monitors.preview({
      projectId,
      config: baseConfig({
        columns: [
          { name: "latency_ms", stattest: "psi", threshold: 0.05 },
          { name: "metadata.region", type: "categorical", stattest: "jensenshannon", threshold: 0.01 },
        ],
      }),
    });
    const [lat, reg] = chosen.columns;
    expect(lat?.stattest).toBe("psi");
    expect(lat?.threshold).toBe(0.05);
    expect(lat?.drift).toBe((lat?.value ?? 0) >= 0.05);
    expect(reg?.stattest).toBe("jensenshannon");
    expect(reg?.categories?.map((c) => c.name).sort()).toEqual(["eu", "us"]);
  });

  it("reports a window below the minimum sample size as not enough data, never as no drift", async () => {
    const m = await api().drift.monitors.create({ projectId, name: "thin", config: baseConfig({ minSamples: 1000 }) });
    const run = await api().drift.monitors.run({ projectId, monitor: m.id });
    expect(run.verdict).toBe("not_enough_data");
    expect(run.message).toMatch(/not enough data.*400.*200.*1000/);
    const empty = await api().drift.monitors.preview({
      projectId,
      config: baseConfig({ source: { kind: "traffic", filter: { tags: ["nobody-uses-this"] } } }),
    });
    expect(empty.verdict).toBe("not_enough_data");
    expect(empty.current.size).toBe(0);
  });

  it("previous-window and dataset-version references", async () => {
    const prev = await api().drift.monitors.preview({
      projectId,
      config: baseConfig({ reference: { kind: "previous" }, current: { kind: "sliding", window: "week" }, minSamples: 1 }),
    });
    // the week before the last week holds the reference traffic of days 10..7
    expect(prev.reference.label).toBe("previous window");
    expect(prev.reference.size).toBeGreaterThan(0);
    const rows = reference.slice(0, 100).map((c) => JSON.stringify({ input: c.prompt, references: ["x"], metadata: { score: c.score } }));
    await addVersion(d.db, SYSTEM_ACTOR, projectId, "drift-ref", parseDataset(Buffer.from(rows.join("\n")), "jsonl"), {
      kind: "upload",
      format: "jsonl",
      filename: null,
    });
    const ds = await api().drift.monitors.preview({
      projectId,
      config: baseConfig({
        reference: { kind: "dataset", dataset: "drift-ref" },
        columns: [{ name: "input_chars" }, { name: "metadata.score", type: "numerical" }, { name: "language" }],
      }),
    });
    expect(ds.reference.size).toBe(100);
    expect(ds.reference.label).toBe("dataset drift-ref v1");
    expect(ds.columns.map((c) => c.status)).toEqual(["tested", "tested", "tested"]);
  });

  it("names what is wrong in bad input, and writes nothing", async () => {
    const create = (config: unknown, over: Record<string, unknown> = {}) =>
      api().drift.monitors.create({ projectId, name: `bad-${Math.random()}`, config, ...over });
    await rejects(create(baseConfig({ columns: [{ name: "latency" }] })), "BAD_REQUEST", /unknown column latency/);
    await rejects(create(baseConfig({ columns: [{ name: "latency_ms", stattest: "anderson" }] })), "BAD_REQUEST", /stattest/);
    await rejects(create(baseConfig({ columns: [{ name: "latency_ms", stattest: "ks", threshold: 1.5 }] })), "BAD_REQUEST", /threshold/);
    await rejects(create(baseConfig({ columns: [{ name: "latency_ms", stattest: "psi", threshold: -1 }] })), "BAD_REQUEST", /threshold/);
    await rejects(create(baseConfig({ columns: [{ name: "metadata.score" }] })), "BAD_REQUEST", /needs a type/);
    await rejects(create(baseConfig({ columns: [{ name: "status", stattest: "ks" }] })), "BAD_REQUEST", /numerical/);
    await rejects(create(baseConfig(), { schedule: "every day" }), "BAD_REQUEST", /schedule/);
    await rejects(create(baseConfig(), { schedule: "61 * * * *" }), "BAD_REQUEST", /schedule/);
    await rejects(create(baseConfig({ reference: { kind: "dataset", dataset: "no-such-dataset" } })), "BAD_REQUEST", /no-such-dataset/);
    const e = await rejects(
      create(baseConfig({ reference: { kind: "dataset", dataset: "drift-ref" }, columns: [{ name: "latency_ms" }] })),
      "BAD_REQUEST",
      /reference dataset version has no column latency_ms/,
    );
    expect((e.cause as { field?: string } | undefined)?.field ?? "").toBe("config.columns.0");
    await rejects(
      create(baseConfig({ reference: { kind: "dataset", dataset: "drift-ref" }, columns: [{ name: "metadata.nope", type: "numerical" }] })),
      "BAD_REQUEST",
      /metadata\.nope/,
    );
    // region is text: declared numerical, the preview refuses it; a run counts and drops the values
    await rejects(
      api().drift.monitors.preview({ projectId, config: baseConfig({ columns: [{ name: "metadata.region", type: "numerical" }] }) }),
      "BAD_REQUEST",
      /metadata\.region is numerical but 600 of its values are not numbers/,
    );
    const lax = await api().drift.monitors.create({
      projectId,
      name: "lax",
      config: baseConfig({ columns: [{ name: "metadata.region", type: "numerical" }, { name: "latency_ms" }] }),
    });
    const run = await api().drift.monitors.run({ projectId, monitor: lax.id });
    const region = (run.columns as { name: string; status: string; dropped: { reference: number; current: number } }[])[0];
    expect(region?.status).toBe("not_enough_data");
    expect(region?.dropped).toEqual({ reference: 400, current: 200 });
    await rejects(api().drift.monitors.create({ projectId, name: "shift", config: baseConfig() }), "CONFLICT", /already exists/);
    const names = (await api().drift.monitors.list({ projectId, limit: 200 })).items.map((m) => m.name);
    expect(names.filter((n) => n.startsWith("bad-"))).toEqual([]);
  });

  it("keeps other projects and lesser roles out", async () => {
    const viewer = await makeMember(d.db, projectId, "viewer");
    const annotator = await makeMember(d.db, projectId, "annotator");
    for (const who of [viewer, annotator]) {
      await rejects(api(who.principal).drift.monitors.create({ projectId, name: "nope", config: baseConfig() }), "FORBIDDEN");
      await rejects(api(who.principal).drift.monitors.run({ projectId, monitor: "shift" }), "FORBIDDEN");
      await rejects(
        api(who.principal).drift.monitors.update({ projectId, monitor: "shift", patch: { schedule: "0 * * * *" } }),
        "FORBIDDEN",
      );
      await rejects(api(who.principal).drift.monitors.delete({ projectId, monitor: "shift" }), "FORBIDDEN");
    }
    expect((await api(viewer.principal).drift.monitors.list({ projectId, limit: 10 })).items.length).toBeGreaterThan(0);
    const other = await makeProject(d.db);
    const mine = await api().drift.monitors.get({ projectId, monitor: "shift" });
    const runs = await api().drift.runs.list({ projectId, monitor: "shift", limit: 5 });
    const theirs = callerFor(d.db, other.owner.principal);
    await rejects(theirs.drift.monitors.get({ projectId: other.project.id, monitor: mine.id }), "NOT_FOUND");
    await rejects(theirs.drift.monitors.run({ projectId: other.project.id, monitor: mine.id }), "NOT_FOUND");
    await rejects(theirs.drift.runs.get({ projectId: other.project.id, runId: runs.items[0]?.id ?? "" }), "NOT_FOUND");
    // not a member: the project itself is not found
    await rejects(theirs.drift.monitors.get({ projectId, monitor: mine.id }), "NOT_FOUND");
  });

  it("serves the same over REST /api/v1/drift with the usual auth and JSON errors", async () => {
    const { key } = await makeKey(d.db, projectId, ownerId, "engineer");
    const viewer = await makeMember(d.db, projectId, "viewer");
    const { key: viewerKey } = await makeKey(d.db, projectId, viewer.user.id, "viewer");
    const call = (method: string, path: string, body?: unknown, k = key) =>
      handleV1(
        new Request(`http://keel.test/api/v1${path}`, {
          method,
          headers: { authorization: `Bearer ${k}`, "content-type": "application/json" },
          body: body === undefined ? undefined : JSON.stringify(body),
        }),
      );
    const created = await call("POST", "/drift/monitors", { name: "rest", schedule: "*/5 * * * *", config: baseConfig() });
    expect(created.status).toBe(201);
    const m = (await created.json()) as { id: string; nextRunAt: string };
    expect(new Date(m.nextRunAt).getTime()).toBeGreaterThan(Date.now() - 1000);
    expect((await call("GET", "/drift/monitors")).status).toBe(200);
    expect((await call("GET", `/drift/monitors/${m.id}`)).status).toBe(200);
    const patched = await call("PATCH", `/drift/monitors/${m.id}`, { description: "via REST" });
    expect(((await patched.json()) as { description: string }).description).toBe("via REST");
    const ran = await call("POST", `/drift/monitors/${m.id}/run`);
    expect(ran.status).toBe(201);
    const run = (await ran.json()) as { id: string; verdict: string };
    expect(run.verdict).toBe("drift");
    const runs = (await (await call("GET", `/drift/monitors/${m.id}/runs?limit=5`)).json()) as { items: { id: string }[] };
    expect(runs.items.map((r) => r.id)).toEqual([run.id]);
    expect((await call("GET", `/drift/runs/${run.id}`)).status).toBe(200);
    expect((await call("GET", "/drift/alerts")).status).toBe(200);
    const bad = await call("POST", "/drift/monitors", { name: "rest-bad", config: baseConfig({ columns: [{ name: "nope" }] }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string; field: string } }).error).toMatchObject({ field: "config.columns" });
    expect((await call("POST", "/drift/monitors", { name: "v", config: baseConfig() }, viewerKey)).status).toBe(403);
    expect((await call("GET", "/drift/monitors/00000000-0000-0000-0000-000000000000")).status).toBe(404);
    expect((await call("PUT", `/drift/monitors/${m.id}`)).status).toBe(405);
    expect((await call("DELETE", `/drift/monitors/${m.id}`)).status).toBe(200);
    expect((await call("GET", `/drift/monitors/${m.id}`)).status).toBe(404);
  });
});
