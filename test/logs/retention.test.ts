import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { enqueue } from "../../server/core/queue";
import { startWorker } from "../../server/core/worker";
import { ingestBatch, retentionJob } from "../../server/logs";
import { chatEvents } from "../factories/logs";
import { callerFor, makeProject } from "../factories/workspace";
import { freshDatabase, type TestDatabase } from "../helpers/db";
import { waitFor } from "../helpers/wait";

let d: TestDatabase;
beforeAll(async () => {
  d = await freshDatabase();
});
afterAll(() => d.drop());

const count = async (table: "traces" | "observations" | "ratings", projectId: string) =>
  (await d.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM ${sql.identifier(table)} WHERE project_id = ${projectId}`))[0]?.n;

describe("retention", () => {
  it("the scheduled job deletes traces past a project's retention, with their observations and ratings, and nothing else", async () => {
    const keep = await makeProject(d.db);
    const purge = await makeProject(d.db);
    for (const p of [keep, purge]) {
      const old = chatEvents();
      old.events[0] = {
        ...old.events[0],
        body: { ...(old.events[0]?.body as object), timestamp: new Date(Date.now() - 40 * 86_400_000).toISOString() },
      } as never;
      const fresh = chatEvents();
      await ingestBatch(
        d.db,
        p.project.id,
        [...old.events, ...fresh.events, { type: "rating", body: { traceId: old.traceId, value: 1 } }],
        { source: "api" },
      );
    }
    await callerFor(d.db, purge.owner.principal).logs.settings.update({
      projectId: purge.project.id,
      retentionDays: 30,
      redaction: { builtins: [], custom: [] },
    });

    const worker = await startWorker({ url: d.url, jobs: [retentionJob], pollIntervalMs: 200 });
    try {
      const job = await enqueue(d.db, retentionJob, {});
      const doneJob = await waitFor("retention job", async () => {
        const [j] = await d.db
          .select()
          .from(schema.jobs)
          .where(and(eq(schema.jobs.id, job.id), eq(schema.jobs.status, "succeeded")));
        return j;
      });
      expect(doneJob.result).toEqual({ projects: 1, traces: 1 });
    } finally {
      await worker.stop();
    }
    expect(await count("traces", purge.project.id)).toBe(1);
    expect(await count("observations", purge.project.id)).toBe(1);
    expect(await count("ratings", purge.project.id)).toBe(0);
    expect(await count("traces", keep.project.id)).toBe(2);
    expect(await count("ratings", keep.project.id)).toBe(1);
  });
});
