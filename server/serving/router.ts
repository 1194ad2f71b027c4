import { z } from "zod";
import { modelsDir } from "../../env";
import { projectProcedure, requireRole, router } from "../trpc/init";
import { actorOf } from "../workspace";
import { listLocalModels } from "./catalog";
import {
  deletedOut,
  deploymentInput,
  deploymentOut,
  deploymentViewOut,
  endpointName,
  localModelOut,
  providerInput,
  providerOut,
  providerUpdate,
} from "./contract";
import { createDeployment, deleteDeployment, listDeployments, updateDeployment } from "./deployments";
import { createProvider, deleteProvider, listProviders, updateProvider } from "./providers";

/** Reads for any member; providers (they hold keys) and deployments are written by admins and engineers. */
export const servingRouter = router({
  /** Models bundled with this Keel install (the models dir), usable offline. */
  localModels: projectProcedure.output(z.array(localModelOut)).query(() => listLocalModels(modelsDir())),
  providers: router({
    list: projectProcedure.output(z.array(providerOut)).query(({ ctx }) => listProviders(ctx.db, ctx.projectId)),
    create: projectProcedure
      .use(requireRole("admin"))
      .input(providerInput)
      .output(providerOut)
      .mutation(({ ctx, input }) => createProvider(ctx.db, actorOf(ctx.principal), ctx.projectId, input)),
    update: projectProcedure
      .use(requireRole("admin"))
      .input(providerUpdate)
      .output(providerOut)
      .mutation(({ ctx, input }) => updateProvider(ctx.db, actorOf(ctx.principal), ctx.projectId, input)),
    delete: projectProcedure
      .use(requireRole("admin"))
      .input(z.object({ providerId: z.uuid() }))
      .output(deletedOut)
      .mutation(({ ctx, input }) => deleteProvider(ctx.db, actorOf(ctx.principal), ctx.projectId, input.providerId)),
  }),
  deployments: router({
    list: projectProcedure.output(z.array(deploymentViewOut)).query(({ ctx }) => listDeployments(ctx.db, ctx.projectId)),
    create: projectProcedure
      .use(requireRole("engineer"))
      .input(deploymentInput)
      .output(deploymentOut)
      .mutation(({ ctx, input }) => createDeployment(ctx.db, actorOf(ctx.principal), ctx.projectId, input, ctx.role)),
    update: projectProcedure
      .use(requireRole("engineer"))
      .input(z.intersection(deploymentInput, z.object({ active: z.boolean().optional() })))
      .output(deploymentOut)
      .mutation(({ ctx, input }) => updateDeployment(ctx.db, actorOf(ctx.principal), ctx.projectId, input, ctx.role)),
    delete: projectProcedure
      .use(requireRole("engineer"))
      .input(z.object({ name: endpointName }))
      .output(deletedOut)
      .mutation(({ ctx, input }) => deleteDeployment(ctx.db, actorOf(ctx.principal), ctx.projectId, input.name)),
  }),
});
