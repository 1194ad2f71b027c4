import { z } from "zod";
import { defineJob } from "../../core/queue";
import { applyRetention } from "../retention";

/** Daily: delete traces past each project's retention (logs settings). */
export const retentionJob = defineJob({
  name: "logs.retention",
  schema: z.object({}),
  maxAttempts: 3,
  timeoutMs: 30 * 60_000,
  handle: async ({ db }) => applyRetention(db),
});
