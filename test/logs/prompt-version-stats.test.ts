import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrompt } from "../../server/registry";
import { SYSTEM_ACTOR } from "../../server/workspace";
import { callerFor, makeProject } from "../factories/workspace";
import { freshDatabase, type TestDatabase } from "../helpers/db";

/**
 * Issue 20's usage and rating figures per prompt version (server/logs/prompt-version-stats.ts), through
 * api.logs.traces.promptVersionStats, against traces and ratings ingested with their prompt version.
 */
let d: TestDatabase;
let p: Awaited<ReturnType<typeof makeProject>>;

beforeAll(async () => {
  d = await freshDatabase();
  p = await makeProject(d.db);
});
afterAll(() => d?.drop());

const DAY1 = Date.parse("2026-03-01T10:00:00Z");
const DAY2 = Date.parse("2026-03-02T10:00:00Z");

/** One trace of `version` at `at` lasting `ms`, costing `cost` USD, with its ratings. */
function call(
  id: string,
  version: { name: string; version: number },
  at: number,
  ms: number,
  cost: number,
  ratings: [string, number | boolean][] = [],
  status: "ok" | "error" = "ok",
) {
  return [
    { type: "trace", id, body: { timestamp: new Date(at).toISOString(), name: "qa", prompt: version } },
    {
      type: "observation",
      id: `${id}-gen`,
      body: {
        traceId: id,
        type: "generation",
        model: "m",
        startTime: new Date(at).toISOString(),
        endTime: new Date(at + ms).toISOString(),
        cost,
        status,
      },
    },
    ...ratings.map(([name, value]) => ({ type: "rating", body: { traceId: id, name, value } })),
  ];
}

describe("prompt version stats", () => {
  it("counts calls, latency p50/p95, cost and each score's mean per version, in total and per day", async () => {
    const api = callerFor(d.db, p.owner.principal);
    const P = { projectId: p.project.id };
    await createPrompt(d.db, SYSTEM_ACTOR, p.project.id, { name: "greet", prompt: "Hi {{who}}" });
    await createPrompt(d.db, SYSTEM_ACTOR, p.project.id, { name: "greet", prompt: "Hello {{who}}" });
    await createPrompt(d.db, SYSTEM_ACTOR, p.project.id, { name: "greet", prompt: "Hey {{who}}" });
    await createPrompt(d.db, SYSTEM_ACTOR, p.project.id, { name: "other", prompt: "x" });
    const v1 = { name: "greet", version: 1 };
    const v2 = { name: "greet", version: 2 };
    const batch = [
      // v1: four calls over two days, 100..400 ms, one error; quality 2 and 4, helpful true, false, true
      ...call("a1", v1, DAY1, 100, 0.01, [
        ["quality", 2],
        ["helpful", true],
      ]),
      ...call("a2", v1, DAY1 + 60_000, 200, 0.02, [
        ["quality", 4],
        ["helpful", false],
      ]),
      ...call("a3", v1, DAY2, 300, 0.03, [["helpful", true]], "error"),
      ...call("a4", v1, DAY2 + 60_000, 400, 0.04),
      // v2: one call on day 2
      ...call("b1", v2, DAY2, 1000, 0.5, [["quality", 5]]),
      // another prompt's call and a call with no prompt: counted nowhere here
      ...call("c1", { name: "other", version: 1 }, DAY2, 50, 9),
      { type: "trace", id: "n1", body: { timestamp: new Date(DAY2).toISOString() } },
    ];
    const { results } = await api.logs.ingest({ ...P, batch });
    expect(results.filter((r) => r.status !== 201)).toEqual([]);

    const stats = await api.logs.traces.promptVersionStats({ ...P, name: "greet" });
    expect(stats.versions.map((v) => v.version)).toEqual([3, 2, 1]);
    const [s3, s2, s1] = stats.versions;
    expect(s3).toMatchObject({ calls: 0, errors: 0, latencyP50: null, latencyP95: null, cost: 0, scores: [] });
    expect(s2).toMatchObject({
      calls: 1,
      latencyP50: 1000,
      latencyP95: 1000,
      scores: [{ name: "quality", dataType: "numeric", count: 1, mean: 5 }],
    });
    expect(s2?.cost).toBeCloseTo(0.5, 10);
    // nearest rank over 100, 200, 300, 400: p50 is the 2nd, p95 the 4th
    expect(s1).toMatchObject({ calls: 4, errors: 1, latencyP50: 200, latencyP95: 400 });
    expect(s1?.cost).toBeCloseTo(0.1, 10);
    expect(s1?.scores).toEqual([
      { name: "helpful", dataType: "boolean", count: 3, mean: 2 / 3 },
      { name: "quality", dataType: "numeric", count: 2, mean: 3 },
    ]);

    // per day (UTC): v1 on both days, v2 on the second
    const day1 = new Date("2026-03-01T00:00:00Z").getTime();
    const day2 = new Date("2026-03-02T00:00:00Z").getTime();
    const pts = stats.points.map((x) => ({ t: x.bucket.getTime(), version: x.version, calls: x.calls, p50: x.latencyP50 }));
    expect(pts).toEqual(
      expect.arrayContaining([
        { t: day1, version: 1, calls: 2, p50: 100 },
        { t: day2, version: 1, calls: 2, p50: 300 },
        { t: day2, version: 2, calls: 1, p50: 1000 },
      ]),
    );
    expect(pts).toHaveLength(3);
    const quality = stats.scorePoints.filter((x) => x.name === "quality").map((x) => [x.bucket.getTime(), x.version, x.mean]);
    expect(quality).toEqual(
      expect.arrayContaining([
        [day1, 1, 3],
        [day2, 2, 5],
      ]),
    );
    expect(quality).toHaveLength(2);

    // a time range keeps the second day only
    const ranged = await api.logs.traces.promptVersionStats({ ...P, name: "greet", from: new Date(day2), to: new Date(day2 + 86_400_000) });
    expect(ranged.versions.find((v) => v.version === 1)).toMatchObject({ calls: 2, errors: 1, latencyP50: 300, latencyP95: 400 });
    expect(ranged.versions.find((v) => v.version === 1)?.scores).toEqual([{ name: "helpful", dataType: "boolean", count: 1, mean: 1 }]);

    // hourly buckets: v1's two day-1 calls share their hour
    const hourly = await api.logs.traces.promptVersionStats({ ...P, name: "greet", bucket: "hour" });
    expect(hourly.points.find((x) => x.version === 1 && x.bucket.getTime() === DAY1)).toMatchObject({ calls: 2 });
  });

  it("names what is wrong: an unknown prompt is a 404 on name, a model a 400, another project's prompt not found", async () => {
    const api = callerFor(d.db, p.owner.principal);
    await expect(api.logs.traces.promptVersionStats({ projectId: p.project.id, name: "nope" })).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "prompt nope not found",
    });
    const other = await makeProject(d.db);
    await createPrompt(d.db, SYSTEM_ACTOR, other.project.id, { name: "theirs", prompt: "x" });
    await expect(api.logs.traces.promptVersionStats({ projectId: p.project.id, name: "theirs" })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    const { createModel } = await import("../../server/registry");
    await createModel(d.db, SYSTEM_ACTOR, p.project.id, { name: "a-model" });
    await expect(api.logs.traces.promptVersionStats({ projectId: p.project.id, name: "a-model" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "a-model is a model, not a prompt",
    });
  });
});
