import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, type Database, schema } from "../../db/client";
import { enqueue } from "../../server/core/queue";
import { startWorker, type WorkerHandle } from "../../server/core/worker";
import { waitFor } from "../helpers/wait";
import { killQuietly, ownDatabase } from "./processes";
import { slowJob } from "./slow-job";

/**
 * A queue worker killed (`kill -9`) mid-job: graphile-worker alone would keep the job locked for 4
 * hours; the other workers see the dead worker's liveness lock gone and requeue the job in seconds.
 */
let db: { url: string; drop: () => Promise<void> };
let database: Database;
let second: WorkerHandle | undefined;
let victim: ChildProcess | undefined;
beforeAll(async () => {
  db = await ownDatabase();
  database = createDatabase(db.url, { max: 2 });
});
afterAll(async () => {
  killQuietly(victim);
  await second?.stop(1_000);
  await database?.close();
  await db?.drop();
});

const jobRow = async (id: string) => (await database.db.select().from(schema.jobs).where(eq(schema.jobs.id, id)))[0];

describe("queue worker killed mid-job", () => {
  it("has its running job requeued by another worker within seconds, which runs it once more", async () => {
    const job = await enqueue(database.db, slowJob, {});
    const proc = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "queue-worker.ts"), db.url], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    victim = proc;
    const running = await waitFor(
      "the first worker to start the job",
      async () => {
        const row = await jobRow(job.id);
        return row?.status === "running" ? row : null;
      },
      60_000,
    );
    proc.kill("SIGKILL");
    await waitFor("the worker to die", async () => proc.exitCode !== null || proc.signalCode !== null);
    const t0 = Date.now();

    second = await startWorker({ url: db.url, jobs: [slowJob], concurrency: 1, pollIntervalMs: 200, reclaimEveryMs: 300 });
    const done = await waitFor(
      "the job to be requeued and finish",
      async () => {
        const row = await jobRow(job.id);
        return row?.status === "succeeded" ? row : null;
      },
      60_000,
    );
    console.log(`[fault] queue worker kill -9 mid-job: requeued and finished ${Date.now() - t0} ms after the kill`);
    expect(done.attempts).toBe(2);
    expect(done.result).toEqual({ attempt: 2 });
    expect(done.workerId).toBe(second.workerId);
    expect(done.workerId).not.toBe(running.workerId);
    expect(done.lastError).toMatch(/lost on attempt 1 of 3/);
  });
});
