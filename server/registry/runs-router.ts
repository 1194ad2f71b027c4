import { z } from "zod";
import { pageOf } from "../core/output-schema";
import { projectProcedure, requireRole, router } from "../trpc/init";
import { actorOf } from "../workspace";
import { createExperiment, getExperiment, listExperiments, setExperimentLifecycle, updateExperiment } from "./experiments";
import { metricKeys } from "./run-metrics";
import { getRunDetail, setRunLifecycle, updateRun } from "./runs";
import {
  compareInput,
  createExperimentInput,
  experimentOut,
  experimentSummaryOut,
  historyInput,
  listExperimentsInput,
  metricSeriesOut,
  runComparisonOut,
  runDetailOut,
  runOut,
  runSearchOut,
  searchRunsInput,
  updateExperimentInput,
  updateRunInput,
} from "./runs-contract";
import { compareRuns, metricHistories } from "./runs-history";
import { paramKeys, searchRuns } from "./runs-search";

const experimentId = z.object({ experimentId: z.string().min(1).max(100) });
const runId = z.object({ runId: z.string().min(1).max(100) });

/**
 * api.registry.experiments.*: experiment tracking for the console. Reads for any member, writes
 * for engineers up. Logging itself goes through /api/v1/runs and the MLflow API (keys, batches).
 */
export const experimentsRouter = router({
  list: projectProcedure
    .input(listExperimentsInput)
    .output(pageOf(experimentSummaryOut))
    .query(({ ctx, input }) => listExperiments(ctx.db, ctx.projectId, input)),
  create: projectProcedure
    .use(requireRole("engineer"))
    .input(createExperimentInput)
    .output(experimentOut)
    .mutation(({ ctx, input }) => createExperiment(ctx.db, actorOf(ctx.principal), ctx.projectId, input)),
  get: projectProcedure
    .input(experimentId)
    .output(experimentOut)
    .query(({ ctx, input }) => getExperiment(ctx.db, ctx.projectId, input.experimentId)),
  update: projectProcedure
    .use(requireRole("engineer"))
    .input(updateExperimentInput)
    .output(experimentOut)
    .mutation(({ ctx, input: { experimentId: id, ...rest } }) => updateExperiment(ctx.db, actorOf(ctx.principal), ctx.projectId, id, rest)),
  setDeleted: projectProcedure
    .use(requireRole("engineer"))
    .input(experimentId.extend({ deleted: z.boolean() }))
    .output(experimentOut)
    .mutation(({ ctx, input }) =>
      setExperimentLifecycle(ctx.db, actorOf(ctx.principal), ctx.projectId, input.experimentId, input.deleted ? "deleted" : "active"),
    ),
  /** A page of runs plus the param and metric keys present in the experiments (the table's columns). */
  searchRuns: projectProcedure
    .input(searchRunsInput)
    .output(runSearchOut)
    .query(async ({ ctx, input }) => {
      const page = await searchRuns(ctx.db, ctx.projectId, input);
      const [params, metrics] = await Promise.all([
        paramKeys(ctx.db, ctx.projectId, input.experimentIds),
        metricKeys(ctx.db, input.experimentIds),
      ]);
      return { ...page, paramKeys: params, metricKeys: metrics };
    }),
  run: projectProcedure
    .input(runId)
    .output(runDetailOut)
    .query(({ ctx, input }) => getRunDetail(ctx.db, ctx.projectId, input.runId)),
  updateRun: projectProcedure
    .use(requireRole("engineer"))
    .input(runId.extend(updateRunInput.shape))
    .output(runOut)
    .mutation(({ ctx, input: { runId: id, ...rest } }) => updateRun(ctx.db, ctx.projectId, id, rest)),
  setRunDeleted: projectProcedure
    .use(requireRole("engineer"))
    .input(runId.extend({ deleted: z.boolean() }))
    .output(runOut)
    .mutation(({ ctx, input }) =>
      setRunLifecycle(ctx.db, actorOf(ctx.principal), ctx.projectId, input.runId, input.deleted ? "deleted" : "active"),
    ),
  /** Series of several keys of one run (for charts), each thinned to maxPoints. */
  metricHistory: projectProcedure
    .input(historyInput)
    .output(z.array(metricSeriesOut))
    .query(({ ctx, input }) => metricHistories(ctx.db, ctx.projectId, input.runId, input.keys, input.maxPoints)),
  compare: projectProcedure
    .input(compareInput)
    .output(runComparisonOut)
    .query(({ ctx, input }) => compareRuns(ctx.db, ctx.projectId, input)),
});
