import { z } from "zod";
import { getJob, JOB_STATUSES, listJobs } from "../core/jobs";
import { pageInput } from "../core/pagination";
import { cancelJob } from "../core/queue";
import { actorOf, recordAudit } from "../workspace";
import { projectProcedure, requireRole, router } from "./init";

const jobOut = z.object({
  id: z.string(),
  projectId: z.string().nullable(),
  name: z.string(),
  payload: z.unknown(),
  status: z.enum(JOB_STATUSES),
  progress: z.number(),
  message: z.string().nullable(),
  attempts: z.number(),
  maxAttempts: z.number(),
  lastError: z.string().nullable(),
  result: z.unknown(),
  cancelRequestedAt: z.date().nullable(),
  createdBy: z.string().nullable(),
  createdAt: z.date(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
});

/** Jobs of every domain, as Keel's own table records them. */
export const jobsRouter = router({
  list: projectProcedure
    .input(pageInput.extend({ status: z.array(z.enum(JOB_STATUSES)).optional() }))
    .output(z.object({ items: z.array(jobOut), nextCursor: z.string().nullable() }))
    .query(({ ctx, input }) => listJobs(ctx.db, ctx.projectId, input)),
  get: projectProcedure
    .input(z.object({ jobId: z.uuid() }))
    .output(jobOut)
    .query(({ ctx, input }) => getJob(ctx.db, ctx.projectId, input.jobId)),
  cancel: projectProcedure
    .use(requireRole("engineer"))
    .input(z.object({ jobId: z.uuid() }))
    .output(jobOut)
    .mutation(({ ctx, input }) =>
      ctx.db.transaction(async (tx) => {
        const before = await getJob(tx, ctx.projectId, input.jobId);
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
