import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleV1 } from "../../server/http/v1";
import { ingestBatch } from "../../server/logs";
import { makeKey, makeProject, req } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";

/** OWASP CSV injection: text a spreadsheet would run as a formula is exported with a leading `'`. */
let d: TestDatabase;
let p: Awaited<ReturnType<typeof makeProject>>;
let key: string;
beforeAll(async () => {
  d = await freshRuntimeDatabase();
  p = await makeProject(d.db);
  key = (await makeKey(d.db, p.project.id, p.owner.user.id, "owner")).key;
});
afterAll(() => d.drop());

describe("CSV export", () => {
  it("prefixes cells starting with = + - @ tab or CR, through the real export endpoint", async () => {
    const cells = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"];
    const results = await ingestBatch(
      d.db,
      p.project.id,
      cells.map((name, i) => ({
        type: "trace",
        id: `csv-${i}`,
        body: { name, userId: i === 0 ? "=1+2" : "plain", timestamp: new Date(Date.UTC(2025, 0, 1, 0, i)).toISOString(), tags: ["-tag"] },
      })),
      { source: "api" },
    );
    expect(results.every((r) => r.status === 201)).toBe(true);
    const res = await handleV1(req(`/api/v1/projects/${p.project.slug}/traces/export?format=csv`, { key }));
    expect(res.status).toBe(200);
    const text = await res.text();
    const rows = text.trim().split(/\r\n(?=csv-)/);
    const row = (i: number) => rows.find((r) => r.startsWith(`csv-${i},`)) as string;
    expect(row(0)).toContain(`,"'=HYPERLINK(""http://evil.example"",""x"")",`);
    expect(row(0)).toContain(",'=1+2,");
    expect(row(1)).toContain(",'+1+1,");
    expect(row(2)).toContain(",'-2+3,");
    expect(row(3)).toContain(",'@SUM(A1),");
    expect(row(4)).toContain(",'\tcmd,");
    expect(row(5)).toContain(`,"'\rcmd",`);
    expect(row(1)).toContain(",'-tag,"); // tags too
    expect(row(1)).toContain(",plain,");
    // numbers are Keel's own and stay numbers (no quote before a cost or a latency)
    expect(text).not.toMatch(/,'\d/);
  });

  it("holds the export's filter to the JSON rule (400 naming it, not a 500 from PostgreSQL)", async () => {
    const filter = encodeURIComponent(JSON.stringify({ search: "a\u0000b" }));
    const res = await handleV1(req(`/api/v1/projects/${p.project.slug}/traces/export?format=csv&filter=${filter}`, { key }));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { field: "filter.search" } });
  });
});
