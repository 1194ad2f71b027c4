import { and, eq, isNotNull, lte } from "drizzle-orm";
import { z } from "zod";
import { schema } from "../../../db/client";
import { logger } from "../../core/logger";
import { defineJob, enqueue } from "../../core/queue";
import { nextRun } from "../monitors";
import { applyRetention } from "../runs";
import { driftRunJob } from "./run";

/**
 * Every minute: each active monitor whose `next_run_at` has come gets a `drift.run` job (keyed by
 * monitor and due time, so two workers ticking at once enqueue it once) and its next time from its
 * cron expression. Rows are claimed with SKIP LOCKED; the enqueue commits with the new next time.
 */
export const driftTickJob = defineJob({
  name: "drift.tick",
  schema: z.object({}),
  maxAttempts: 1,
  timeoutMs: 5 * 60_000,
  handle: async ({ db }) => {
    const m = schema.driftMonitors;
    const now = new Date();
    const queued = await db.transaction(async (tx) => {
      const due = await tx
        .select()
        .from(m)
        .where(and(eq(m.active, true), isNotNull(m.schedule), lte(m.nextRunAt, now)))
        .limit(500)
        .for("update", { skipLocked: true });
      for (const monitor of due) {
        let next: Date | null = null;
        try {
          next = nextRun(monitor.schedule as string, now);
        } catch (err) {
          logger.warn({ monitor: monitor.id, err: (err as Error).message }, "drift monitor schedule does not parse; unscheduled");
        }
        await tx.update(m).set({ nextRunAt: next }).where(eq(m.id, monitor.id));
        await enqueue(
          tx,
          driftRunJob,
          { projectId: monitor.projectId, monitorId: monitor.id, trigger: "schedule" as const },
          { projectId: monitor.projectId, key: `drift.run:${monitor.id}:${monitor.nextRunAt?.toISOString()}` },
        );
      }
      return due.length;
    });
    return { queued };
  },
});

/** Daily: delete runs past each monitor's retention (the newest run of a monitor is always kept). */
export const driftRetentionJob = defineJob({
  name: "drift.retention",
  schema: z.object({}),
  maxAttempts: 3,
  timeoutMs: 30 * 60_000,
  handle: async ({ db }) => ({ deleted: await applyRetention(db) }),
});
