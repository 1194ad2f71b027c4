import { z } from "zod";
import { DomainError } from "../core/errors";
import { pageOf } from "../core/output-schema";
import { projectProcedure, requireRole, router } from "../trpc/init";
import { actorOf, type Role } from "../workspace";
import { chartsInput, traceCharts } from "./charts";
import {
  chartPointOut,
  endUserOut,
  entityId,
  groupPageOut,
  idOut,
  ingestInput,
  ingestOutput,
  nextItemOut,
  priceOut,
  queueItemOut,
  queueListOut,
  queueOut,
  queueStatsOut,
  ratingBody,
  savedViewOut,
  scoreConfigInput,
  scoreConfigOut,
  scoreSeriesOut,
  sessionOut,
  traceDetailOut,
  traceRowOut,
} from "./contract";
import { ingestBatch } from "./ingest";
import { logSettingsInput, priceInput, recomputeInput } from "./inputs";
import { catalogOut, deletePrice, listCatalog, listPrices, upsertPrice } from "./prices";
import { promptVersionStats, promptVersionStatsInput, promptVersionStatsOut } from "./prompt-version-stats";
import {
  addItems,
  addItemsInput,
  completeInput,
  completeItem,
  createQueue,
  listQueues,
  nextItem,
  queueInput,
  queueStats,
  skipItem,
} from "./queues";
import { recomputeCosts, recomputeOutput } from "./recompute-cost";
import { scoreCharts, scoreChartsInput } from "./score-charts";
import { createScoreConfig, listScoreConfigs, setScoreConfigArchived } from "./score-configs";
import { getSession, getUser, groupKey, groupListInput, listSessions, listUsers } from "./sessions";
import { getLogSettings, updateLogSettings } from "./settings";
import { traceModelVersion, traceModelVersionInput, traceModelVersionOut } from "./trace-model-version";
import { scoreNameOut, scoreNames } from "./trace-scores";
import { DEFAULT_SORT, traceSort } from "./trace-sort";
import { getTrace, listTraces, splitTraceQuery, traceFilter, traceQuery } from "./traces";
import { uiRating } from "./ui-rating";
import { deleteView, listViews, saveView, viewInput } from "./views";

const traces = router({
  list: projectProcedure
    .input(
      z.object({
        filter: traceFilter.default({}),
        cursor: z.string().max(300).optional(),
        limit: z.number().int().min(1).max(200).default(50),
        sort: traceSort.default(DEFAULT_SORT),
      }),
    )
    .output(pageOf(traceRowOut))
    .query(({ ctx, input }) => listTraces(ctx.db, ctx.projectId, input.filter, input, { withScores: true })),
  /** The project's score names (configs, then names rated without one): the explorer's per-score columns and filters. */
  scoreNames: projectProcedure.output(z.array(scoreNameOut)).query(({ ctx }) => scoreNames(ctx.db, ctx.projectId)),
  /** The REST twin of `list` (GET /api/v1/traces): the same filter, flattened, dates as ISO strings. */
  find: projectProcedure
    .input(traceQuery)
    .output(pageOf(traceRowOut))
    .query(({ ctx, input }) => {
      const { filter, page } = splitTraceQuery(input);
      return listTraces(ctx.db, ctx.projectId, filter, page);
    }),
  get: projectProcedure
    .input(z.object({ traceId: entityId }))
    .output(traceDetailOut)
    .query(({ ctx, input }) => getTrace(ctx.db, ctx.projectId, input.traceId)),
  charts: projectProcedure
    .input(chartsInput)
    .output(z.array(chartPointOut))
    .query(({ ctx, input }) => traceCharts(ctx.db, ctx.projectId, input)),
  /** Rating series per score name over the same filter and buckets as `charts` (never one mixed mean). */
  scoreCharts: projectProcedure
    .input(scoreChartsInput)
    .output(z.array(scoreSeriesOut))
    .query(({ ctx, input }) => scoreCharts(ctx.db, ctx.projectId, input)),
  /** Calls, latency p50/p95, cost and each score's mean per version of one prompt, in total and per bucket. */
  promptVersionStats: projectProcedure
    .input(promptVersionStatsInput)
    .output(promptVersionStatsOut)
    .query(({ ctx, input }) => promptVersionStats(ctx.db, ctx.projectId, input)),
});

const ratings = router({
  /** A member's rating from the UI (trace page, queues). */
  create: projectProcedure
    .use(requireRole("annotator"))
    .input(ratingBody.omit({ endUserId: true }).extend({ id: entityId.optional() }))
    .output(idOut)
    .mutation(({ ctx, input }) => uiRating(ctx.db, ctx.projectId, actorOf(ctx.principal).userId, input)),
});

const scoreConfigs = router({
  list: projectProcedure
    .input(z.object({ includeArchived: z.boolean().default(false) }))
    .output(z.array(scoreConfigOut))
    .query(({ ctx, input }) => listScoreConfigs(ctx.db, ctx.projectId, input)),
  create: projectProcedure
    .use(requireRole("engineer"))
    .input(scoreConfigInput)
    .output(scoreConfigOut)
    .mutation(({ ctx, input }) => createScoreConfig(ctx.db, actorOf(ctx.principal), ctx.projectId, input)),
  setArchived: projectProcedure
    .use(requireRole("engineer"))
    .input(z.object({ id: z.uuid(), archived: z.boolean() }))
    .output(scoreConfigOut)
    .mutation(({ ctx, input }) => setScoreConfigArchived(ctx.db, actorOf(ctx.principal), ctx.projectId, input.id, input.archived)),
});

const prices = router({
  list: projectProcedure.output(z.array(priceOut)).query(({ ctx }) => listPrices(ctx.db, ctx.projectId)),
  upsert: projectProcedure
    .use(requireRole("engineer"))
    .input(priceInput)
    .output(priceOut)
    .mutation(({ ctx, input }) => upsertPrice(ctx.db, actorOf(ctx.principal), ctx.projectId, input)),
  delete: projectProcedure
    .use(requireRole("engineer"))
    .input(z.object({ id: z.uuid() }))
    .output(idOut)
    .mutation(({ ctx, input }) => deletePrice(ctx.db, actorOf(ctx.principal), ctx.projectId, input.id)),
  /** The built-in prices a generation falls back to when no project price matches its model. */
  catalog: projectProcedure.output(catalogOut).query(() => listCatalog()),
  /** Recompute the cost of the observations that started in [from, to) from the current prices. */
  recompute: projectProcedure
    .use(requireRole("engineer"))
    .input(recomputeInput)
    .output(recomputeOutput)
    .mutation(({ ctx, input }) => recomputeCosts(ctx.db, actorOf(ctx.principal), ctx.projectId, input)),
});

const settings = router({
  get: projectProcedure.output(logSettingsInput).query(({ ctx }) => getLogSettings(ctx.db, ctx.projectId)),
  update: projectProcedure
    .use(requireRole("admin"))
    .input(logSettingsInput)
    .output(logSettingsInput)
    .mutation(({ ctx, input }) => updateLogSettings(ctx.db, actorOf(ctx.principal), ctx.projectId, input)),
});

const userOf = (ctx: { principal: { kind: string; userId?: string | null }; role: Role }) => {
  if (!ctx.principal.userId) throw new DomainError("FORBIDDEN", "Queues are worked by members (a signed-in user, or a key acting for one)");
  return { userId: ctx.principal.userId, role: ctx.role };
};

const queues = router({
  list: projectProcedure.output(z.array(queueListOut)).query(({ ctx }) => listQueues(ctx.db, ctx.projectId)),
  create: projectProcedure
    .use(requireRole("engineer"))
    .input(queueInput)
    .output(queueOut)
    .mutation(({ ctx, input }) => createQueue(ctx.db, actorOf(ctx.principal), ctx.projectId, input)),
  addItems: projectProcedure
    .use(requireRole("engineer"))
    .input(z.object({ queueId: z.uuid(), items: addItemsInput }))
    .output(z.object({ added: z.number() }))
    .mutation(({ ctx, input }) => addItems(ctx.db, ctx.projectId, input.queueId, input.items)),
  stats: projectProcedure
    .input(z.object({ queueId: z.uuid() }))
    .output(queueStatsOut)
    .query(({ ctx, input }) => queueStats(ctx.db, ctx.projectId, input.queueId, userOf(ctx).userId)),
  next: projectProcedure
    .use(requireRole("annotator"))
    .input(z.object({ queueId: z.uuid() }))
    .output(nextItemOut)
    .mutation(({ ctx, input }) => nextItem(ctx.db, ctx.projectId, input.queueId, userOf(ctx))),
  complete: projectProcedure
    .use(requireRole("annotator"))
    .input(completeInput)
    .output(queueItemOut)
    // the item exists: completeItem locked it in the same transaction before updating it
    .mutation(async ({ ctx, input }) => (await completeItem(ctx.db, ctx.projectId, userOf(ctx), input))!),
  skip: projectProcedure
    .use(requireRole("annotator"))
    .input(z.object({ itemId: z.uuid() }))
    .output(z.object({ itemId: z.string() }))
    .mutation(({ ctx, input }) => skipItem(ctx.db, ctx.projectId, userOf(ctx).userId, input.itemId)),
});

const views = router({
  list: projectProcedure.output(z.array(savedViewOut)).query(({ ctx }) => listViews(ctx.db, ctx.projectId)),
  save: projectProcedure
    .use(requireRole("annotator"))
    .input(viewInput)
    .output(savedViewOut)
    .mutation(({ ctx, input }) => saveView(ctx.db, actorOf(ctx.principal), ctx.projectId, { name: input.name, query: input.query })),
  delete: projectProcedure
    .use(requireRole("annotator"))
    .input(z.object({ id: z.uuid() }))
    .output(idOut)
    .mutation(({ ctx, input }) => deleteView(ctx.db, actorOf(ctx.principal), ctx, input.id)),
});

/** Traces grouped by session_id and by user_id (issue 19); another project's key is NOT_FOUND. */
const sessions = router({
  list: projectProcedure
    .input(groupListInput)
    .output(groupPageOut)
    .query(({ ctx, input }) => listSessions(ctx.db, ctx.projectId, input)),
  get: projectProcedure
    .input(groupListInput.extend({ sessionId: groupKey }))
    .output(sessionOut)
    .query(({ ctx, input }) => getSession(ctx.db, ctx.projectId, input.sessionId, input)),
});
const users = router({
  list: projectProcedure
    .input(groupListInput)
    .output(groupPageOut)
    .query(({ ctx, input }) => listUsers(ctx.db, ctx.projectId, input)),
  get: projectProcedure
    .input(z.object({ userId: groupKey }))
    .output(endUserOut)
    .query(({ ctx, input }) => getUser(ctx.db, ctx.projectId, input.userId)),
});

export const logsRouter = router({
  sessions,
  users,
  views,
  queues,
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
  /** The registry's name of a trace's model version (the trace page links to it). */
  traceModelVersion: projectProcedure
    .input(traceModelVersionInput)
    .output(traceModelVersionOut)
    .query(({ ctx, input }) => traceModelVersion(ctx.db, ctx.projectId, input.modelVersionId)),
  /** The registry's name of a trace's prompt version (the trace page links to the prompt). */
  tracePromptVersion: projectProcedure
    .input(z.object({ promptVersionId: z.uuid() }))
    .output(traceModelVersionOut)
    .query(({ ctx, input }) => traceModelVersion(ctx.db, ctx.projectId, input.promptVersionId)),
});
