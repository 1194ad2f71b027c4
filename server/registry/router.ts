import { router } from "../trpc/init";
import { webhooksRouter } from "./webhooks-router";

/** api.registry.*: models, versions, aliases, approvals (models-router), experiments and runs, webhooks. */
export const registryRouter = router({ webhooks: webhooksRouter });
