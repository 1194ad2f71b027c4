import { z } from "zod";
import { projectProcedure, requireRole, router } from "../trpc/init";
import { actorOf } from "../workspace";
import { buildFromLogs } from "./build";
import {
  addedTracesOut,
  addTracesInput,
  buildFromLogsInput,
  builtVersionOut,
  createDatasetInput,
  datasetOut,
  datasetVersionOut,
  pageInput,
  pageOf,
  previewRowOut,
  rowPageInput,
  versionDiffOut,
} from "./contract";
import { addTracesToDataset } from "./from-traces";
import { createDataset, diffVersions, listDatasets, listVersions, previewRows } from "./versions";

/** Reads for any member (viewer up); writes for engineers up. Uploads go through the raw HTTP route. */
export const datasetsRouter = router({
  list: projectProcedure
    .input(pageInput)
    .output(pageOf(datasetOut))
    .query(({ ctx, input }) => listDatasets(ctx.db, ctx.projectId, input)),
  create: projectProcedure
    .use(requireRole("engineer"))
    .input(createDatasetInput)
    .output(datasetOut)
    .mutation(({ ctx, input }) => createDataset(ctx.db, actorOf(ctx.principal), ctx.projectId, input)),
  versions: projectProcedure
    .input(pageInput.extend({ datasetId: z.uuid() }))
    .output(pageOf(datasetVersionOut))
    .query(({ ctx, input }) => listVersions(ctx.db, ctx.projectId, input.datasetId, input)),
  preview: projectProcedure
    .input(rowPageInput.extend({ versionId: z.uuid() }))
    .output(pageOf(previewRowOut))
    .query(({ ctx, input }) => previewRows(ctx.db, ctx.projectId, input.versionId, input)),
  diff: projectProcedure
    .input(z.object({ fromVersionId: z.uuid(), toVersionId: z.uuid() }))
    .output(versionDiffOut)
    .query(({ ctx, input }) => diffVersions(ctx.db, ctx.projectId, input.fromVersionId, input.toVersionId)),
  buildFromLogs: projectProcedure
    .use(requireRole("engineer"))
    .input(buildFromLogsInput)
    .output(builtVersionOut)
    .mutation(({ ctx, input }) => buildFromLogs(ctx.db, actorOf(ctx.principal), ctx.projectId, input)),
  /** The explorer's bulk "Add to dataset": a new version with the picked traces appended. */
  addTraces: projectProcedure
    .use(requireRole("engineer"))
    .input(addTracesInput)
    .output(addedTracesOut)
    .mutation(({ ctx, input }) => addTracesToDataset(ctx.db, actorOf(ctx.principal), ctx.projectId, input)),
});
