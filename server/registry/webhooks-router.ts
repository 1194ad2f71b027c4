import { z } from "zod";
import { pageOf } from "../core/output-schema";
import { pageInput } from "../core/pagination";
import { projectProcedure, requireRole, router } from "../trpc/init";
import { actorOf } from "../workspace";
import { createWebhookInput, webhookDescription, webhookEvents, webhookUrl } from "./inputs";
import { deliveryOut, webhookOut } from "./runs-contract";
import {
  createWebhook,
  deleteWebhook,
  listDeliveries,
  listWebhooks,
  redeliver,
  rotateWebhookSecret,
  testWebhook,
  updateWebhook,
} from "./webhooks";

// URLs and events are checked by the service (400 naming `url` / `events`); here only their shape.
const url = webhookUrl;
const events = webhookEvents;
const description = webhookDescription;
const webhookId = z.object({ webhookId: z.uuid() });

// Everything is admin+: receiver URLs and delivery payloads are sensitive, and the secret is handed out here.
const admin = projectProcedure.use(requireRole("admin"));

/** api.registry.webhooks.* */
export const webhooksRouter = router({
  list: admin
    .input(pageInput)
    .output(pageOf(webhookOut))
    .query(({ ctx, input }) => listWebhooks(ctx.db, ctx.projectId, input)),
  deliveries: admin
    .input(pageInput.extend(webhookId.shape))
    .output(pageOf(deliveryOut))
    .query(({ ctx, input }) => listDeliveries(ctx.db, ctx.projectId, input.webhookId, input)),
  create: admin
    .input(createWebhookInput)
    .output(webhookOut.extend({ secret: z.string() }))
    .mutation(({ ctx, input }) => createWebhook(ctx.db, actorOf(ctx.principal), ctx.projectId, input)),
  update: admin
    .input(
      webhookId.extend({
        url: url.optional(),
        events: events.optional(),
        active: z.boolean().optional(),
        description: description.optional(),
      }),
    )
    .output(webhookOut)
    .mutation(({ ctx, input: { webhookId: id, projectId: _, ...input } }) =>
      updateWebhook(ctx.db, actorOf(ctx.principal), ctx.projectId, id, input),
    ),
  delete: admin
    .input(webhookId)
    .output(z.object({ id: z.string() }))
    .mutation(({ ctx, input }) => deleteWebhook(ctx.db, actorOf(ctx.principal), ctx.projectId, input.webhookId)),
  rotateSecret: admin
    .input(webhookId)
    .output(z.object({ id: z.string(), secret: z.string() }))
    .mutation(({ ctx, input }) => rotateWebhookSecret(ctx.db, actorOf(ctx.principal), ctx.projectId, input.webhookId)),
  test: admin
    .input(webhookId)
    .output(deliveryOut)
    .mutation(({ ctx, input }) => testWebhook(ctx.db, actorOf(ctx.principal), ctx.projectId, input.webhookId)),
  redeliver: admin
    .input(z.object({ deliveryId: z.uuid() }))
    .output(deliveryOut)
    .mutation(({ ctx, input }) => redeliver(ctx.db, actorOf(ctx.principal), ctx.projectId, input.deliveryId)),
});
