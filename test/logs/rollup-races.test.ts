import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { ingestBatch } from "../../server/logs";
import { makeProject } from "../factories/workspace";
import { freshDatabase, type TestDatabase } from "../helpers/db";

let d: TestDatabase;
let projectId: string;
beforeAll(async () => {
  d = await freshDatabase();
  projectId = (await makeProject(d.db)).project.id;
});
afterAll(() => d.drop());

const trace = (id: string) => d.db.query.traces.findFirst({ where: and(eq(schema.traces.projectId, projectId), eq(schema.traces.id, id)) });
const generation = (traceId: string, n: number) => ({
  type: "observation",
  id: `${traceId}-g${n}`,
  body: { traceId, type: "generation", model: "m", startTime: new Date(Date.now() - 1000).toISOString(), usage: { input: 10, output: 1 } },
});

describe("trace rollups", () => {
  it("a trace whose observations report no tokens has 0 tokens, not the int4 cap", async () => {
    const span = { type: "observation", id: "t-none-s", body: { traceId: "t-none", type: "span", name: "step" } };
    await ingestBatch(d.db, projectId, [{ type: "trace", id: "t-none", body: { name: "x" } }, span], { source: "api" });
    expect(await trace("t-none")).toMatchObject({ inputTokens: 0, outputTokens: 0 });
  });

  it("concurrent batches that add observations to one trace leave its totals complete", async () => {
    // each batch its own transaction on its own connection, all at once (an OTel exporter's parallel sends)
    const n = 24;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) => ingestBatch(d.db, projectId, [generation("t-race", i)], { source: "api" })),
    );
    expect(results.flat().every((r) => r.status === 201)).toBe(true);
    expect(await trace("t-race")).toMatchObject({ inputTokens: 10 * n, outputTokens: n });
  });
});
