import { and, eq, inArray, isNull, lt, min, ne, or } from "drizzle-orm";
import { z } from "zod";
import { type DbOrTx, schema } from "../../db/client";
import { logger } from "../core/logger";
import { defineJob, enqueue } from "../core/queue";
import { onlineCapabilities, WORKER_LOST_AFTER_MS, waitReason } from "./jobs";

const j = schema.tuningJobs;
const w = schema.tuningWorkers;

/** Jobs a worker holds: its heartbeat is what keeps them off the queue. */
const BUSY = ["assigned", "running"] as const;

/**
 * Lost tuning workers are found by a job of the job system, not by the workers' heartbeats (which
 * reaped on every 2-second beat, one query per queued job, on every worker). `tuning.reap` runs every
 * minute on the schedule (workers/registry.ts); while any tuning job is assigned or running it also
 * runs at the first moment one of them can be lost, the oldest heartbeat of a busy worker plus
 * WORKER_LOST_AFTER_MS, so the job of a silent worker is requeued about 15 s after its last beat,
 * not at the next minute. A claim enqueues the first such run (./agent.ts). Graphile-worker's cron
 * is minute-grained, hence the run_at chain; it costs one short job per ~15 s only while a tuning job
 * runs, and the minute schedule restarts the chain should a run of it fail for good.
 */
export const tuningReapJob = defineJob({
  name: "tuning.reap",
  schema: z.object({}),
  maxAttempts: 3,
  timeoutMs: 60_000,
  handle: async ({ db }) => reapLostWorkers(db),
});

/**
 * Enqueue a reap for `at` (rounded up to the second). Keyed by that second: every worker or run that
 * wants the same moment enqueues one job.
 */
export async function scheduleReap(db: DbOrTx, at: Date): Promise<Date> {
  const when = new Date(Math.ceil(at.getTime() / 1000) * 1000);
  await enqueue(db, tuningReapJob, {}, { runAt: when, key: `tuning.reap@${when.toISOString()}` });
  return when;
}

export interface ReapResult {
  /** workers marked lost (online, silent for WORKER_LOST_AFTER_MS) */
  lost: number;
  requeued: number;
  failed: number;
  cancelled: number;
  /** queued jobs whose stored reason to wait changed (the console's tuning pages read it live) */
  reasons: number;
  /** when the next reap runs because a job is still held (null: none is) */
  next: string | null;
}

/**
 * Workers silent for WORKER_LOST_AFTER_MS are lost; the jobs they held go back to the queue while
 * attempts remain (failed when none do; cancelled when a cancel was asked). Each move is guarded by
 * the status and attempt it was read with, so a worker that finished meanwhile, or a second reaper,
 * wins cleanly. Queued jobs' stored reasons to wait are refreshed on the way.
 */
export async function reapLostWorkers(db: DbOrTx, now = new Date()): Promise<ReapResult> {
  const cutoff = new Date(now.getTime() - WORKER_LOST_AFTER_MS);
  const lost = await db
    .update(w)
    .set({ status: "lost", currentJobId: null })
    .where(and(eq(w.status, "online"), lt(w.heartbeatAt, cutoff)))
    .returning({ id: w.id, name: w.name });
  for (const x of lost) logger.warn({ workerId: x.id, worker: x.name }, "tuning worker lost (no heartbeat)");

  // held by no worker, by a worker that is not online, or by one silent past the cutoff
  const orphans = await db
    .select({ job: j })
    .from(j)
    .leftJoin(w, eq(w.id, j.workerId))
    .where(and(inArray(j.status, [...BUSY]), or(isNull(w.id), ne(w.status, "online"), lt(w.heartbeatAt, cutoff))));
  const out: ReapResult = { lost: lost.length, requeued: 0, failed: 0, cancelled: 0, reasons: 0, next: null };
  for (const { job } of orphans) {
    const again = job.attempt < job.maxAttempts && !job.cancelRequestedAt;
    const [moved] = await db
      .update(j)
      .set(
        job.cancelRequestedAt
          ? { status: "cancelled", finishedAt: now, workerId: null }
          : again
            ? { status: "queued", workerId: null }
            : { status: "failed", error: `worker lost on attempt ${job.attempt} of ${job.maxAttempts}`, finishedAt: now },
      )
      .where(and(eq(j.id, job.id), eq(j.status, job.status), eq(j.attempt, job.attempt)))
      .returning({ id: j.id });
    if (!moved) continue;
    if (job.cancelRequestedAt) out.cancelled++;
    else if (again) out.requeued++;
    else out.failed++;
    await db.insert(schema.tuningJobLogs).values({
      jobId: job.id,
      attempt: job.attempt,
      stream: "worker",
      line: again ? "worker lost (no heartbeat); job requeued" : "worker lost (no heartbeat); no attempts left",
    });
  }

  // queued jobs say why they wait, for readers of the stored reason (the jobs list, `keel tune`): one
  // query for the workers online, not one per job
  const online = await onlineCapabilities(db);
  const queued = await db
    .select({ id: j.id, method: j.method, resources: j.resources, waitReason: j.waitReason })
    .from(j)
    .where(eq(j.status, "queued"))
    .limit(500);
  for (const q of queued) {
    const reason = waitReason(online, q);
    if (reason === q.waitReason) continue;
    await db
      .update(j)
      .set({ waitReason: reason })
      .where(and(eq(j.id, q.id), eq(j.status, "queued")));
    out.reasons++;
  }

  // the next moment a held job can be lost: its worker's heartbeat plus the timeout
  const [oldest] = await db
    .select({ at: min(w.heartbeatAt) })
    .from(j)
    .innerJoin(w, eq(w.id, j.workerId))
    .where(inArray(j.status, [...BUSY]));
  if (oldest?.at) {
    const due = Math.max(new Date(oldest.at).getTime() + WORKER_LOST_AFTER_MS + 1000, now.getTime() + 1000);
    out.next = (await scheduleReap(db, new Date(due))).toISOString();
  }
  return out;
}
