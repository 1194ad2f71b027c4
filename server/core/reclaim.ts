import { and, eq, isNotNull, sql } from "drizzle-orm";
import pg from "pg";
import { type Db, schema } from "../../db/client";
import { logger } from "./logger";

/**
 * Jobs of dead workers go back to the queue in seconds, not hours. graphile-worker frees a job whose
 * worker died (kill -9, a lost machine) only after its 4-hour lock expires. Each Keel worker holds a
 * session advisory lock named after its id on a connection of its own, for as long as it lives; the
 * lock goes away with the process (PostgreSQL drops a session's locks when its connection closes).
 * Every worker sweeps: a running job whose worker's lock is free on two sweeps in a row (so a worker
 * that only lost its connection for a moment, during a database restart, has time to take it back)
 * is unlocked in graphile-worker and queued again in Keel (or failed when it was the last attempt).
 */

/** The advisory lock class of worker liveness locks (the second key is hashtext(workerId)). */
const LIVENESS_CLASS = 731_415;

export interface Liveness {
  /** Resolves once the lock is first held: a worker claims nothing before (a sweeper would think it dead). */
  ready: Promise<void>;
  stop: () => Promise<void>;
}

/** Hold this worker's liveness lock, re-taking it after the connection drops (a database restart). */
export function holdLiveness(url: string, workerId: string): Liveness {
  let client: pg.Client | null = null;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let failures = 0;
  let held: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    held = resolve;
  });
  const connect = async () => {
    if (stopped) return;
    const c = new pg.Client({ connectionString: url, application_name: "keel-worker-liveness" });
    c.on("error", () => {}); // the 'end' handler reconnects
    c.on("end", () => {
      if (client === c) client = null;
      if (!stopped) retry = setTimeout(connect, Math.min(200 * 2 ** failures++, 2_000));
    });
    try {
      await c.connect();
      await c.query("SELECT pg_advisory_lock($1, hashtext($2))", [LIVENESS_CLASS, workerId]);
      client = c;
      failures = 0;
      held();
      if (stopped) await c.end();
    } catch {
      await c.end().catch(() => {}); // 'end' schedules the next try
    }
  };
  void connect();
  return {
    ready,
    stop: async () => {
      stopped = true;
      clearTimeout(retry);
      await client?.end().catch(() => {});
    },
  };
}

/** A sweeper: call `sweep` periodically; it remembers suspects between calls. */
export function reclaimer(db: Db) {
  const jobs = schema.jobs;
  let suspects = new Set<string>();
  return async function sweep(): Promise<number> {
    const running = await db
      .select({ id: jobs.id, workerId: jobs.workerId, attempts: jobs.attempts, maxAttempts: jobs.maxAttempts })
      .from(jobs)
      .where(and(eq(jobs.status, "running"), isNotNull(jobs.workerId)));
    const dead = new Set<string>();
    const workers = [...new Set(running.map((r) => r.workerId as string))];
    for (const workerId of workers) {
      // free means its holder is gone; take it and give it back at once in one statement
      const rows = await db.execute<{ free: boolean }>(sqlFree(workerId));
      if (rows[0]?.free) dead.add(workerId);
    }
    const next = new Set<string>();
    let reclaimed = 0;
    for (const job of running) {
      if (!dead.has(job.workerId as string)) continue;
      if (!suspects.has(job.id)) {
        next.add(job.id); // one more sweep before acting
        continue;
      }
      reclaimed += await reclaimJob(db, job);
    }
    suspects = next;
    return reclaimed;
  };
}

const sqlFree = (workerId: string) => sql`
  SELECT CASE WHEN pg_try_advisory_lock(${LIVENESS_CLASS}, hashtext(${workerId}))
    THEN pg_advisory_unlock(${LIVENESS_CLASS}, hashtext(${workerId})) ELSE false END AS free`;

async function reclaimJob(db: Db, job: { id: string; workerId: string | null; attempts: number; maxAttempts: number }): Promise<number> {
  const jobs = schema.jobs;
  return db.transaction(async (tx) => {
    // only if nothing moved it meanwhile (it finished, or another sweeper got there first)
    const [row] = await tx
      .select()
      .from(jobs)
      .where(and(eq(jobs.id, job.id), eq(jobs.status, "running"), eq(jobs.workerId, job.workerId ?? "")))
      .for("update", { skipLocked: true });
    if (!row) return 0;
    await tx.execute(sql`SELECT graphile_worker.force_unlock_workers(ARRAY(
      SELECT locked_by FROM graphile_worker.jobs WHERE key = ${job.id} AND locked_by IS NOT NULL))`);
    const last = row.attempts >= row.maxAttempts;
    const error = `worker ${row.workerId} lost on attempt ${row.attempts} of ${row.maxAttempts}`;
    if (last) await tx.execute(sql`SELECT graphile_worker.remove_job(${job.id}::text)`);
    await tx
      .update(jobs)
      .set(last ? { status: "failed", lastError: error, finishedAt: new Date() } : { status: "queued", lastError: error })
      .where(eq(jobs.id, job.id));
    logger.warn(
      { jobId: job.id, workerId: row.workerId, final: last },
      last ? "job of a lost worker failed" : "job of a lost worker requeued",
    );
    return 1;
  });
}

/**
 * How many workers are alive on this database now (their liveness locks held, on any machine): a
 * command that waits on a job (`keel eval run --wait`) runs it itself when there are none.
 */
export async function workersAlive(db: Db): Promise<number> {
  const [row] = await db.execute<{ n: number }>(sql`
    SELECT count(*)::int AS n FROM pg_locks
    WHERE locktype = 'advisory' AND granted AND objsubid = 2 AND classid::int8 = ${LIVENESS_CLASS}
      AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`);
  return row?.n ?? 0;
}
