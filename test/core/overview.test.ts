import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { addVersion, parseDataset } from "../../server/datasets";
import { ingestBatch } from "../../server/logs";
import { type Principal, SYSTEM_ACTOR } from "../../server/workspace";
import { seedWindows } from "../drift/traffic";
import { callerFor, makeKey, makeMember, makeProject } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";

/** `overview.get`: the last 24 hours of a project across logs, registry, evals, tuning and drift. */
let d: TestDatabase;
let projectId: string;
let owner: Principal;
const hour = 3_600_000;
const ago = (h: number) => new Date(Date.now() - h * hour).toISOString();

/** A trace at `at` with one generation of `cost` USD, failed when `error`. */
const call = (id: string, at: string, cost: number, error = false) => [
  { type: "trace", id, body: { timestamp: at, name: "chat", input: { q: id }, output: { a: id } } },
  {
    type: "observation",
    id: `${id}-gen`,
    body: {
      traceId: id,
      type: "generation",
      model: "m",
      startTime: at,
      endTime: at,
      usage: { input: 10, output: 5 },
      cost,
      status: error ? "error" : "ok",
    },
  },
];
const rating = (traceId: string, name: string, value: number | boolean | string) => ({ type: "rating", body: { traceId, name, value } });

beforeAll(async () => {
  d = await freshRuntimeDatabase();
  const p = await makeProject(d.db);
  projectId = p.project.id;
  owner = p.owner.principal;
});
afterAll(async () => {
  await d?.drop();
});

describe("overview.get", () => {
  it("gives zeros and empty lists for an empty project, to any member", async () => {
    const viewer = await makeMember(d.db, projectId, "viewer");
    const o = await callerFor(d.db, viewer.principal).overview.get({ projectId });
    expect(o.traffic).toEqual({
      current: { traces: 0, errors: 0, cost: 0, tokens: 0 },
      previous: { traces: 0, errors: 0, cost: 0, tokens: 0 },
    });
    expect(o.ratings).toEqual([]);
    expect(o.aliases).toEqual([]);
    expect(o.evals).toEqual({ runs: 0, failedRuns: 0, gatesPassed: 0, gatesFailed: 0, recent: [] });
    expect(o.tuning).toEqual({ active: 0, succeeded: 0, failed: 0, recent: [] });
    expect(o.drift).toEqual({ open: 0, raised: 0, recent: [] });
    expect(o.until.getTime() - o.since.getTime()).toBe(24 * hour);
  });

  it("sums traffic and keeps each score's kind apart, beside the previous 24 hours", async () => {
    await d.db.insert(schema.scoreConfigs).values({
      projectId,
      name: "tone",
      dataType: "categorical",
      categories: [
        { label: "calm", value: 0 },
        { label: "rude", value: 1 },
      ],
    });
    const res = await ingestBatch(
      d.db,
      projectId,
      [
        ...call("now-1", ago(1), 0.5),
        ...call("now-2", ago(2), 0.25, true),
        ...call("now-3", ago(3), 0.25),
        ...call("old-1", ago(30), 1),
        ...call("older", ago(60), 9),
        rating("now-1", "thumbs", true),
        rating("now-2", "thumbs", true),
        rating("now-3", "thumbs", false),
        rating("now-1", "quality", 5),
        rating("now-2", "quality", 2),
        rating("now-1", "tone", "rude"),
        rating("now-2", "tone", "calm"),
        rating("now-3", "tone", "rude"),
      ],
      { source: "api" },
    );
    expect(res.every((r) => r.status === 201)).toBe(true);
    // ratings given in the previous window: one thumbs down a day ago
    const [old] = await d.db
      .insert(schema.ratings)
      .values({
        projectId,
        id: "old-thumb",
        traceId: "old-1",
        name: "thumbs",
        dataType: "boolean",
        value: 0,
        source: "api",
        createdAt: new Date(ago(30)),
      })
      .returning();
    expect(old).toBeDefined();

    const o = await callerFor(d.db, owner).overview.get({ projectId });
    expect(o.traffic.current).toEqual({ traces: 3, errors: 1, cost: 1, tokens: 45 });
    expect(o.traffic.previous).toEqual({ traces: 1, errors: 0, cost: 1, tokens: 15 });
    const byName = Object.fromEntries(o.ratings.map((r) => [r.name, r]));
    expect(Object.keys(byName).sort()).toEqual(["quality", "thumbs", "tone"]);
    expect(byName.thumbs).toMatchObject({ dataType: "boolean", count: 3, value: 2 / 3, previous: { count: 1, value: 0 } });
    expect(byName.quality).toMatchObject({ dataType: "numeric", count: 2, value: 3.5, previous: null });
    expect(byName.tone).toMatchObject({
      dataType: "categorical",
      count: 3,
      value: null,
      categories: [
        { label: "rude", count: 2 },
        { label: "calm", count: 1 },
      ],
    });
  });

  it("lists alias moves naming who moved them, eval runs with their gates, and tuning jobs", async () => {
    const api = callerFor(d.db, owner);
    const P = { projectId };
    await api.registry.models.create({ ...P, name: "ov-model" });
    const v1 = await api.registry.versions.createFromUri({ ...P, model: "ov-model", uri: "s3://m/1" });
    await api.registry.versions.createFromUri({ ...P, model: "ov-model", uri: "s3://m/2" });
    await api.registry.aliases.move({ ...P, model: "ov-model", alias: "production", version: 1 });
    const key = await makeKey(d.db, projectId, (owner as { userId: string }).userId, "owner");
    await callerFor(d.db, key.principal).registry.aliases.move({ ...P, model: "ov-model", alias: "production", version: 2 });

    const dv = await addVersion(
      d.db,
      SYSTEM_ACTOR,
      projectId,
      "ov-data",
      parseDataset(Buffer.from('{"input":"a","references":["b"]}\n'), "jsonl"),
      {
        kind: "upload",
        format: "jsonl",
        filename: null,
      },
    );
    const [run] = await d.db
      .insert(schema.evalRuns)
      .values({
        projectId,
        name: "nightly",
        datasetVersionId: dv.id,
        target: { kind: "column", column: "prediction" },
        metrics: {},
        status: "succeeded",
      })
      .returning();
    const [gate] = await d.db
      .insert(schema.gates)
      .values({ projectId, name: "bleu floor", rules: ["bleu.score >= 10"] })
      .returning();
    await d.db.insert(schema.gateEvaluations).values({ projectId, gateId: gate!.id, runId: run!.id, passed: false, results: [] });
    await d.db.insert(schema.tuningJobs).values({
      projectId,
      number: 1,
      method: "head",
      baseVersionId: v1.id,
      datasetVersionId: dv.id,
      outputModel: "ov-tuned",
      hyperparameters: {},
      resources: {} as never,
      fields: { text: "input", label: "label" },
      status: "running",
    });

    const o = await api.overview.get({ projectId });
    expect(o.aliases.map((a) => [a.model, a.alias, a.from, a.to, a.actor.kind])).toEqual([
      ["ov-model", "production", 1, 2, "key"],
      ["ov-model", "production", null, 1, "member"],
    ]);
    expect(o.aliases[0]?.actor).toMatchObject({ keyName: expect.stringMatching(/^key /), userEmail: (owner as { email: string }).email });
    expect(o.evals).toMatchObject({
      runs: 1,
      gatesPassed: 0,
      gatesFailed: 1,
      recent: [{ id: run!.id, name: "nightly", gates: [{ gate: "bleu floor", passed: false }] }],
    });
    expect(o.tuning).toMatchObject({ active: 1, recent: [{ number: 1, outputModel: "ov-tuned", status: "running" }] });
  });

  it("lists open drift alerts with their monitor", async () => {
    const other = await makeProject(d.db);
    const api = callerFor(d.db, other.owner.principal);
    const now = new Date();
    await seedWindows(d.db, other.project.id, { now, tag: "shifted", reference: 120, current: 60, shift: 1, seeds: [1, 2], prefix: "s" });
    const m = await api.drift.monitors.create({
      projectId: other.project.id,
      name: "ov-monitor",
      config: {
        source: { kind: "traffic", filter: { tags: ["shifted"] } },
        columns: [{ name: "latency_ms" }, { name: "output_tokens" }],
        reference: {
          kind: "range",
          from: new Date(now.getTime() - 240 * hour).toISOString(),
          to: new Date(now.getTime() - 72 * hour).toISOString(),
        },
        current: { kind: "sliding", window: "day" },
      },
    });
    await api.drift.rules.create({
      projectId: other.project.id,
      monitor: m.id,
      rule: { name: "any drift", condition: { kind: "dataset_drift" } },
    });
    expect((await api.drift.monitors.run({ projectId: other.project.id, monitor: m.id })).verdict).toBe("drift");
    const o = await api.overview.get({ projectId: other.project.id });
    expect(o.drift).toMatchObject({ open: 1, raised: 1, recent: [{ monitor: "ov-monitor", monitorId: m.id, status: "open" }] });
    // the first project sees none of it
    expect((await callerFor(d.db, owner).overview.get({ projectId })).drift.recent).toEqual([]);
  });

  it("is NOT_FOUND for a project the caller is not a member of", async () => {
    const stranger = await makeProject(d.db);
    await expect(callerFor(d.db, stranger.owner.principal).overview.get({ projectId })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
