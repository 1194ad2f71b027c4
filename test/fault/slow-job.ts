import { z } from "zod";
import { defineJob } from "../../server/core/queue";

/** A job whose first attempt hangs (until aborted) and whose later attempts succeed at once. */
export const slowJob = defineJob({
  name: "fault.slow",
  schema: z.object({}),
  maxAttempts: 3,
  timeoutMs: 120_000,
  handle: async ({ attempt, signal }) => {
    if (attempt === 1)
      await new Promise((resolve, reject) => {
        const t = setTimeout(resolve, 100_000);
        signal.addEventListener("abort", () => {
          clearTimeout(t);
          reject(signal.reason);
        });
      });
    return { attempt };
  },
});
