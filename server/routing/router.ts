import { z } from "zod";
import { projectProcedure, requireRole, router } from "../trpc/init";
import { actorOf } from "../workspace";
import { deletedOut, evalReportOut, routerListOut, routerOut, routerStatsOut, trainedOut } from "./contract";
import { evalInput, evaluateForProject } from "./service-eval";
import { createRouter, deleteRouter, getRouter, listRouters, routerInput, routerName, updateRouter } from "./service-routers";
import { routerStats } from "./service-stats";
import { trainInput, trainRouter } from "./service-train";

/** api.routing.*: routers (reads for members, writes for engineers up), training, evaluation, the dashboard. */
export const routingRouter = router({
  list: projectProcedure.output(z.array(routerListOut)).query(({ ctx }) => listRouters(ctx.db, ctx.projectId)),
  get: projectProcedure
    .input(z.object({ name: routerName }))
    .output(routerOut)
    .query(async ({ ctx, input }) => {
      const { trained, ...r } = await getRouter(ctx.db, ctx.projectId, input.name);
      return { ...r, trained: trained ? { ...trained, weights: undefined, mean: undefined, std: undefined } : null };
    }),
  create: projectProcedure
    .use(requireRole("engineer"))
    .input(routerInput)
    .output(routerOut)
    .mutation(({ ctx, input }) => createRouter(ctx.db, actorOf(ctx.principal), ctx.projectId, input)),
  update: projectProcedure
    .use(requireRole("engineer"))
    .input(routerInput)
    .output(routerOut)
    .mutation(({ ctx, input }) => updateRouter(ctx.db, actorOf(ctx.principal), ctx.projectId, input)),
  delete: projectProcedure
    .use(requireRole("engineer"))
    .input(z.object({ name: routerName }))
    .output(deletedOut)
    .mutation(({ ctx, input }) => deleteRouter(ctx.db, actorOf(ctx.principal), ctx.projectId, input.name)),
  train: projectProcedure
    .use(requireRole("engineer"))
    .input(trainInput)
    .output(trainedOut)
    .mutation(({ ctx, input }) => trainRouter(ctx.db, actorOf(ctx.principal), ctx.projectId, input)),
  /**
   * RouteLLM's measures of the random, length and learned routers on pasted JSONL. It writes nothing,
   * but costs up to a minute of CPU: engineers up, one at a time per project (service-eval.ts).
   */
  evaluate: projectProcedure
    .use(requireRole("engineer"))
    .input(evalInput)
    .output(evalReportOut)
    .mutation(async ({ ctx, input }) => {
      const { scores, ...report } = await evaluateForProject(ctx.projectId, {
        data: input.data,
        trainFrac: input.trainFrac,
        seed: input.seed,
        margin: input.margin,
      });
      return report;
    }),
  stats: projectProcedure
    .input(
      z.object({
        name: routerName,
        hours: z
          .number()
          .int()
          .min(1)
          .max(24 * 90)
          .default(24),
      }),
    )
    .output(routerStatsOut)
    .query(({ ctx, input }) => routerStats(ctx.db, ctx.projectId, input)),
});
