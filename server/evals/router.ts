import { z } from "zod";
import { pageInput } from "../core/pagination";
import { projectProcedure, requireRole, router } from "../trpc/init";
import { actorOf } from "../workspace";
import { evalCompareOut, evalItemOut, evalRunOut, evalRunProgressOut, gateEvaluationOut, gateOut, pageOf } from "./contract";
import { estimateInput, estimateOut, estimateRun } from "./estimate";
import { createGate, evaluateGateOnRun, gateInput, listGates } from "./gate-service";
import { evaluateGateInput } from "./inputs";
import { createRunWithData, runWithDataInput } from "./run-with-data";
import { compareRuns, createRun, getRunWithProgress, listItems, listRuns, runInput } from "./runs";

const runs = router({
  list: projectProcedure
    .input(pageInput)
    .output(pageOf(evalRunOut))
    .query(({ ctx, input }) => listRuns(ctx.db, ctx.projectId, input)),
  get: projectProcedure
    .input(z.object({ runId: z.uuid() }))
    .output(evalRunProgressOut)
    .query(({ ctx, input }) => getRunWithProgress(ctx.db, ctx.projectId, input.runId)),
  items: projectProcedure
    .input(z.object({ runId: z.uuid(), after: z.number().int().min(-1).optional(), limit: z.number().int().min(1).max(500).default(100) }))
    .output(z.array(evalItemOut))
    .query(({ ctx, input }) => listItems(ctx.db, ctx.projectId, input.runId, input)),
  create: projectProcedure
    .use(requireRole("engineer"))
    .input(runInput)
    .output(evalRunOut)
    .mutation(({ ctx, input }) => createRun(ctx.db, actorOf(ctx.principal), ctx.projectId, input)),
  /** a run with its data: rows uploaded as a dataset version in the run's transaction, or a version by name (`keel eval run`) */
  createWithData: projectProcedure
    .use(requireRole("engineer"))
    .input(runWithDataInput)
    .output(evalRunOut)
    .mutation(({ ctx, input }) => createRunWithData(ctx.db, actorOf(ctx.principal), ctx.projectId, input)),
  estimate: projectProcedure
    .input(estimateInput)
    .output(estimateOut)
    .query(({ ctx, input }) => estimateRun(ctx.db, ctx.projectId, input)),
  compare: projectProcedure
    .input(z.object({ aRunId: z.uuid(), bRunId: z.uuid(), focus: z.string().max(100).optional() }))
    .output(evalCompareOut)
    .query(({ ctx, input }) => compareRuns(ctx.db, ctx.projectId, input.aRunId, input.bRunId, input.focus)),
});

const gates = router({
  list: projectProcedure.output(z.array(gateOut)).query(({ ctx }) => listGates(ctx.db, ctx.projectId)),
  create: projectProcedure
    .use(requireRole("engineer"))
    .input(gateInput)
    .output(gateOut)
    .mutation(({ ctx, input }) => createGate(ctx.db, actorOf(ctx.principal), ctx.projectId, { name: input.name, rules: input.rules })),
  evaluate: projectProcedure
    .use(requireRole("engineer"))
    .input(evaluateGateInput)
    .output(gateEvaluationOut)
    .mutation(({ ctx, input }) => evaluateGateOnRun(ctx.db, ctx.projectId, input)),
});

export const evalsRouter = router({ runs, gates });
