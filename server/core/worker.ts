import os from "node:os";
import { and, eq } from "drizzle-orm";
import { Logger as GraphileLogger, type ParsedCronItem, parseCronItems, type Runner, run, type Task } from "graphile-worker";
import pg from "pg";
import { createDatabase, type Db, schema } from "../../db/client";
import { logger } from "./logger";
import { enqueue, type JobDefinition } from "./queue";
import { holdLiveness, reclaimer } from "./reclaim";

/** How often a running job looks for a cancel request. */
const CANCEL_POLL_MS = 500;

class JobAborted extends Error {}

export interface Schedule {
  /** Job name; its payload is `{}`. */
  job: string;
  /** Crontab time expression, e.g. `0 * * * *`. */
  cron: string;
}

export interface WorkerOptions {
  url: string;
  jobs: JobDefinition<never>[] | JobDefinition<any>[];
  schedules?: Schedule[];
  concurrency?: number;
  pollIntervalMs?: number;
  workerId?: string;
  /** How often this worker looks for running jobs of dead workers (two sweeps in a row requeue one). */
  reclaimEveryMs?: number;
}

export interface WorkerHandle {
  workerId: string;
  /** Stop claiming; jobs in flight get `graceMs` to finish, then are aborted (and retried elsewhere). */
  stop: (graceMs?: number) => Promise<void>;
}

const graphileLogger = new GraphileLogger((scope) => (level, message, meta) => {
  const log = logger.child({ component: "graphile-worker", ...scope });
  if (level === "error") log.error(meta ?? {}, message);
  else if (level === "warning") log.warn(meta ?? {}, message);
  else log.debug(meta ?? {}, message);
});

/** Run one Keel job (by id) under its definition: status, progress, timeout, cancellation. */
async function runJob(db: Db, def: JobDefinition<unknown>, jobId: string, attempt: number, workerId: string, shutdown: AbortSignal) {
  const jobs = schema.jobs;
  const [job] = await db
    .update(jobs)
    .set({ status: "running", attempts: attempt, startedAt: new Date(), workerId, message: null })
    .where(and(eq(jobs.id, jobId), eq(jobs.status, "queued")))
    .returning();
  if (!job) return; // finished, cancelled or gone: nothing to do (handlers run at most once per success)
  const log = logger.child({ job: def.name, jobId, attempt });

  const ctrl = new AbortController();
  const abort = (reason: string) => !ctrl.signal.aborted && ctrl.abort(new JobAborted(reason));
  const timer = setTimeout(() => abort(`timed out after ${def.timeoutMs} ms`), def.timeoutMs);
  const onShutdown = () => abort("worker shutting down");
  shutdown.addEventListener("abort", onShutdown);
  const poll = setInterval(async () => {
    try {
      const [row] = await db.select({ c: jobs.cancelRequestedAt }).from(jobs).where(eq(jobs.id, jobId));
      if (row?.c) abort("cancelled");
    } catch {
      // the database is down or restarting: look again next time (an unhandled rejection here
      // would end the whole worker process)
    }
  }, CANCEL_POLL_MS);
  const aborted = new Promise<never>((_, reject) =>
    ctrl.signal.addEventListener("abort", () => reject(ctrl.signal.reason), { once: true }),
  );

  try {
    if (job.cancelRequestedAt) abort("cancelled");
    const payload = def.schema.parse(job.payload);
    const result = await Promise.race([
      def.handle({
        jobId,
        projectId: job.projectId,
        payload,
        attempt,
        signal: ctrl.signal,
        db,
        progress: async (fraction, message) => {
          if (ctrl.signal.aborted) throw ctrl.signal.reason;
          await db
            .update(jobs)
            .set({ progress: Math.max(0, Math.min(1, fraction)), message: message ?? null })
            .where(eq(jobs.id, jobId));
        },
      }),
      aborted,
    ]);
    await db
      .update(jobs)
      .set({ status: "succeeded", progress: 1, result: (result ?? null) as object, finishedAt: new Date() })
      .where(eq(jobs.id, jobId));
    log.info("job succeeded");
  } catch (err) {
    const reason = ctrl.signal.aborted ? (ctrl.signal.reason as Error).message : (err as Error)?.message;
    if (reason === "cancelled") {
      await db.update(jobs).set({ status: "cancelled", finishedAt: new Date() }).where(eq(jobs.id, jobId));
      log.info("job cancelled");
      return; // not an error: graphile-worker must not retry it
    }
    const final = attempt >= job.maxAttempts;
    await db
      .update(jobs)
      .set({ status: final ? "failed" : "queued", lastError: String(reason).slice(0, 2000), finishedAt: final ? new Date() : null })
      .where(eq(jobs.id, jobId));
    log.warn({ err: String(reason), final }, "job attempt failed");
    throw err instanceof Error ? err : new Error(String(reason)); // graphile-worker retries with backoff
  } finally {
    clearTimeout(timer);
    clearInterval(poll);
    shutdown.removeEventListener("abort", onShutdown);
  }
}

/** Start a worker: claims jobs from the shared Postgres queue; any number may run on any machines. */
export async function startWorker(opts: WorkerOptions): Promise<WorkerHandle> {
  const workerId = opts.workerId ?? `${os.hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  const database = createDatabase(opts.url, { max: (opts.concurrency ?? 4) + 2 });
  // alive while this lock is held; taken before the first claim (see ./reclaim.ts)
  const liveness = holdLiveness(opts.url, workerId);
  let waited: NodeJS.Timeout | undefined;
  await Promise.race([
    liveness.ready,
    new Promise((_, reject) => {
      waited = setTimeout(() => reject(new Error("worker: the database did not answer in 30 s")), 30_000);
    }),
  ])
    .catch(async (err) => {
      await liveness.stop();
      await database.close();
      throw err;
    })
    .finally(() => clearTimeout(waited));
  const sweep = reclaimer(database.db);
  const sweeper = setInterval(
    () => void sweep().catch((err) => logger.debug({ err: String(err) }, "reclaim sweep failed")),
    opts.reclaimEveryMs ?? 5_000,
  );
  sweeper.unref();
  const shutdown = new AbortController();
  const taskList: Record<string, Task> = {};
  for (const def of opts.jobs as JobDefinition<unknown>[]) {
    taskList[def.name] = async (payload, helpers) => {
      const { jobId } = payload as { jobId: string };
      await runJob(database.db, def, jobId, helpers.job.attempts, workerId, shutdown.signal);
    };
  }
  const parsedCronItems: ParsedCronItem[] = parseCronItems(
    (opts.schedules ?? []).map((s) => ({ task: `${s.job}.cron`, match: s.cron, identifier: s.job })),
  );
  // A cron tick enqueues the job through Keel (so it shows in the jobs table) rather than running it bare.
  for (const s of opts.schedules ?? []) {
    const def = (opts.jobs as JobDefinition<unknown>[]).find((j) => j.name === s.job);
    if (!def) throw new Error(`schedule names unknown job ${s.job}`);
    taskList[`${s.job}.cron`] = async () => {
      await enqueue(database.db, def, {} as never);
    };
  }
  // Our own pool, ended (and awaited) on stop: graphile-worker ends a pool it made without waiting,
  // which lets a server shutdown right after raise an unhandled connection error.
  const pgPool = new pg.Pool({ connectionString: opts.url, max: (opts.concurrency ?? 4) + 2 });
  pgPool.on("error", (err) => logger.warn({ err: err.message }, "worker pool connection error"));
  pgPool.on("connect", (client) => client.on("error", (err) => logger.warn({ err: err.message }, "worker connection error")));
  const runner: Runner = await run({
    pgPool,
    concurrency: opts.concurrency ?? 4,
    pollInterval: opts.pollIntervalMs ?? 1000,
    noHandleSignals: true,
    taskList,
    parsedCronItems,
    logger: graphileLogger,
  });
  logger.info({ workerId, jobs: Object.keys(taskList) }, "worker started");
  return {
    workerId,
    stop: async (graceMs = 10_000) => {
      const stopped = runner.stop();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([stopped, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
      // jobs still running are aborted: each records its attempt and goes back to the queue
      shutdown.abort();
      await stopped.catch((err) => logger.warn({ err: String(err) }, "worker stopped with an error"));
      clearInterval(sweeper);
      await liveness.stop();
      await pgPool.end().catch(() => {});
      await database.close();
    },
  };
}
