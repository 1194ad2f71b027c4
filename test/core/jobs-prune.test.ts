import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { pruneSystemJobs } from "../../server/core/jobs-prune";
import { makeProject } from "../factories/workspace";
import { freshDatabase, type TestDatabase } from "../helpers/db";

let d: TestDatabase;
beforeAll(async () => {
  d = await freshDatabase();
});
afterAll(() => d.drop());

const daysAgo = (n: number) => new Date(Date.now() - n * 24 * 3600 * 1000);

describe("jobs.prune", () => {
  it("deletes old finished system runs, keeps recent ones, failed ones for 30 days and every project job", async () => {
    const { project } = await makeProject(d.db);
    const row = (
      name: string,
      status: "succeeded" | "failed" | "cancelled" | "running",
      finished: Date | null,
      projectId: string | null = null,
    ) => ({
      name,
      payload: {},
      status,
      maxAttempts: 1,
      projectId,
      finishedAt: finished,
    });
    await d.db
      .insert(schema.jobs)
      .values([
        row("old.done", "succeeded", daysAgo(8)),
        row("old.cancelled", "cancelled", daysAgo(9)),
        row("new.done", "succeeded", daysAgo(6)),
        row("failed.kept", "failed", daysAgo(20)),
        row("failed.old", "failed", daysAgo(31)),
        row("still.running", "running", null),
        row("project.old", "succeeded", daysAgo(400), project.id),
      ]);
    expect(await pruneSystemJobs(d.db)).toEqual({ deleted: 3 });
    const left = await d.db.select({ name: schema.jobs.name }).from(schema.jobs).orderBy(schema.jobs.name);
    expect(left.map((r) => r.name)).toEqual(["failed.kept", "new.done", "project.old", "still.running"]);
    expect(await pruneSystemJobs(d.db)).toEqual({ deleted: 0 });
  });

  it("deletes in batches until none is left", async () => {
    await d.db.execute(sql`
      INSERT INTO jobs (name, payload, status, max_attempts, finished_at)
      SELECT 'bulk.done', '{}'::jsonb, 'succeeded', 1, now() - interval '10 days' FROM generate_series(1, 12000)`);
    expect(await pruneSystemJobs(d.db)).toEqual({ deleted: 12000 });
  });
});
