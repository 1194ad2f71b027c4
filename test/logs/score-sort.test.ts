import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingestBatch } from "../../server/logs";
import { purgeOldTraces } from "../../server/logs/retention";
import type { TraceSort } from "../../server/logs/trace-sort";
import type { Principal } from "../../server/workspace";
import { callerFor, makeMember, makeProject } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";

/**
 * The explorer's sort by a score's mean reads `trace_scores` (migration 0023), which statement
 * triggers on `ratings` keep: these tests check the table against the ratings after inserts,
 * upserts, renames, free-text ratings, deletes and concurrent writers, and page through the sort.
 */
let d: TestDatabase;
let projectId: string;
let viewer: Principal;
const now = Date.now();
const at = (min: number) => new Date(now - min * 60_000).toISOString();
const trace = (id: string, min: number) => ({ type: "trace", id, body: { timestamp: at(min), name: "chat" } });
const rating = (id: string, traceId: string, name: string, value: number | boolean | string) => ({
  type: "rating",
  id,
  body: { traceId, name, value },
});
const ingest = async (events: unknown[]) => {
  const res = await ingestBatch(d.db, projectId, events, { source: "api" });
  expect(res.filter((r) => r.status !== 201)).toEqual([]);
};

/** trace_scores as stored, and as the ratings say it should be. */
async function scoresTable() {
  const stored = await d.db.execute<{ k: string }>(
    sql`SELECT trace_id || '/' || name || '=' || n || ':' || round(mean::numeric, 6) AS k FROM trace_scores WHERE project_id = ${projectId} ORDER BY 1`,
  );
  const expected = await d.db.execute<{ k: string }>(
    sql`SELECT trace_id || '/' || name || '=' || count(*) || ':' || round(avg(value)::numeric, 6) AS k FROM ratings
        WHERE project_id = ${projectId} AND value IS NOT NULL GROUP BY trace_id, name ORDER BY 1`,
  );
  return { stored: stored.map((r) => r.k), expected: expected.map((r) => r.k) };
}

beforeAll(async () => {
  d = await freshRuntimeDatabase();
  projectId = (await makeProject(d.db)).project.id;
  viewer = (await makeMember(d.db, projectId, "viewer")).principal;
  // t0..t7, newest first; quality: t1 5, t2 3 (two ratings: 2 and 4), t3 3, t4 1, t5 5; t6 and t7 unrated on quality
  await ingest([...Array.from({ length: 8 }, (_, i) => trace(`t${i}`, i))]);
  await ingest([
    rating("r1", "t1", "quality", 5),
    rating("r2a", "t2", "quality", 2),
    rating("r2b", "t2", "quality", 4),
    rating("r3", "t3", "quality", 3),
    rating("r4", "t4", "quality", 1),
    rating("r5", "t5", "quality", 5),
    rating("r0", "t0", "helpful", true),
    rating("r6", "t6", "note", "free text has no value"),
  ]);
});
afterAll(async () => {
  await d?.drop();
});

describe("trace_scores", () => {
  it("sums each trace's valued ratings per name; free text does not count", async () => {
    const s = await scoresTable();
    expect(s.stored).toEqual(s.expected);
    expect(s.stored).toContain("t2/quality=2:3.000000");
    expect(s.stored.some((k) => k.startsWith("t6/"))).toBe(false);
  });

  it("follows an upsert that changes a rating's value or name, and a delete", async () => {
    await ingest([rating("r3", "t3", "quality", 1), rating("r2b", "t2", "tone", 4)]);
    let s = await scoresTable();
    expect(s.stored).toEqual(s.expected);
    expect(s.stored).toContain("t3/quality=1:1.000000");
    expect(s.stored).toContain("t2/quality=1:2.000000");
    expect(s.stored).toContain("t2/tone=1:4.000000");
    await d.db.execute(sql`DELETE FROM ratings WHERE project_id = ${projectId} AND id = 'r2b'`);
    s = await scoresTable();
    expect(s.stored).toEqual(s.expected);
    expect(s.stored.some((k) => k.startsWith("t2/tone"))).toBe(false);
    // put them back as they were for the sort tests
    await ingest([rating("r3", "t3", "quality", 3), rating("r2b", "t2", "quality", 4)]);
    s = await scoresTable();
    expect(s.stored).toEqual(s.expected);
  });

  it("adds up two transactions rating the same trace at once (neither overwrites the other)", async () => {
    await ingest([trace("c", 100)]);
    // each transaction inserts, then waits for the other's insert to be under way before committing
    const writes = Array.from({ length: 6 }, (_, i) =>
      d.db.transaction(async (tx) => {
        await tx.execute(
          sql`INSERT INTO ratings (project_id, id, trace_id, name, data_type, value, source) VALUES (${projectId}, ${`c${i}`}, 'c', 'quality', 'numeric', ${i + 1}, 'api')`,
        );
        await tx.execute(sql`SELECT pg_sleep(0.05)`);
      }),
    );
    await Promise.all(writes);
    const [row] = await d.db.execute<{ n: number; mean: number }>(
      sql`SELECT n, mean FROM trace_scores WHERE project_id = ${projectId} AND name = 'quality' AND trace_id = 'c'`,
    );
    expect(row).toEqual({ n: 6, mean: 3.5 });
    await d.db.execute(sql`DELETE FROM ratings WHERE project_id = ${projectId} AND trace_id = 'c'`);
    await d.db.execute(sql`DELETE FROM traces WHERE project_id = ${projectId} AND id = 'c'`);
    const s = await scoresTable();
    expect(s.stored).toEqual(s.expected);
  });
});

describe("sorting the explorer by a score", () => {
  const list = (sort: TraceSort, cursor?: string, limit = 2) =>
    callerFor(d.db, viewer).logs.traces.list({ projectId, limit, sort, cursor });
  async function all(sort: TraceSort, limit: number) {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await list(sort, cursor, limit);
      ids.push(...page.items.map((t) => t.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return ids;
  }

  it("orders rated traces by mean (ties by id), then the unrated by id, page after page", async () => {
    // quality means: t1 5, t5 5, t2 3, t3 3, t4 1; unrated: t0, t6, t7
    const desc = ["t5", "t1", "t3", "t2", "t4", "t7", "t6", "t0"];
    const asc = ["t4", "t2", "t3", "t1", "t5", "t0", "t6", "t7"];
    for (const limit of [1, 2, 3, 5, 8, 50]) {
      expect(await all({ by: "score", score: "quality", dir: "desc" }, limit)).toEqual(desc);
      expect(await all({ by: "score", score: "quality", dir: "asc" }, limit)).toEqual(asc);
    }
  });

  it("keeps the list's filters on both parts, and filters by the same means", async () => {
    const page = await callerFor(d.db, viewer).logs.traces.list({
      projectId,
      limit: 50,
      filter: { from: new Date(now - 4.5 * 60_000) },
      sort: { by: "score", score: "quality", dir: "desc" },
    });
    expect(page.items.map((t) => t.id)).toEqual(["t1", "t3", "t2", "t4", "t0"]);
    const ranged = await callerFor(d.db, viewer).logs.traces.list({
      projectId,
      limit: 50,
      filter: { scores: [{ name: "quality", min: 2, max: 4 }] },
    });
    expect(ranged.items.map((t) => t.id)).toEqual(["t2", "t3"]);
  });

  it("finds a filter's matches that sort after the first try's window of rated traces (read filter first)", async () => {
    // 5,200 traces rated 5 (more than the window of max(5000, 100 × page) rated traces the first
    // try reads, in score order) and three tagged "rare" rated lower: sorted best first, the rare
    // ones lie beyond the window. Written by SQL (the ratings' trigger keeps trace_scores all the same).
    await d.db.execute(sql`
      INSERT INTO traces (project_id, id, timestamp, name)
      SELECT ${projectId}::uuid, 'm' || lpad(g::text, 4, '0'), now() - interval '30 minutes', 'chat' FROM generate_series(0, 5199) g`);
    await d.db.execute(sql`
      INSERT INTO ratings (project_id, id, trace_id, name, data_type, value, source)
      SELECT ${projectId}::uuid, 'r-m' || g, 'm' || lpad(g::text, 4, '0'), 'quality', 'numeric', 5, 'api' FROM generate_series(0, 5199) g`);
    await ingest(
      ["x1", "x2", "x3"].flatMap((id, i) => [
        { type: "trace", id, body: { timestamp: at(31), name: "chat", tags: ["rare"] } },
        rating(`r-${id}`, id, "quality", 1 + i * 0.5),
      ]),
    );
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await callerFor(d.db, viewer).logs.traces.list({
        projectId,
        limit: 2,
        cursor,
        filter: { tags: ["rare"] },
        sort: { by: "score", score: "quality", dir: "desc" },
      });
      ids.push(...page.items.map((t) => t.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(ids).toEqual(["x3", "x2", "x1"]);
    await d.db.execute(sql`DELETE FROM ratings WHERE project_id = ${projectId} AND trace_id ~ '^(m|x)[0-9]'`);
    await d.db.execute(sql`DELETE FROM traces WHERE project_id = ${projectId} AND id ~ '^(m|x)[0-9]'`);
  });

  it("drops a purged trace's scores with its ratings", async () => {
    await ingest([trace("old", 60 * 24 * 40), rating("rold", "old", "quality", 2)]);
    expect((await scoresTable()).stored.some((k) => k.startsWith("old/"))).toBe(true);
    await purgeOldTraces(d.db, projectId, 30);
    const s = await scoresTable();
    expect(s.stored.some((k) => k.startsWith("old/"))).toBe(false);
    expect(s.stored).toEqual(s.expected);
  });
});
