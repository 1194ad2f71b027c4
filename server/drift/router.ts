import { z } from "zod";
import { pageInput } from "../core/pagination";
import { projectProcedure, requireRole, router } from "../trpc/init";
import { actorOf } from "../workspace";
import { acknowledgeAlert, createRule, deleteRule, listAlerts, listRules, updateRule } from "./alerts";
import { columnCatalog } from "./catalog";
import {
  alertOut,
  alertViewOut,
  columnCatalogOut,
  evaluationOut,
  idOut,
  monitorDetailOut,
  monitorOut,
  pageOf,
  ruleOut,
  runDetailOut,
  runOut,
  runSummaryOut,
} from "./contract";
import { createMonitor, deleteMonitor, getMonitor, listMonitors, updateMonitor } from "./monitors";
import { getRun, listRuns, previewMonitor, runMonitor, runTimeline } from "./runs";

const monitorRef = z.object({ monitor: z.string().trim().min(1).max(200) });
/** the service validates the body itself (contract.ts), so a bad field is a 400 naming it under its own path */
const body = z.record(z.string(), z.unknown());
const withoutProject = ({ projectId: _, ...rest }: Record<string, unknown>) => rest;

const monitors = router({
  list: projectProcedure
    .input(pageInput)
    .output(pageOf(monitorOut))
    .query(({ ctx, input }) => listMonitors(ctx.db, ctx.projectId, input)),
  get: projectProcedure
    .input(monitorRef)
    .output(monitorDetailOut)
    .query(async ({ ctx, input }) => {
      const monitor = await getMonitor(ctx.db, ctx.projectId, input.monitor);
      return { ...monitor, timeline: await runTimeline(ctx.db, ctx.projectId, monitor.id) };
    }),
  create: projectProcedure
    .use(requireRole("engineer"))
    .input(body)
    .output(monitorOut)
    .mutation(({ ctx, input }) => createMonitor(ctx.db, actorOf(ctx.principal), ctx.projectId, withoutProject(input))),
  update: projectProcedure
    .use(requireRole("engineer"))
    .input(monitorRef.extend({ patch: body }))
    .output(monitorOut)
    .mutation(({ ctx, input }) => updateMonitor(ctx.db, actorOf(ctx.principal), ctx.projectId, input.monitor, input.patch)),
  delete: projectProcedure
    .use(requireRole("engineer"))
    .input(monitorRef)
    .output(idOut)
    .mutation(({ ctx, input }) => deleteMonitor(ctx.db, actorOf(ctx.principal), ctx.projectId, input.monitor)),
  /** evaluate a configuration now without saving anything: the form's preview of the first run */
  preview: projectProcedure
    .use(requireRole("engineer"))
    .input(z.object({ config: z.unknown() }))
    .output(evaluationOut)
    .mutation(({ ctx, input }) => previewMonitor(ctx.db, ctx.projectId, input.config)),
  /** run now: the run is stored and its alert rules checked */
  run: projectProcedure
    .use(requireRole("engineer"))
    .input(monitorRef)
    .output(runOut)
    .mutation(({ ctx, input }) => runMonitor(ctx.db, actorOf(ctx.principal), ctx.projectId, input.monitor, "manual")),
  /** the columns a monitor can watch here: built-ins, the project's score names and metadata keys */
  columns: projectProcedure.output(columnCatalogOut).query(({ ctx }) => columnCatalog(ctx.db, ctx.projectId)),
});

const runs = router({
  list: projectProcedure
    .input(monitorRef.merge(pageInput))
    .output(pageOf(runSummaryOut))
    .query(({ ctx, input }) => listRuns(ctx.db, ctx.projectId, input.monitor, input)),
  get: projectProcedure
    .input(z.object({ runId: z.string().max(100) }))
    .output(runDetailOut)
    .query(({ ctx, input }) => getRun(ctx.db, ctx.projectId, input.runId)),
});

const ruleRef = z.object({ ruleId: z.string().max(100) });
const rules = router({
  list: projectProcedure
    .input(monitorRef)
    .output(z.array(ruleOut))
    .query(({ ctx, input }) => listRules(ctx.db, ctx.projectId, input.monitor)),
  create: projectProcedure
    .use(requireRole("engineer"))
    .input(monitorRef.extend({ rule: body }))
    .output(ruleOut)
    .mutation(({ ctx, input }) => createRule(ctx.db, actorOf(ctx.principal), ctx.projectId, input.monitor, input.rule)),
  /** change a rule, or silence it until a time (`silencedUntil`, null to unsilence) */
  update: projectProcedure
    .use(requireRole("engineer"))
    .input(ruleRef.extend({ patch: body, silencedUntil: z.coerce.date().nullish() }))
    .output(ruleOut)
    .mutation(({ ctx, input }) =>
      updateRule(ctx.db, actorOf(ctx.principal), ctx.projectId, input.ruleId, {
        ...input.patch,
        ...(input.silencedUntil !== undefined ? { silencedUntil: input.silencedUntil } : {}),
      }),
    ),
  delete: projectProcedure
    .use(requireRole("engineer"))
    .input(ruleRef)
    .output(idOut)
    .mutation(({ ctx, input }) => deleteRule(ctx.db, actorOf(ctx.principal), ctx.projectId, input.ruleId)),
});

const alerts = router({
  list: projectProcedure
    .input(pageInput.extend({ monitor: z.string().max(200).optional(), status: z.enum(["open", "acknowledged"]).optional() }))
    .output(pageOf(alertViewOut))
    .query(({ ctx, input }) => listAlerts(ctx.db, ctx.projectId, input)),
  acknowledge: projectProcedure
    .use(requireRole("engineer"))
    .input(z.object({ alertId: z.string().max(100) }))
    .output(alertOut)
    .mutation(({ ctx, input }) => acknowledgeAlert(ctx.db, actorOf(ctx.principal), ctx.projectId, input.alertId)),
});

/** api.drift.*: monitors, runs, alert rules and alerts (reads for members; changes for engineers up). */
export const driftRouter = router({ monitors, runs, rules, alerts });
