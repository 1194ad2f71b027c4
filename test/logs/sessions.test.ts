import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingestBatch } from "../../server/logs";
import type { Principal } from "../../server/workspace";
import { callerFor, makeMember, makeProject } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";

/** `logs.sessions.*` and `logs.users.*`: traces grouped by session and by end user, against real Postgres. */
let d: TestDatabase;
let projectId: string;
let otherProjectId: string;
let viewer: Principal;
const run = randomBytes(3).toString("hex");
const S1 = `chat-${run}-1`;
const S2 = `chat-${run}-2`;
const base = Date.now() - 3 * 3_600_000;
const at = (min: number) => new Date(base + min * 60_000).toISOString();

/** A trace of `session` by `user` at minute `min`, costing `cost` USD over one generation. */
function turn(id: string, o: { session?: string; user?: string; min: number; cost: number; q: string; a: string; error?: boolean }) {
  return [
    {
      type: "trace",
      id,
      body: { timestamp: at(o.min), sessionId: o.session, userId: o.user, name: "chat", input: { q: o.q }, output: { a: o.a } },
    },
    {
      type: "observation",
      id: `${id}-g`,
      body: {
        traceId: id,
        type: "generation",
        model: "m",
        startTime: at(o.min),
        endTime: at(o.min),
        usage: { input: 100, output: 10 },
        cost: o.cost,
        status: o.error ? "error" : "ok",
      },
    },
  ];
}
const rating = (traceId: string, name: string, value: number | boolean) => ({ type: "rating", body: { traceId, name, value } });

beforeAll(async () => {
  d = await freshRuntimeDatabase();
  const p = await makeProject(d.db);
  projectId = p.project.id;
  viewer = (await makeMember(d.db, projectId, "viewer")).principal;
  const res = await ingestBatch(
    d.db,
    projectId,
    [
      // in time order by minute; ingested out of order on purpose
      ...turn(`${run}-c`, { session: S1, user: "alice", min: 20, cost: 0.5, q: "and Spain?", a: "Madrid" }),
      ...turn(`${run}-a`, { session: S1, user: "alice", min: 0, cost: 0.25, q: "capital of France?", a: "Paris" }),
      ...turn(`${run}-b`, { session: S1, user: "alice", min: 10, cost: 0.25, q: "and Italy?", a: "Rome", error: true }),
      ...turn(`${run}-d`, { session: S2, user: "bob", min: 30, cost: 1, q: "hi", a: "hello" }),
      ...turn(`${run}-e`, { user: "bob", min: 40, cost: 2, q: "no session", a: "ok" }),
      ...turn(`${run}-f`, { min: 50, cost: 4, q: "anonymous", a: "ok" }),
      rating(`${run}-a`, "thumbs", true),
      rating(`${run}-b`, "thumbs", false),
      rating(`${run}-c`, "thumbs", true),
      rating(`${run}-c`, "quality", 4),
      rating(`${run}-a`, "quality", 2),
    ],
    { source: "api" },
  );
  expect(res.every((r) => r.status === 201)).toBe(true);
  const other = await makeProject(d.db);
  otherProjectId = other.project.id;
  await ingestBatch(
    d.db,
    otherProjectId,
    turn("foreign", { session: `foreign-${run}`, user: "mallory", min: 0, cost: 1, q: "x", a: "y" }),
    {
      source: "api",
    },
  );
});
afterAll(async () => {
  await d?.drop();
});

describe("logs.sessions", () => {
  it("lists sessions newest first with counts, times, cost and ratings per score name", async () => {
    const page = await callerFor(d.db, viewer).logs.sessions.list({ projectId, limit: 50 });
    expect(page.items.map((s) => s.key)).toEqual([S2, S1]);
    const s1 = page.items[1]!;
    expect(s1).toMatchObject({ traces: 3, errors: 1, cost: 1, inputTokens: 300, outputTokens: 30 });
    expect(s1.firstAt.toISOString()).toBe(at(0));
    expect(s1.lastAt.toISOString()).toBe(at(20));
    expect(s1.ratings).toEqual([
      { name: "quality", dataType: "numeric", count: 2, value: 3, categories: [] },
      { name: "thumbs", dataType: "boolean", count: 3, value: 2 / 3, categories: [] },
    ]);
    expect(page.items[0]?.ratings).toEqual([]);
  });

  it("pages by cursor without repeating or skipping a session", async () => {
    const api = callerFor(d.db, viewer);
    const first = await api.logs.sessions.list({ projectId, limit: 1 });
    expect(first.items.map((s) => s.key)).toEqual([S2]);
    const second = await api.logs.sessions.list({ projectId, limit: 1, cursor: first.nextCursor ?? undefined });
    expect(second.items.map((s) => s.key)).toEqual([S1]);
    expect(second.nextCursor).toBeNull();
  });

  it("shows a session's traces in time order with their input, output and ratings", async () => {
    const s = await callerFor(d.db, viewer).logs.sessions.get({ projectId, sessionId: S1, limit: 50 });
    expect(s.session).toMatchObject({ key: S1, traces: 3 });
    expect(s.traces.items.map((t) => [t.input, t.output])).toEqual([
      [{ q: "capital of France?" }, { a: "Paris" }],
      [{ q: "and Italy?" }, { a: "Rome" }],
      [{ q: "and Spain?" }, { a: "Madrid" }],
    ]);
    // Both ratings came in one batch, so they share a time and order by name.
    expect(s.traces.items[2]?.ratings.map((r) => [r.name, r.value])).toEqual([
      ["quality", 4],
      ["thumbs", 1],
    ]);
    const paged = await callerFor(d.db, viewer).logs.sessions.get({ projectId, sessionId: S1, limit: 2 });
    const rest = await callerFor(d.db, viewer).logs.sessions.get({
      projectId,
      sessionId: S1,
      limit: 2,
      cursor: paged.traces.nextCursor ?? undefined,
    });
    expect([...paged.traces.items, ...rest.traces.items].map((t) => t.id)).toEqual([`${run}-a`, `${run}-b`, `${run}-c`]);
  });

  it("is NOT_FOUND for a session of another project or of no trace", async () => {
    for (const sessionId of [`foreign-${run}`, "no-such-session"])
      await expect(callerFor(d.db, viewer).logs.sessions.get({ projectId, sessionId, limit: 10 })).rejects.toMatchObject({
        code: "NOT_FOUND",
        message: "session not found",
      });
  });

  it("refuses bad input naming the field", async () => {
    const api = callerFor(d.db, viewer);
    await expect(api.logs.sessions.get({ projectId, sessionId: "", limit: 10 })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: /sessionId/,
    });
    await expect(api.logs.sessions.list({ projectId, limit: 0 })).rejects.toMatchObject({ code: "BAD_REQUEST", message: /limit/ });
    await expect(api.logs.sessions.list({ projectId, limit: 5, cursor: "nonsense" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: /cursor/,
    });
    await expect(api.logs.users.get({ projectId, userId: "x".repeat(201) })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: /userId/,
    });
  });
});

describe("logs.users", () => {
  it("lists end users with traces, cost, tokens, last seen and ratings", async () => {
    const page = await callerFor(d.db, viewer).logs.users.list({ projectId, limit: 50 });
    expect(page.items.map((u) => [u.key, u.traces, u.cost, u.inputTokens + u.outputTokens])).toEqual([
      ["bob", 2, 3, 220],
      ["alice", 3, 1, 330],
    ]);
    expect(page.items[0]?.lastAt.toISOString()).toBe(at(40));
    expect(page.items[1]?.ratings.map((r) => r.name)).toEqual(["quality", "thumbs"]);
  });

  it("shows a user's traffic per day and recent traces; another project's user is NOT_FOUND", async () => {
    const u = await callerFor(d.db, viewer).logs.users.get({ projectId, userId: "bob" });
    expect(u.user).toMatchObject({ key: "bob", traces: 2, cost: 3 });
    expect(u.daily.reduce((n, x) => n + x.traces, 0)).toBe(2);
    expect(u.daily.reduce((n, x) => n + x.cost, 0)).toBe(3);
    expect(u.recent.map((t) => t.id)).toEqual([`${run}-e`, `${run}-d`]);
    await expect(callerFor(d.db, viewer).logs.users.get({ projectId, userId: "mallory" })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
