import { z } from "zod";
import { defineJob } from "../../core/queue";
import { executeRun } from "../execute";

/** Score an eval run (server/evals/runs.ts `executeRun`); idempotent: a retry resumes after the last stored item. */
export const evalRunJob = defineJob({
  name: "evals.run",
  schema: z.object({ runId: z.uuid() }),
  maxAttempts: 3,
  timeoutMs: 60 * 60_000,
  handle: executeRun,
});
