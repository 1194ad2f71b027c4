import { eq, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import type { WorkerCapabilities } from "../../db/schema";
import { type TuningJob, WORKER_LOST_AFTER_MS } from "./jobs";
import { scheduleReap } from "./reaper";

/**
 * Take the oldest queued job this worker can run, if any: the one claim query of every worker, local
 * or remote. The trainer list is one bound array parameter, so the statement is the same whatever a
 * worker reports; `projectIds` (a remote worker's pool; null: every project) is one more. The claim
 * and the reap that would find this worker lost commit together: a worker killed right after
 * claiming still has its job requeued (./reaper.ts).
 */
export async function claim(
  db: DbOrTx,
  workerId: string,
  caps: Pick<WorkerCapabilities, "trainers" | "gpus">,
  scope: { projectIds: string[] | null } = { projectIds: null },
): Promise<TuningJob | null> {
  const maxGpu = Math.max(0, ...caps.gpus.map((g) => g.memoryMb));
  const inPool = scope.projectIds === null ? sql`TRUE` : sql`project_id = ANY(${sql.param(scope.projectIds)}::uuid[])`;
  return db.transaction(async (tx) => {
    const rows = await tx.execute<{ id: string }>(sql`
      UPDATE tuning_jobs SET status = 'assigned', worker_id = ${workerId}, attempt = attempt + 1, wait_reason = NULL
      WHERE id = (
        SELECT id FROM tuning_jobs
        WHERE status = 'queued' AND cancel_requested_at IS NULL
          AND method = ANY(${sql.param(caps.trainers)}::text[])
          AND (resources->>'kind' = 'cpu' OR (${caps.gpus.length > 0} AND coalesce((resources->>'minGpuMemoryMb')::int, 0) <= ${maxGpu}))
          AND ${inPool}
        ORDER BY created_at
        FOR UPDATE SKIP LOCKED
        LIMIT 1
      )
      RETURNING id`);
    const id = rows[0]?.id;
    if (!id) return null;
    await scheduleReap(tx, new Date(Date.now() + WORKER_LOST_AFTER_MS + 1000));
    const [job] = await tx.select().from(schema.tuningJobs).where(eq(schema.tuningJobs.id, id));
    return job ?? null;
  });
}
