import { z } from "zod";
import { projectProcedure, requireRole, router } from "../trpc/init";
import { actorOf } from "../workspace";
import { entityId, ingestInput, ingestOutput, ratingBody, scoreConfigInput } from "./contract";
import { ingestBatch } from "./ingest";
import { deletePrice, listPrices, upsertPrice } from "./prices";
import { createScoreConfig, listScoreConfigs, setScoreConfigArchived } from "./score-configs";
import { getLogSettings, logSettingsInput, updateLogSettings } from "./settings";
import { getTrace, listTraces, traceFilter } from "./traces";
import { uiRating } from "./ui-rating";

const traces = router({
  list: projectProcedure
    .input(
      z.object({
        filter: traceFilter.default({}),
        cursor: z.string().max(300).optional(),
        limit: z.number().int().min(1).max(200).default(50),
      }),
    )
    .query(({ ctx, input }) => listTraces(ctx.db, ctx.projectId, input.filter, input)),
  get: projectProcedure.input(z.object({ traceId: entityId })).query(({ ctx, input }) => getTrace(ctx.db, ctx.projectId, input.traceId)),
});

const ratings = router({
  /** A member's rating from the UI (trace page, queues). */
  create: projectProcedure
    .use(requireRole("annotator"))
    .input(ratingBody.omit({ endUserId: true }).extend({ id: entityId.optional() }))
    .mutation(({ ctx, input }) => uiRating(ctx.db, ctx.projectId, actorOf(ctx.principal).userId, input)),
});

const scoreConfigs = router({
  list: projectProcedure
    .input(z.object({ includeArchived: z.boolean().default(false) }))
    .query(({ ctx, input }) => listScoreConfigs(ctx.db, ctx.projectId, input)),
  create: projectProcedure
    .use(requireRole("engineer"))
    .input(scoreConfigInput)
    .mutation(({ ctx, input }) => createScoreConfig(ctx.db, actorOf(ctx.principal), ctx.projectId, input)),
  setArchived: projectProcedure
    .use(requireRole("engineer"))
    .input(z.object({ id: z.uuid(), archived: z.boolean() }))
    .mutation(({ ctx, input }) => setScoreConfigArchived(ctx.db, actorOf(ctx.principal), ctx.projectId, input.id, input.archived)),
});

const prices = router({
  list: projectProcedure.query(({ ctx }) => listPrices(ctx.db, ctx.projectId)),
  upsert: projectProcedure
    .use(requireRole("engineer"))
    .input(z.object({ match: z.string().min(1).max(200), inputPerMillion: z.number().min(0), outputPerMillion: z.number().min(0) }))
    .mutation(({ ctx, input }) => upsertPrice(ctx.db, actorOf(ctx.principal), ctx.projectId, input)),
  delete: projectProcedure
    .use(requireRole("engineer"))
    .input(z.object({ id: z.uuid() }))
    .mutation(({ ctx, input }) => deletePrice(ctx.db, actorOf(ctx.principal), ctx.projectId, input.id)),
});

const settings = router({
  get: projectProcedure.query(({ ctx }) => getLogSettings(ctx.db, ctx.projectId)),
  update: projectProcedure
    .use(requireRole("admin"))
    .input(logSettingsInput)
    .mutation(({ ctx, input }) => updateLogSettings(ctx.db, actorOf(ctx.principal), ctx.projectId, input)),
});

export const logsRouter = router({
  /** The typed-client twin of POST /api/v1/ingest. */
  ingest: projectProcedure
    .use(requireRole("engineer"))
    .input(ingestInput)
    .output(ingestOutput)
    .mutation(async ({ ctx, input }) => ({ results: await ingestBatch(ctx.db, ctx.projectId, input.batch, { source: "api" }) })),
  traces,
  ratings,
  scoreConfigs,
  prices,
  settings,
});
