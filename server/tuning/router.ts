import { z } from "zod";
import { TUNING_STATUSES } from "../../db/schema";
import { pageInput } from "../core/pagination";
import { instanceAdminProcedure, projectProcedure, requireRole, router } from "../trpc/init";
import { actorOf } from "../workspace";
import { decideJob } from "./approval";
import {
  createPoolInput,
  createWorkerTokenInput,
  HYPERPARAMETER_SPECS,
  hyperparameterSpecsOut,
  instanceWorkerOut,
  jobLogOut,
  jobViewOut,
  projectWorkerOut,
  tuningJobOut,
  workerPoolOut,
  workerTokenOut,
} from "./contract";
import { cancelJob, createJob, getJob, jobLogs, listJobs } from "./jobs";
import { createPool, createWorkerToken, listPools, listWorkerTokens, revokeWorkerToken } from "./worker-tokens";
import { allWorkers, projectWorkers } from "./workers";

const jobRef = z.object({ job: z.union([z.string().uuid(), z.number().int().positive()]) });

/** api.tuning.*: fine-tuning jobs (reads for members, launch and cancel for engineers up) and the workers (the full list for instance admins). */
export const tuningRouter = router({
  list: projectProcedure
    .input(
      z.object({
        status: z.enum(TUNING_STATUSES).optional(),
        limit: z.number().int().min(1).max(500).optional(),
        /** the next page: jobs numbered below the last one seen */
        beforeNumber: z.number().int().positive().optional(),
      }),
    )
    .output(z.array(jobViewOut))
    .query(({ ctx, input }) => listJobs(ctx.db, ctx.projectId, input)),
  get: projectProcedure
    .input(jobRef)
    .output(jobViewOut)
    .query(({ ctx, input }) => getJob(ctx.db, ctx.projectId, input.job)),
  logs: projectProcedure
    .input(jobRef.extend({ afterId: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(5000).default(500) }))
    .output(z.array(jobLogOut))
    .query(({ ctx, input }) => jobLogs(ctx.db, ctx.projectId, input.job, input.afterId, input.limit)),
  /** the service parses the launch input itself (its own schema): the tRPC input is passed through */
  create: projectProcedure
    .use(requireRole("engineer"))
    .input(z.record(z.string(), z.unknown()))
    .output(tuningJobOut)
    .mutation(({ ctx, input }) => {
      const { projectId: _slug, ...rest } = input;
      return createJob(ctx.db, actorOf(ctx.principal), ctx.projectId, rest);
    }),
  cancel: projectProcedure
    .use(requireRole("engineer"))
    .input(jobRef)
    .output(jobViewOut)
    .mutation(({ ctx, input }) => cancelJob(ctx.db, actorOf(ctx.principal), ctx.projectId, input.job)),
  /** start or reject a proposed job (a drift alert's retraining): the output model's approvers, else admins */
  decide: projectProcedure
    .input(jobRef.extend({ decision: z.enum(["approve", "reject"]), reason: z.string().max(2000).nullish() }))
    .output(jobViewOut)
    .mutation(({ ctx, input }) => decideJob(ctx.db, actorOf(ctx.principal), ctx, input.job, input.decision, input.reason)),
  /** the workers this project's jobs can run on: what they offer and whether they are online, not where they run */
  workers: projectProcedure.output(z.array(projectWorkerOut)).query(({ ctx }) => projectWorkers(ctx.db, ctx.projectId)),
  /** every worker with its host, pid and the job (and project) it runs: instance admins only */
  allWorkers: instanceAdminProcedure.output(z.array(instanceWorkerOut)).query(({ ctx }) => allWorkers(ctx.db)),
  /** remote workers' pools and `wk_` tokens: instance admins only (tokens are instance credentials, not project data) */
  pools: router({
    list: instanceAdminProcedure.output(z.array(workerPoolOut)).query(({ ctx }) => listPools(ctx.db)),
    create: instanceAdminProcedure
      .input(createPoolInput)
      .output(workerPoolOut)
      .mutation(({ ctx, input }) => createPool(ctx.db, actorOf(ctx.principal), input)),
  }),
  tokens: router({
    list: instanceAdminProcedure
      .input(pageInput.extend({ includeRevoked: z.boolean().optional() }))
      .output(z.object({ items: z.array(workerTokenOut), nextCursor: z.string().nullable() }))
      .query(({ ctx, input }) => listWorkerTokens(ctx.db, input)),
    /** the token is in the answer this once */
    create: instanceAdminProcedure
      .input(createWorkerTokenInput)
      .output(z.object({ token: z.string(), view: workerTokenOut }))
      .mutation(({ ctx, input }) => createWorkerToken(ctx.db, actorOf(ctx.principal), input)),
    revoke: instanceAdminProcedure
      .input(z.object({ id: z.string().min(1).max(100) }))
      .output(workerTokenOut)
      .mutation(({ ctx, input }) => revokeWorkerToken(ctx.db, actorOf(ctx.principal), input.id)),
  }),
  /** each method's hyperparameters with their defaults and ranges, derived from the schemas the server validates with */
  hyperparameters: projectProcedure.output(hyperparameterSpecsOut).query(() => HYPERPARAMETER_SPECS),
});
