import { z } from "zod";
import { projectProcedure, requireRole, router } from "../trpc/init";
import { actorOf } from "../workspace";
import { isRouterModel, modelSummary } from "./candidates";
import { deletedOut, routerListOut, routerOut, routerStatsOut, trainedOut } from "./contract";
import { routerInput, routerName, trainInput } from "./inputs";
import { createRouter, deleteRouter, getRouter, listRouters, updateRouter } from "./service-routers";
import { routerStats } from "./service-stats";
import { trainRouter } from "./service-train";
import { keySpendSeries, keySpendSeriesOut, spendRange, teamSpend, teamSpendOut } from "./spend";

/**
 * api.routing.*: routers (reads for members, writes for engineers up), training, the dashboard. Evaluation
 * takes a file upload, so it is an HTTP route of its own (server/http/routes-routing.ts), not a procedure.
 */
export const routingRouter = router({
  list: projectProcedure.output(z.array(routerListOut)).query(({ ctx }) => listRouters(ctx.db, ctx.projectId)),
  get: projectProcedure
    .input(z.object({ name: routerName }))
    .output(routerOut)
    .query(async ({ ctx, input }) => {
      const { trained, ...r } = await getRouter(ctx.db, ctx.projectId, input.name);
      return {
        ...r,
        trained: isRouterModel(trained)
          ? modelSummary(trained)
          : trained
            ? { ...trained, weights: undefined, mean: undefined, std: undefined }
            : null,
      };
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
  /** the gateway's spend per secret key (hourly), and the team view per key, user and deployment */
  spend: router({
    keys: projectProcedure
      .use(requireRole("engineer"))
      .input(spendRange.and(z.object({ keyId: z.uuid().optional() })))
      .output(keySpendSeriesOut)
      .query(({ ctx, input }) => keySpendSeries(ctx.db, ctx.projectId, input)),
    team: projectProcedure
      .use(requireRole("engineer"))
      .input(spendRange)
      .output(teamSpendOut)
      .query(({ ctx, input }) => teamSpend(ctx.db, ctx.projectId, input)),
  }),
});
