import { z } from "zod";
import { defineJob } from "../../core/queue";
import { rollupDirtyHours } from "../stats";

/** Every minute: recompute the hourly chart stats of hours that changed (server/logs/stats.ts). */
export const rollupStatsJob = defineJob({
  name: "logs.rollupStats",
  schema: z.object({}),
  maxAttempts: 3,
  timeoutMs: 5 * 60_000,
  handle: async ({ db }) => {
    let hours = 0;
    for (;;) {
      const r = await rollupDirtyHours(db, 500);
      hours += r.hours;
      if (r.hours < 500) return { hours };
    }
  },
});
