import { z } from "zod";
import { defineJob } from "../../core/queue";
import { SYSTEM_ACTOR } from "../../workspace";
import { getMonitorRow } from "../monitors";
import { runMonitorRow } from "../runs";

/** One scheduled run of a monitor (enqueued by `drift.tick` with a key per due time: never twice). */
export const driftRunJob = defineJob({
  name: "drift.run",
  schema: z.object({ projectId: z.string().uuid(), monitorId: z.string().uuid(), trigger: z.enum(["schedule", "manual"]) }),
  maxAttempts: 2,
  timeoutMs: 15 * 60_000,
  handle: async ({ db, payload }) => {
    const monitor = await getMonitorRow(db, payload.projectId, payload.monitorId);
    const run = await runMonitorRow(db, SYSTEM_ACTOR, monitor, payload.trigger);
    return { runId: run.id, number: run.number, verdict: run.verdict };
  },
});
