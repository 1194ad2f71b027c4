import { z } from "zod";
import { pageOf } from "../core/output-schema";
import { evalRunRef } from "../evals";
import { projectProcedure, requireRole, router } from "../trpc/init";
import { actorOf } from "../workspace";
import { aliasHistory, deleteAlias, listAliases, requestMove, rollback } from "./aliases";
import { cancelRequest, deletePolicy, getPolicy, getRequest, listRequests, setPolicy, vote } from "./approvals";
import {
  aliasName,
  aliasOut,
  aliasTransitionOut,
  createModelInput,
  createUriVersionInput,
  deletedOut,
  fileRefOut,
  lineageOut,
  modelDetailOut,
  modelName,
  modelOut,
  modelSummaryOut,
  moveAliasInput,
  movedOut,
  moveOut,
  policyInput,
  policyOut,
  requestOut,
  updateModelInput,
  versionMetaInput,
  versionOut,
  versionRef,
  voteInput,
} from "./contract";
import { versionLineage } from "./lineage";
import { registerLocal } from "./local";
import { createModel, getModel, listModels, updateModel } from "./models";
import { createVersion, linkEvalRun, listVersions, resolveVersion, updateVersion, versionFiles } from "./versions";

const page = { cursor: z.string().max(200).optional(), limit: z.number().int().min(1).max(200).default(50) };
const modelIn = z.object({ model: modelName });
const number = z.number().int().positive();

/** Reads for any member; writes for engineers up; policies for admins; votes as the policy says. */
export const modelsRouter = router({
  list: projectProcedure
    .input(z.object({ ...page, q: z.string().max(200).optional() }))
    .output(pageOf(modelSummaryOut))
    .query(({ ctx, input }) => listModels(ctx.db, ctx.projectId, input)),
  get: projectProcedure
    .input(modelIn)
    .output(modelDetailOut)
    .query(async ({ ctx, input }) => {
      const [model, aliases, policy] = await Promise.all([
        getModel(ctx.db, ctx.projectId, input.model, { kind: "model" }),
        listAliases(ctx.db, ctx.projectId, input.model),
        getPolicy(ctx.db, ctx.projectId, input.model),
      ]);
      return { ...model, aliases, policy };
    }),
  create: projectProcedure
    .use(requireRole("engineer"))
    .input(createModelInput)
    .output(modelOut)
    .mutation(({ ctx, input }) => createModel(ctx.db, actorOf(ctx.principal), ctx.projectId, input)),
  update: projectProcedure
    .use(requireRole("engineer"))
    .input(updateModelInput)
    .output(modelOut)
    .mutation(({ ctx, input }) => updateModel(ctx.db, actorOf(ctx.principal), ctx.projectId, input)),
});

export const versionsRouter = router({
  list: projectProcedure
    .input(z.object({ ...page, model: modelName, status: z.array(z.enum(["pending_upload", "ready", "failed", "archived"])).optional() }))
    .output(pageOf(versionOut))
    .query(({ ctx, input }) => listVersions(ctx.db, ctx.projectId, input.model, input)),
  get: projectProcedure
    .input(versionRef)
    .output(versionOut.extend({ files: z.array(fileRefOut) }))
    .query(async ({ ctx, input }) => {
      const v = await resolveVersion(ctx.db, ctx.projectId, input.model, input.version);
      return { ...v, files: await versionFiles(ctx.db, v.id) };
    }),
  lineage: projectProcedure
    .input(z.object({ model: modelName, version: number }))
    .output(lineageOut)
    .query(({ ctx, input }) => versionLineage(ctx.db, ctx.projectId, input.model, input.version)),
  /** A version whose artifacts live elsewhere (an external URI); file uploads go through the HTTP API. */
  createFromUri: projectProcedure
    .use(requireRole("engineer"))
    .input(createUriVersionInput)
    .output(versionOut)
    .mutation(({ ctx, input }) => {
      const { model, uri, ...meta } = input;
      return createVersion(ctx.db, actorOf(ctx.principal), ctx.projectId, model, { uri, meta, source: { kind: "uri", uri } });
    }),
  /** A run's artifacts, params and latest metrics as a new version (the model is created when missing); lineage names the run. */
  createFromRun: projectProcedure
    .use(requireRole("engineer"))
    .input(versionMetaInput.extend({ model: modelName, runId: z.uuid() }))
    .output(versionOut)
    .mutation(({ ctx, input }) => {
      const { model, runId, ...meta } = input;
      return registerLocal(ctx.db, actorOf(ctx.principal), ctx.projectId, model, { fromRun: runId, meta });
    }),
  update: projectProcedure
    .use(requireRole("engineer"))
    .input(
      z.object({
        model: modelName,
        version: number,
        card: z.string().max(200_000).nullable().optional(),
        description: z.string().max(20_000).nullable().optional(),
        status: z.enum(["archived", "ready"]).optional(),
      }),
    )
    .output(versionOut)
    .mutation(({ ctx, input }) => updateVersion(ctx.db, actorOf(ctx.principal), ctx.projectId, input)),
  linkEvalRun: projectProcedure
    .use(requireRole("engineer"))
    .input(z.object({ model: modelName, version: number, ...evalRunRef.shape }))
    .output(z.object({ linked: z.boolean() }))
    .mutation(({ ctx, input }) => linkEvalRun(ctx.db, actorOf(ctx.principal), ctx.projectId, input)),
});

export const aliasesRouter = router({
  list: projectProcedure
    .input(modelIn)
    .output(z.array(aliasOut))
    .query(({ ctx, input }) => listAliases(ctx.db, ctx.projectId, input.model)),
  history: projectProcedure
    .input(z.object({ ...page, model: modelName, alias: aliasName.optional() }))
    .output(pageOf(aliasTransitionOut))
    .query(({ ctx, input }) => aliasHistory(ctx.db, ctx.projectId, input)),
  /** 'moved' | 'unchanged' | 'pending' (an approval request); a failed gate is PRECONDITION_FAILED. */
  move: projectProcedure
    .use(requireRole("engineer"))
    .input(moveAliasInput)
    .output(moveOut)
    .mutation(({ ctx, input }) => requestMove(ctx.db, actorOf(ctx.principal), ctx.projectId, input)),
  rollback: projectProcedure
    .use(requireRole("engineer"))
    .input(z.object({ model: modelName, alias: aliasName, reason: z.string().trim().max(2000).optional() }))
    .output(movedOut)
    .mutation(({ ctx, input }) => rollback(ctx.db, actorOf(ctx.principal), ctx.role, ctx.projectId, input)),
  delete: projectProcedure
    .use(requireRole("engineer"))
    .input(z.object({ model: modelName, alias: aliasName, reason: z.string().trim().max(2000).optional() }))
    .output(deletedOut)
    .mutation(({ ctx, input }) => deleteAlias(ctx.db, actorOf(ctx.principal), ctx.role, ctx.projectId, input)),
});

export const approvalsRouter = router({
  policy: projectProcedure
    .input(modelIn)
    .output(policyOut.nullable())
    .query(({ ctx, input }) => getPolicy(ctx.db, ctx.projectId, input.model)),
  setPolicy: projectProcedure
    .use(requireRole("admin"))
    .input(policyInput)
    .output(policyOut)
    .mutation(({ ctx, input }) => setPolicy(ctx.db, actorOf(ctx.principal), ctx.projectId, input)),
  deletePolicy: projectProcedure
    .use(requireRole("admin"))
    .input(modelIn)
    .output(deletedOut)
    .mutation(({ ctx, input }) => deletePolicy(ctx.db, actorOf(ctx.principal), ctx.projectId, input.model)),
  list: projectProcedure
    .input(
      z.object({
        ...page,
        model: modelName.optional(),
        status: z.array(z.enum(["pending", "approved", "rejected", "cancelled"])).optional(),
      }),
    )
    .output(pageOf(requestOut))
    .query(({ ctx, input }) => listRequests(ctx.db, ctx.projectId, input)),
  get: projectProcedure
    .input(z.object({ requestId: z.uuid() }))
    .output(requestOut)
    .query(({ ctx, input }) => getRequest(ctx.db, ctx.projectId, input.requestId)),
  /** Role checks against the policy's approver roles happen in the service (the requester never approves). */
  vote: projectProcedure
    .input(voteInput)
    .output(requestOut)
    .mutation(({ ctx, input }) => vote(ctx.db, actorOf(ctx.principal), ctx.role, ctx.projectId, input)),
  cancel: projectProcedure
    .input(z.object({ requestId: z.uuid() }))
    .output(requestOut)
    .mutation(({ ctx, input }) => cancelRequest(ctx.db, actorOf(ctx.principal), ctx.role, ctx.projectId, input.requestId)),
});
