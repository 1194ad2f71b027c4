import { z } from "zod";
import { modelsDir } from "../../env";
import { projectProcedure, requireRole, router } from "../trpc/init";
import { actorOf } from "../workspace";
import { listLocalModels } from "./catalog";
import { deploymentInput, endpointName, providerInput, providerUpdate } from "./contract";
import { createDeployment, deleteDeployment, listDeployments, updateDeployment } from "./deployments";
import { createProvider, deleteProvider, listProviders, updateProvider } from "./providers";

/** Reads for any member; providers (they hold keys) and deployments are written by admins and engineers. */
export const servingRouter = router({
  /** Models bundled with this Keel install (the models dir), usable offline. */
  localModels: projectProcedure.query(() => listLocalModels(modelsDir())),
  providers: router({
    list: projectProcedure.query(({ ctx }) => listProviders(ctx.db, ctx.projectId)),
    create: projectProcedure
      .use(requireRole("admin"))
      .input(providerInput)
      .mutation(({ ctx, input }) => createProvider(ctx.db, actorOf(ctx.principal), ctx.projectId, input)),
    update: projectProcedure
      .use(requireRole("admin"))
      .input(providerUpdate)
      .mutation(({ ctx, input }) => updateProvider(ctx.db, actorOf(ctx.principal), ctx.projectId, input)),
    delete: projectProcedure
      .use(requireRole("admin"))
      .input(z.object({ providerId: z.uuid() }))
      .mutation(({ ctx, input }) => deleteProvider(ctx.db, actorOf(ctx.principal), ctx.projectId, input.providerId)),
  }),
  deployments: router({
    list: projectProcedure.query(({ ctx }) => listDeployments(ctx.db, ctx.projectId)),
    create: projectProcedure
      .use(requireRole("engineer"))
      .input(deploymentInput)
      .mutation(({ ctx, input }) => createDeployment(ctx.db, actorOf(ctx.principal), ctx.projectId, input, ctx.role)),
    update: projectProcedure
      .use(requireRole("engineer"))
      .input(z.intersection(deploymentInput, z.object({ active: z.boolean().optional() })))
      .mutation(({ ctx, input }) => updateDeployment(ctx.db, actorOf(ctx.principal), ctx.projectId, input, ctx.role)),
    delete: projectProcedure
      .use(requireRole("engineer"))
      .input(z.object({ name: endpointName }))
      .mutation(({ ctx, input }) => deleteDeployment(ctx.db, actorOf(ctx.principal), ctx.projectId, input.name)),
  }),
});
