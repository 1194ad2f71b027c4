import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import {
  compareRuns,
  createExperiment,
  createRun,
  ensureExperiment,
  getRun,
  getRunDetail,
  listExperiments,
  logBatch,
  metricHistories,
  metricHistory,
  searchRuns,
  setExperimentLifecycle,
  setRunLifecycle,
  updateRun,
} from "../../server/registry";
import { SYSTEM_ACTOR } from "../../server/workspace";
import { makeProject } from "../factories/workspace";
import { freshDatabase, type TestDatabase } from "../helpers/db";

let d: TestDatabase;
let projectId: string;
let experimentId: string;
beforeAll(async () => {
  d = await freshDatabase();
  projectId = (await makeProject(d.db)).project.id;
  experimentId = (await createExperiment(d.db, SYSTEM_ACTOR, projectId, { name: "sweep" })).id;
});
afterAll(() => d.drop());

const newRun = (opts: { name?: string; startTime?: number; params?: Record<string, string>; exp?: string } = {}) =>
  createRun(d.db, SYSTEM_ACTOR, projectId, { experimentId: opts.exp ?? experimentId, ...opts });

const rejects = async (p: Promise<unknown>, code: string, message: RegExp) => {
  const err = (await p.then(
    () => null,
    (e: unknown) => e,
  )) as { code: string; message: string } | null;
  expect(err, "expected a rejection").not.toBeNull();
  expect(err?.code).toBe(code);
  expect(err?.message).toMatch(message);
};

describe("experiments", () => {
  it("creates, refuses a duplicate name (409), ensures by name, lists with run counts, deletes and restores", async () => {
    const e = await createExperiment(d.db, SYSTEM_ACTOR, projectId, { name: "exp-a", tags: { team: "nlp" } });
    expect(e).toMatchObject({ name: "exp-a", tags: { team: "nlp" }, lifecycleStage: "active" });
    await rejects(createExperiment(d.db, SYSTEM_ACTOR, projectId, { name: "exp-a" }), "CONFLICT", /already exists/);
    expect((await ensureExperiment(d.db, SYSTEM_ACTOR, projectId, "exp-a")).id).toBe(e.id);
    await createRun(d.db, SYSTEM_ACTOR, projectId, { experimentId: e.id });
    const page = await listExperiments(d.db, projectId, { limit: 10, search: "EXP-" });
    expect(page.items.map((x) => [x.name, x.runCount])).toEqual([["exp-a", 1]]);
    await setExperimentLifecycle(d.db, SYSTEM_ACTOR, projectId, e.id, "deleted");
    expect((await listExperiments(d.db, projectId, { limit: 10, search: "exp-a" })).items).toEqual([]);
    await rejects(createRun(d.db, SYSTEM_ACTOR, projectId, { experimentId: e.id }), "BAD_REQUEST", /deleted/);
    await setExperimentLifecycle(d.db, SYSTEM_ACTOR, projectId, e.id, "active");
    const filtered = await listExperiments(d.db, projectId, { limit: 10, filter: "name LIKE 'exp-%' AND tags.team = 'nlp'" });
    expect(filtered.items.map((x) => x.name)).toEqual(["exp-a"]);
  });

  it("answers 404 for another project's experiment and for a malformed id", async () => {
    const other = await makeProject(d.db);
    await rejects(createRun(d.db, SYSTEM_ACTOR, other.project.id, { experimentId }), "NOT_FOUND", /experiment/);
    await rejects(createRun(d.db, SYSTEM_ACTOR, projectId, { experimentId: "nope" }), "NOT_FOUND", /experiment nope/);
  });
});

describe("runs: params, tags, metrics", () => {
  it("keeps params immutable: same value is fine, a different one is 400 and nothing of the batch is written", async () => {
    const run = await newRun({ params: { lr: "0.1" } });
    await logBatch(d.db, projectId, run.id, { params: { lr: "0.1", layers: "4" } });
    await rejects(
      logBatch(d.db, projectId, run.id, { params: { lr: "0.2" }, metrics: [{ key: "loss", value: 1 }], tags: { t: "x" } }),
      "BAD_REQUEST",
      /param lr was already logged with value "0.1".*attempted "0.2"/,
    );
    const after = await getRunDetail(d.db, projectId, run.id);
    expect(after.params).toEqual({ lr: "0.1", layers: "4" });
    expect(after.tags).toEqual({});
    expect(after.metrics).toEqual([]);
  });

  it("overwrites tags; mlflow.runName renames the run", async () => {
    const run = await newRun({ name: "first" });
    await logBatch(d.db, projectId, run.id, { tags: { stage: "a" } });
    await logBatch(d.db, projectId, run.id, { tags: { stage: "b", "mlflow.runName": "renamed" } });
    expect(await getRun(d.db, projectId, run.id)).toMatchObject({ name: "renamed", tags: { stage: "b" } });
  });

  it("refuses non-finite values naming the key, and bad steps", async () => {
    const run = await newRun();
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])
      await rejects(
        logBatch(d.db, projectId, run.id, {
          metrics: [
            { key: "acc", value: 1 },
            { key: "loss", value },
          ],
        }),
        "BAD_REQUEST",
        /metric loss must be a finite number/,
      );
    await rejects(
      logBatch(d.db, projectId, run.id, { metrics: [{ key: "loss", value: 1, step: 1.5 }] }),
      "BAD_REQUEST",
      /step must be an integer/,
    );
    expect((await getRunDetail(d.db, projectId, run.id)).metrics).toEqual([]);
  });

  it("keeps the latest metric by (step, timestamp) whatever order points arrive in", async () => {
    const run = await newRun();
    await logBatch(d.db, projectId, run.id, { metrics: [{ key: "loss", value: 0.5, step: 5, timestamp: 1000 }] });
    // an earlier step logged late: history grows, latest stays
    await logBatch(d.db, projectId, run.id, { metrics: [{ key: "loss", value: 0.9, step: 1, timestamp: 2000 }] });
    let latest = (await getRunDetail(d.db, projectId, run.id)).metrics;
    expect(latest).toEqual([{ key: "loss", value: 0.5, step: 5, timestamp: 1000 }]);
    // same step, later timestamp replaces; within one batch the highest (step, timestamp) wins
    await logBatch(d.db, projectId, run.id, {
      metrics: [
        { key: "loss", value: 0.3, step: 7, timestamp: 900 },
        { key: "loss", value: 0.4, step: 5, timestamp: 3000 },
        { key: "loss", value: 0.2, step: 7, timestamp: 950 },
        { key: "acc", value: 0.8, step: 2, timestamp: 10 },
      ],
    });
    latest = (await getRunDetail(d.db, projectId, run.id)).metrics;
    expect(latest).toEqual([
      { key: "acc", value: 0.8, step: 2, timestamp: 10 },
      { key: "loss", value: 0.2, step: 7, timestamp: 950 },
    ]);
    const rows = await d.db
      .select()
      .from(schema.runLatestMetrics)
      .where(and(eq(schema.runLatestMetrics.runId, run.id), eq(schema.runLatestMetrics.key, "loss")));
    expect(rows).toEqual([{ runId: run.id, experimentId, key: "loss", value: 0.2, step: 7, timestamp: 950 }]);
    const h = await metricHistory(d.db, projectId, run.id, "loss");
    expect(h).toMatchObject({
      steps: [1, 5, 5, 7, 7],
      timestamps: [2000, 1000, 3000, 900, 950],
      values: [0.9, 0.5, 0.4, 0.3, 0.2],
      nextCursor: null,
    });
  });

  it("returns 100,000 points of history fast, whole or paged", async () => {
    const run = await newRun();
    const N = 100_000;
    // bulk-load the series (logging throughput is not what this measures), then log one batch through the service
    await d.sql`insert into run_metrics (run_id, key, step, timestamp, value)
      select ${run.id}, 'loss', g, 1700000000000 + g, 1.0 / (g + 1) from generate_series(0, ${N - 2}) g`;
    await logBatch(d.db, projectId, run.id, {
      metrics: [{ key: "loss", value: 1 / N, step: N - 1, timestamp: 1_700_000_000_000 + N - 1 }],
    });
    const t0 = performance.now();
    const all = await metricHistory(d.db, projectId, run.id, "loss");
    const ms = performance.now() - t0;
    expect(all.steps).toHaveLength(N);
    expect(all.steps[N - 1]).toBe(N - 1);
    expect(all.values[0]).toBe(1);
    expect(all.timestamps[12_345]).toBe(1_700_000_012_345);
    expect(ms).toBeLessThan(3000);
    const first = await metricHistory(d.db, projectId, run.id, "loss", { limit: 25_000 });
    expect(first.steps).toHaveLength(25_000);
    expect(first.nextCursor).toBe("25000");
    const last = await metricHistory(d.db, projectId, run.id, "loss", { limit: 25_000, cursor: "75000" });
    expect(last.steps[0]).toBe(75_000);
    expect(last.nextCursor).toBeNull();
    const [thin] = await metricHistories(d.db, projectId, run.id, ["loss"], 500);
    expect(thin?.steps).toHaveLength(500);
    expect([thin?.steps[0], thin?.steps[499]]).toEqual([0, N - 1]);
  });

  it("ends a run: a terminal status sets the end time; 404 for another project's run", async () => {
    const run = await newRun();
    const ended = await updateRun(d.db, projectId, run.id, { status: "FINISHED" });
    expect(ended.status).toBe("FINISHED");
    expect(ended.endTime).toBeGreaterThanOrEqual(run.startTime);
    await rejects(updateRun(d.db, projectId, run.id, { status: "DONE" as never }), "BAD_REQUEST", /status must be one of/);
    const other = await makeProject(d.db);
    await rejects(getRun(d.db, other.project.id, run.id), "NOT_FOUND", /run/);
    await rejects(logBatch(d.db, other.project.id, run.id, { params: { a: "b" } }), "NOT_FOUND", /run/);
    await setRunLifecycle(d.db, SYSTEM_ACTOR, projectId, run.id, "deleted");
    await rejects(logBatch(d.db, projectId, run.id, { params: { a: "b" } }), "BAD_REQUEST", /deleted/);
  });
});

describe("search", () => {
  let exp: string;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    exp = (await createExperiment(d.db, SYSTEM_ACTOR, projectId, { name: "search" })).id;
    // r0..r9: loss = (i * 7) % 10 / 10 (distinct), r10, r11 without loss
    for (let i = 0; i < 12; i++) {
      const run = await newRun({ name: `r${i}`, startTime: 1_000 + i, exp, params: { lr: String(i % 3), ...(i % 2 ? { odd: "y" } : {}) } });
      ids[`r${i}`] = run.id;
      if (i < 10) await logBatch(d.db, projectId, run.id, { metrics: [{ key: "loss", value: ((i * 7) % 10) / 10, step: 1 }] });
      if (i % 4 === 0) await updateRun(d.db, projectId, run.id, { status: "FINISHED" });
    }
  });
  const all = async (orderBy?: string, filter?: string, limit = 5) => {
    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof searchRuns>> = await searchRuns(d.db, projectId, {
        experimentIds: [exp],
        orderBy,
        filter,
        limit,
        cursor,
      });
      names.push(...page.items.map((r) => r.name));
      cursor = page.nextCursor;
    } while (cursor);
    return names;
  };

  it("defaults to newest start first, paged", async () => {
    expect(await all()).toEqual(["r11", "r10", "r9", "r8", "r7", "r6", "r5", "r4", "r3", "r2", "r1", "r0"]);
  });

  it("sorts by a metric's latest value across pages, runs without it last", async () => {
    // loss: r0 .0, r1 .7, r2 .4, r3 .1, r4 .8, r5 .5, r6 .2, r7 .9, r8 .6, r9 .3
    const asc = ["r0", "r3", "r6", "r9", "r2", "r5", "r8", "r1", "r4", "r7", "r11", "r10"];
    for (const limit of [1, 3, 5, 50]) expect(await all("metrics.loss ASC", undefined, limit)).toEqual(asc);
    expect(await all("metrics.loss DESC", undefined, 4)).toEqual([
      "r7",
      "r4",
      "r1",
      "r8",
      "r5",
      "r2",
      "r9",
      "r6",
      "r3",
      "r0",
      "r11",
      "r10",
    ]);
    const page = await searchRuns(d.db, projectId, { experimentIds: [exp], orderBy: "metrics.loss", limit: 2 });
    expect(page.items[0]?.metrics).toEqual({ loss: 0 });
  });

  it("sorts by a param, then runs without it", async () => {
    // ties (same value) are broken by run id, so only the groups are fixed
    const odd = await all("params.odd DESC", undefined, 2);
    expect(odd.slice(0, 6).sort()).toEqual(["r1", "r11", "r3", "r5", "r7", "r9"]);
    expect(odd.slice(6)).toEqual(["r10", "r8", "r6", "r4", "r2", "r0"]);
    const byLr = await all("params.lr", undefined, 3);
    expect(byLr).toHaveLength(12);
    expect(byLr.map((n) => Number(n.slice(1)) % 3)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
  });

  it("filters by metric comparison, param, tag and status", async () => {
    expect(await all("metrics.loss", "metrics.loss < 0.5")).toEqual(["r0", "r3", "r6", "r9", "r2"]);
    expect(await all(undefined, "params.lr = '1' AND metrics.loss >= 0.5")).toEqual(["r7", "r4", "r1"]);
    expect(await all(undefined, "attributes.status = 'FINISHED'")).toEqual(["r8", "r4", "r0"]);
    expect(await all(undefined, "attributes.run_name = 'r5'")).toEqual(["r5"]);
    await logBatch(d.db, projectId, ids.r2 as string, { tags: { best: "yes" } });
    expect(await all(undefined, "tags.best = 'yes'")).toEqual(["r2"]);
    expect(await all(undefined, "attributes.status IN ('FINISHED', 'KILLED') AND params.odd = 'y'")).toEqual([]);
  });

  it("refuses a malformed filter or order with a 400 naming it", async () => {
    const search = (filter?: string, orderBy?: string) => searchRuns(d.db, projectId, { experimentIds: [exp], filter, orderBy, limit: 5 });
    await rejects(search("metrics.loss <"), "BAD_REQUEST", /invalid filter "metrics.loss <": expected a value/);
    await rejects(search("metrics.loss < 'a'"), "BAD_REQUEST", /compares with a number/);
    await rejects(search("params.lr = '1' OR params.lr = '2'"), "BAD_REQUEST", /OR is not supported/);
    await rejects(search("attributes.color = 'red'"), "BAD_REQUEST", /unknown attribute "color"/);
    await rejects(search(undefined, "metrics.loss SIDEWAYS"), "BAD_REQUEST", /invalid order_by/);
    await rejects(searchRuns(d.db, projectId, { experimentIds: [exp], limit: 5, cursor: "garbage" }), "BAD_REQUEST", /cursor/);
  });

  it("compares runs: params diff, latest metrics, series", async () => {
    const c = await compareRuns(d.db, projectId, { runIds: [ids.r1 as string, ids.r2 as string], keys: ["loss"] });
    expect(c.params).toEqual([
      { key: "lr", values: ["1", "2"], differs: true },
      { key: "odd", values: ["y", null], differs: true },
    ]);
    expect(c.metrics).toEqual([{ key: "loss", values: [0.7, 0.4] }]);
    expect(c.series.map((s) => [s.runId, s.key, s.values])).toEqual([
      [ids.r1, "loss", [0.7]],
      [ids.r2, "loss", [0.4]],
    ]);
    await rejects(compareRuns(d.db, projectId, { runIds: [ids.r1 as string] }), "BAD_REQUEST", /2 to 10/);
  });
});
