import { router } from "../trpc/init";
import { aliasesRouter, approvalsRouter, modelsRouter, versionsRouter } from "./models-router";
import { promptsRouter } from "./prompts-router";
import { experimentsRouter } from "./runs-router";
import { webhooksRouter } from "./webhooks-router";

/** api.registry.*: models, versions, aliases, approvals (models-router), experiments and runs, webhooks. */
export const registryRouter = router({
  models: modelsRouter,
  versions: versionsRouter,
  aliases: aliasesRouter,
  approvals: approvalsRouter,
  experiments: experimentsRouter,
  webhooks: webhooksRouter,
  /** prompts: registered models marked as prompts, their labels are aliases (prompts.ts) */
  prompts: promptsRouter,
});
