import { router } from "../trpc/init";

/** api.registry.*: models, versions, aliases, approvals (models-router), experiments and runs, webhooks. */
export const registryRouter = router({});
