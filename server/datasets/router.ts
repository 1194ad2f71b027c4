import { z } from "zod";
import { projectProcedure, requireRole, router } from "../trpc/init";
import { actorOf } from "../workspace";
import { buildFromLogs } from "./build";
import { buildFromLogsInput, createDatasetInput, pageInput, rowPageInput } from "./contract";
import { createDataset, diffVersions, listDatasets, listVersions, previewRows } from "./versions";

/** Reads for any member (viewer up); writes for engineers up. Uploads go through the raw HTTP route. */
export const datasetsRouter = router({
  list: projectProcedure.input(pageInput).query(({ ctx, input }) => listDatasets(ctx.db, ctx.projectId, input)),
  create: projectProcedure
    .use(requireRole("engineer"))
    .input(createDatasetInput)
    .mutation(({ ctx, input }) => createDataset(ctx.db, actorOf(ctx.principal), ctx.projectId, input)),
  versions: projectProcedure
    .input(pageInput.extend({ datasetId: z.uuid() }))
    .query(({ ctx, input }) => listVersions(ctx.db, ctx.projectId, input.datasetId, input)),
  preview: projectProcedure
    .input(rowPageInput.extend({ versionId: z.uuid() }))
    .query(({ ctx, input }) => previewRows(ctx.db, ctx.projectId, input.versionId, input)),
  diff: projectProcedure
    .input(z.object({ fromVersionId: z.uuid(), toVersionId: z.uuid() }))
    .query(({ ctx, input }) => diffVersions(ctx.db, ctx.projectId, input.fromVersionId, input.toVersionId)),
  buildFromLogs: projectProcedure
    .use(requireRole("engineer"))
    .input(buildFromLogsInput)
    .mutation(({ ctx, input }) => buildFromLogs(ctx.db, actorOf(ctx.principal), ctx.projectId, input)),
});
