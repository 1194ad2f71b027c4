import { z } from "zod";
import { TUNING_STATUSES } from "../../db/schema";
import { getJob, JOB_KINDS, JOB_STATUSES, listJobs } from "../core/jobs";
import { pageInput } from "../core/pagination";
import { cancelJob } from "../core/queue";
import { cancelJob as cancelTuningJob } from "../tuning";
import { actorOf, recordAudit } from "../workspace";
import { projectProcedure, requireRole, router } from "./init";

const jobOut = z.object({
  /** queue: a job of Keel's queue (eval runs, drift runs, webhooks, ...); tuning: a fine-tuning job */
  kind: z.enum(JOB_KINDS),
  id: z.string(),
  projectId: z.string().nullable(),
  name: z.string(),
  payload: z.unknown(),
  /** the common lifecycle of both kinds; a tuning job's own status is `tuning.status` */
  status: z.enum(JOB_STATUSES),
  progress: z.number(),
  message: z.string().nullable(),
  attempts: z.number(),
  maxAttempts: z.number(),
  /** the last error; a tuning job's in full (its reason and the trainer's last log lines) */
  lastError: z.string().nullable(),
  result: z.unknown(),
  cancelRequestedAt: z.date().nullable(),
  createdBy: z.string().nullable(),
  createdAt: z.date(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
  tuning: z.object({ number: z.number().int(), method: z.string(), status: z.enum(TUNING_STATUSES), outputModel: z.string() }).nullable(),
});

/** Jobs of every domain, both kinds: Keel's queue and fine-tuning, in one list. */
export const jobsRouter = router({
  list: projectProcedure
    .input(pageInput.extend({ status: z.array(z.enum(JOB_STATUSES)).optional(), kind: z.enum(JOB_KINDS).optional() }))
    .output(z.object({ items: z.array(jobOut), nextCursor: z.string().nullable() }))
    .query(({ ctx, input }) => listJobs(ctx.db, ctx.projectId, input)),
  get: projectProcedure
    .input(z.object({ jobId: z.uuid() }))
    .output(jobOut)
    .query(({ ctx, input }) => getJob(ctx.db, ctx.projectId, input.jobId)),
  /** a queued job is removed at once, a running one asked to stop; a tuning job is cancelled as api.tuning.cancel does */
  cancel: projectProcedure
    .use(requireRole("engineer"))
    .input(z.object({ jobId: z.uuid() }))
    .output(jobOut)
    .mutation(({ ctx, input }) =>
      ctx.db.transaction(async (tx) => {
        const before = await getJob(tx, ctx.projectId, input.jobId);
        if (before.kind === "tuning") {
          await cancelTuningJob(tx, actorOf(ctx.principal), ctx.projectId, before.id);
          return getJob(tx, ctx.projectId, input.jobId);
        }
        const after = await cancelJob(tx, ctx.projectId, input.jobId);
        if (!before.cancelRequestedAt && after.cancelRequestedAt) {
          await recordAudit(tx, actorOf(ctx.principal), {
            projectId: ctx.projectId,
            action: "jobs.job.cancel",
            targetType: "job",
            targetId: after.id,
            before: { status: before.status },
            after: { status: after.status },
          });
        }
        return getJob(tx, ctx.projectId, input.jobId);
      }),
    ),
});
