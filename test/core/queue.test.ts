import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { schema } from "../../db/client";
import { cancelJob, defineJob, enqueue } from "../../server/core/queue";
import { startWorker, type WorkerHandle } from "../../server/core/worker";
import { makeProject } from "../factories/workspace";
import { freshDatabase, type TestDatabase } from "../helpers/db";
import { waitFor } from "../helpers/wait";

let d: TestDatabase;
let projectId: string;
const workers: WorkerHandle[] = [];

/** Test jobs record each execution in a real table, so "ran once" is checked in the database. */
const record = (db: TestDatabase["db"], jobId: string, attempt: number) =>
  db.execute(sql`INSERT INTO test_runs (job_id, attempt) VALUES (${jobId}, ${attempt})`);

const okJob = defineJob({
  name: "test.ok",
  schema: z.object({ n: z.number().int() }),
  maxAttempts: 3,
  timeoutMs: 10_000,
  handle: async ({ db, jobId, attempt, payload, progress }) => {
    await progress(0.5, "half way");
    await record(d.db, jobId, attempt);
    return { doubled: payload.n * 2, viaDb: Boolean(db) };
  },
});
const flakyJob = defineJob({
  name: "test.flaky",
  schema: z.object({}),
  maxAttempts: 3,
  timeoutMs: 10_000,
  handle: async ({ jobId, attempt }) => {
    await record(d.db, jobId, attempt);
    if (attempt === 1) throw new Error("first attempt fails");
    return { attempt };
  },
});
const brokenJob = defineJob({
  name: "test.broken",
  schema: z.object({}),
  maxAttempts: 2,
  timeoutMs: 10_000,
  handle: async ({ jobId, attempt }) => {
    await record(d.db, jobId, attempt);
    throw new Error(`boom on attempt ${attempt}`);
  },
});
const slowJob = defineJob({
  name: "test.slow",
  schema: z.object({ ms: z.number() }),
  maxAttempts: 1,
  timeoutMs: 400,
  handle: async ({ payload, signal }) => {
    await new Promise((resolve) => setTimeout(resolve, payload.ms));
    signal.throwIfAborted();
  },
});
const loopJob = defineJob({
  name: "test.loop",
  schema: z.object({}),
  maxAttempts: 1,
  timeoutMs: 30_000,
  handle: async ({ progress, jobId, attempt }) => {
    await record(d.db, jobId, attempt);
    for (let i = 0; i < 300; i++) {
      await progress(i / 300);
      await new Promise((r) => setTimeout(r, 50));
    }
  },
});
const JOBS = [okJob, flakyJob, brokenJob, slowJob, loopJob];

const job = (id: string) => d.db.query.jobs.findFirst({ where: eq(schema.jobs.id, id) });
const runsOf = async (id: string) =>
  (await d.db.execute<{ attempt: number }>(sql`SELECT attempt FROM test_runs WHERE job_id = ${id} ORDER BY attempt`)).map((r) => r.attempt);
const until = (id: string, status: string, ms?: number) =>
  waitFor(`job ${id} to be ${status}`, async () => ((await job(id))?.status === status ? job(id) : null), ms);

beforeAll(async () => {
  d = await freshDatabase();
  await d.db.execute(sql`CREATE TABLE test_runs (job_id uuid NOT NULL, attempt int NOT NULL, at timestamptz DEFAULT clock_timestamp())`);
  projectId = (await makeProject(d.db)).project.id;
  for (let i = 0; i < 3; i++) workers.push(await startWorker({ url: d.url, jobs: JOBS, concurrency: 3, pollIntervalMs: 200 }));
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await d.drop();
});

describe("queue and workers", () => {
  it("runs a job: status, progress, result in Keel's table", async () => {
    const j = await enqueue(d.db, okJob, { n: 21 }, { projectId });
    expect(j.status).toBe("queued");
    const done = await until(j.id, "succeeded");
    expect(done).toMatchObject({ progress: 1, attempts: 1, result: { doubled: 42, viaDb: true }, lastError: null });
    expect(done?.startedAt).toBeInstanceOf(Date);
    expect(done?.finishedAt).toBeInstanceOf(Date);
    expect(await runsOf(j.id)).toEqual([1]);
  });

  it("runs each of many jobs exactly once across three workers", async () => {
    const ids = await Promise.all(Array.from({ length: 30 }, (_, n) => enqueue(d.db, okJob, { n }, { projectId }).then((j) => j.id)));
    for (const id of ids) await until(id, "succeeded");
    const rows = await d.db.execute<{ job_id: string; n: number }>(
      sql`SELECT job_id, count(*)::int AS n FROM test_runs WHERE job_id = ANY(${sql.raw(`ARRAY[${ids.map((i) => `'${i}'`).join(",")}]::uuid[]`)}) GROUP BY job_id`,
    );
    expect(rows).toHaveLength(30);
    expect(rows.every((r) => r.n === 1)).toBe(true);
  });

  it("retries a failed attempt with backoff, then succeeds", async () => {
    const j = await enqueue(d.db, flakyJob, {}, { projectId });
    const done = await until(j.id, "succeeded", 30_000);
    expect(done).toMatchObject({ attempts: 2, lastError: "first attempt fails" });
    const times = await d.db.execute<{ gap: number }>(
      sql`SELECT extract(epoch FROM max(at) - min(at))::float AS gap FROM test_runs WHERE job_id = ${j.id}`,
    );
    expect(times[0]?.gap).toBeGreaterThan(1.5); // graphile-worker's backoff: e^1 s before attempt 2
    expect(await runsOf(j.id)).toEqual([1, 2]);
  });

  it("fails for good after maxAttempts, keeping the last error", async () => {
    const j = await enqueue(d.db, brokenJob, {}, { projectId });
    const done = await until(j.id, "failed", 30_000);
    expect(done).toMatchObject({ attempts: 2, lastError: "boom on attempt 2" });
    expect(await runsOf(j.id)).toEqual([1, 2]);
  });

  it("times out a job that runs past timeoutMs", async () => {
    const j = await enqueue(d.db, slowJob, { ms: 5_000 }, { projectId });
    const done = await until(j.id, "failed");
    expect(done?.lastError).toBe("timed out after 400 ms");
  });

  it("cancels a queued job before it runs", async () => {
    const j = await enqueue(d.db, okJob, { n: 1 }, { projectId, runAt: new Date(Date.now() + 60_000) });
    const c = await cancelJob(d.db, projectId, j.id);
    expect(c.status).toBe("cancelled");
    const left = await d.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE key = ${j.id}`);
    expect(left[0]?.n).toBe(0);
    expect(await runsOf(j.id)).toEqual([]);
  });

  it("cancels a running job: its signal aborts and it ends cancelled, not retried", async () => {
    const j = await enqueue(d.db, loopJob, {}, { projectId });
    await until(j.id, "running");
    await waitFor("some progress", async () => ((await job(j.id))?.progress ?? 0) > 0);
    await cancelJob(d.db, projectId, j.id);
    const done = await until(j.id, "cancelled", 5_000);
    expect(done?.progress).toBeLessThan(1);
    expect(await runsOf(j.id)).toEqual([1]);
  });

  it("returns the first job for a repeated idempotency key", async () => {
    const a = await enqueue(d.db, okJob, { n: 5 }, { projectId, key: `k-${projectId}` });
    const b = await enqueue(d.db, okJob, { n: 6 }, { projectId, key: `k-${projectId}` });
    expect(b.id).toBe(a.id);
    await until(a.id, "succeeded");
    expect(await runsOf(a.id)).toEqual([1]);
  });

  it("rejects a bad payload at enqueue, naming the field, and queues nothing", async () => {
    const before = await d.db.select().from(schema.jobs);
    await expect(enqueue(d.db, okJob, { n: "x" } as never, { projectId })).rejects.toMatchObject({ code: "BAD_REQUEST", field: "n" });
    expect(await d.db.select().from(schema.jobs)).toHaveLength(before.length);
  });

  it("enqueues inside the caller's transaction: a rollback leaves no job", async () => {
    const before = (await d.db.select().from(schema.jobs)).length;
    await expect(
      d.db.transaction(async (tx) => {
        await enqueue(tx, okJob, { n: 1 }, { projectId });
        throw new Error("rollback");
      }),
    ).rejects.toThrow("rollback");
    expect(await d.db.select().from(schema.jobs)).toHaveLength(before);
    const orphans = await d.db.execute<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE key NOT IN (SELECT id::text FROM jobs)`,
    );
    expect(orphans[0]?.n).toBe(0);
  });
});
