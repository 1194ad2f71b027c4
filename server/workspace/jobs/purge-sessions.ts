import { z } from "zod";
import { defineJob } from "../../core/queue";
import { purgeExpired } from "../auth";

/** Hourly: drop expired sessions and login failures older than the rate-limit window. */
export const purgeSessionsJob = defineJob({
  name: "workspace.purgeSessions",
  schema: z.object({}),
  maxAttempts: 3,
  timeoutMs: 60_000,
  handle: async ({ db }) => purgeExpired(db),
});
