import { z } from "zod";
import { pageOf } from "../core/output-schema";
import { projectProcedure, requireRole, router } from "../trpc/init";
import { actorOf } from "../workspace";
import {
  aliasTransitionOut,
  createdPromptOut,
  movedOut,
  moveOut,
  promptOut,
  promptSummaryOut,
  promptTagsOut,
  promptVersionOptionOut,
  promptVersionRowOut,
} from "./contract";
import { aliasName, createPromptInput, modelName, promptLabel, promptRef, promptTag, promptTags, promptVariables } from "./inputs";
import { setPromptTags } from "./prompt-tags";
import { listPromptVersions, promptVersionOptions } from "./prompt-versions";
import { createPrompt, getPrompt, listPrompts, movePromptLabel, promptLabelHistory, renderPrompt, rollbackPromptLabel } from "./prompts";

const page = { cursor: z.string().max(200).optional(), limit: z.number().int().min(1).max(200).default(50) };
const reason = z.string().trim().max(2000).optional();

/** api.registry.prompts.*: reads for any member, writes (versions, label moves) for engineers up, as models. */
export const promptsRouter = router({
  list: projectProcedure
    .input(z.object({ ...page, q: z.string().max(200).optional(), tag: promptTag.optional() }))
    .output(pageOf(promptSummaryOut))
    .query(({ ctx, input }) => listPrompts(ctx.db, ctx.projectId, input)),
  /** by `label` or `version`; neither means the `production` label */
  get: projectProcedure
    .input(promptRef)
    .output(promptOut)
    .query(({ ctx, input }) => getPrompt(ctx.db, ctx.projectId, input)),
  /** a prompt's versions, newest first: number, template, config, labels, author (the console's prompt page) */
  versions: projectProcedure
    .input(z.object({ name: modelName, cursor: z.number().int().positive().optional(), limit: page.limit }))
    .output(z.object({ items: z.array(promptVersionRowOut), nextCursor: z.number().nullable() }))
    .query(({ ctx, input }) => listPromptVersions(ctx.db, ctx.projectId, input)),
  /** every prompt version of the project by name and number (pickers: the explorer's filter) */
  versionOptions: projectProcedure
    .input(z.object({ limit: z.number().int().min(1).max(1000).default(500) }))
    .output(z.array(promptVersionOptionOut))
    .query(({ ctx, input }) => promptVersionOptions(ctx.db, ctx.projectId, input)),
  render: projectProcedure
    .input(promptRef.extend({ variables: promptVariables.default({}) }))
    .output(promptOut)
    .query(({ ctx, input }) => renderPrompt(ctx.db, ctx.projectId, input)),
  /** the prompt (when new) and its next version, with labels moved to it; `pending` lists labels awaiting approval */
  create: projectProcedure
    .use(requireRole("engineer"))
    .input(createPromptInput)
    .output(createdPromptOut)
    .mutation(({ ctx, input }) => createPrompt(ctx.db, actorOf(ctx.principal), ctx.projectId, input)),
  /** replace the prompt's tags (all its versions share them) without a new version */
  setTags: projectProcedure
    .use(requireRole("engineer"))
    .input(z.object({ name: modelName, tags: promptTags }))
    .output(promptTagsOut)
    .mutation(({ ctx, input }) => setPromptTags(ctx.db, actorOf(ctx.principal), ctx.projectId, input)),
  /** as registry.aliases.move: 'moved' | 'unchanged' | 'pending'; a failed gate is PRECONDITION_FAILED */
  moveLabel: projectProcedure
    .use(requireRole("engineer"))
    .input(z.object({ name: modelName, label: promptLabel, version: z.number().int().positive(), reason }))
    .output(moveOut)
    .mutation(({ ctx, input }) => movePromptLabel(ctx.db, actorOf(ctx.principal), ctx.projectId, input)),
  rollbackLabel: projectProcedure
    .use(requireRole("engineer"))
    .input(z.object({ name: modelName, label: aliasName, reason }))
    .output(movedOut)
    .mutation(({ ctx, input }) => rollbackPromptLabel(ctx.db, actorOf(ctx.principal), ctx.role, ctx.projectId, input)),
  history: projectProcedure
    .input(z.object({ ...page, name: modelName, label: aliasName.optional() }))
    .output(pageOf(aliasTransitionOut))
    .query(({ ctx, input }) => promptLabelHistory(ctx.db, ctx.projectId, input)),
});
