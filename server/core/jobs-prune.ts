import { sql } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx } from "../../db/client";
import { defineJob } from "./queue";

/** Finished runs of scheduled system jobs are kept this long (failed ones longer: they are what an operator looks for). */
export const SYSTEM_JOB_KEEP_DAYS = { finished: 7, failed: 30 } as const;
const BATCH = 5_000;

/**
 * Delete the old rows of system jobs (no project: the minute schedules of rollups, drift ticks and
 * the tuning reaper add about 4,000 a day) in batches, so no statement holds many locks or runs long.
 * A project's jobs are its history and stay.
 */
export async function pruneSystemJobs(db: DbOrTx, now = new Date()): Promise<{ deleted: number }> {
  const day = 24 * 3600 * 1000;
  const finishedBefore = new Date(now.getTime() - SYSTEM_JOB_KEEP_DAYS.finished * day);
  const failedBefore = new Date(now.getTime() - SYSTEM_JOB_KEEP_DAYS.failed * day);
  let deleted = 0;
  for (;;) {
    const rows = await db.execute<{ id: string }>(sql`
      DELETE FROM jobs WHERE id IN (
        SELECT id FROM jobs
        WHERE project_id IS NULL
          AND ((status IN ('succeeded', 'cancelled') AND finished_at < ${finishedBefore.toISOString()})
            OR (status = 'failed' AND finished_at < ${failedBefore.toISOString()}))
        LIMIT ${BATCH}
      ) RETURNING id`);
    const n = (rows as unknown as unknown[]).length;
    deleted += n;
    if (n < BATCH) return { deleted };
  }
}

/** Daily: see pruneSystemJobs. */
export const pruneJobsJob = defineJob({
  name: "jobs.prune",
  schema: z.object({}),
  maxAttempts: 3,
  timeoutMs: 10 * 60_000,
  handle: async ({ db }) => pruneSystemJobs(db),
});
