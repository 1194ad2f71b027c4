import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingestCoalesced } from "../../server/logs";
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
});
