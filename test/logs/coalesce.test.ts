import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flushIngest, ingestCoalesced } from "../../server/logs";
import { makeProject } from "../factories/workspace";
import { freshDatabase, type TestDatabase } from "../helpers/db";

let d: TestDatabase;
let projectId: string;
beforeAll(async () => {
  d = await freshDatabase();
  projectId = (await makeProject(d.db)).project.id;
});
afterAll(() => d.drop());

describe("group commit of small ingest requests", () => {
  it("merges concurrent requests into few transactions, yet answers each with only its own results", async () => {
    const calls = Array.from({ length: 60 }, (_, i) =>
      ingestCoalesced(
        d.db,
        projectId,
        i === 7 ? [{ type: "trace", id: "bad id", body: {} }] : [{ type: "trace", id: `gc-${i}`, body: { name: `t${i}` } }],
        { source: "api" },
      ),
    );
    const results = await Promise.all(calls);
    results.forEach((r, i) => {
      expect(r).toHaveLength(1);
      if (i === 7) expect(r[0]).toMatchObject({ id: "bad id", status: 400 });
      else expect(r[0]).toEqual({ id: `gc-${i}`, status: 201 });
    });
    const stored = await d.db.execute<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM traces WHERE project_id = ${projectId} AND id LIKE 'gc-%'`,
    );
    expect(stored[0]?.n).toBe(59);
    // xmin is the writing transaction: 59 rows alone would carry 59 distinct ones
    const txs = await d.db.execute<{ n: number }>(
      sql`SELECT count(DISTINCT xmin::text)::int AS n FROM traces WHERE project_id = ${projectId} AND id LIKE 'gc-%'`,
    );
    expect(txs[0]?.n).toBeLessThanOrEqual(10);
  });

  it("lets calls linger into one write when asked, and flushIngest writes what lingers", async () => {
    const count = async (like: string) =>
      (
        await d.db.execute<{ n: number; txs: number }>(
          sql`SELECT count(*)::int AS n, count(DISTINCT xmin::text)::int AS txs FROM traces WHERE project_id = ${projectId} AND id LIKE ${like}`,
        )
      )[0];
    // one caller at a time, as a client calling the gateway in a loop: 5 s windows, so nothing is written yet
    const lingering: Promise<unknown>[] = [];
    for (let i = 0; i < 5; i++) {
      lingering.push(ingestCoalesced(d.db, projectId, [{ type: "trace", id: `lg-${i}`, body: { name: "x" } }], { source: "api" }, 5000));
      await new Promise((r) => setImmediate(r));
    }
    expect(await count("lg-%")).toEqual({ n: 0, txs: 0 });
    await flushIngest();
    await Promise.all(lingering);
    expect(await count("lg-%")).toEqual({ n: 5, txs: 1 });

    // a caller that waits (no linger) takes whatever lingers along, at once
    const early = ingestCoalesced(d.db, projectId, [{ type: "trace", id: "mx-0", body: {} }], { source: "api" }, 5000);
    const now = await ingestCoalesced(d.db, projectId, [{ type: "trace", id: "mx-1", body: {} }], { source: "api" });
    expect(now).toEqual([{ id: "mx-1", status: 201 }]);
    expect(await early).toEqual([{ id: "mx-0", status: 201 }]);
    expect(await count("mx-%")).toEqual({ n: 2, txs: 1 });
  });
});
