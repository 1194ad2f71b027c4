import { z } from "zod";

/*
 * Registry inputs as plain zod, importing nothing but zod: the console's forms validate with these
 * same schemas (scripts/check-boundaries.ts lets app/ import `server/<slug>/inputs.ts` files only).
 */

/** Model names travel in URLs (`/registry/models/{name}`, `name@alias`): no slash, @, colon or control characters. */
export const modelName = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[^/@:\\\p{Cc}]+$/u, "a model name may not contain / @ : \\ or control characters");
export const aliasName = z
  .string()
  .trim()
  .min(1)
  .max(60)
  .regex(/^[a-z][a-z0-9_-]*$/, "an alias is lower-case letters, digits, - and _, starting with a letter");
export const tags = z.record(z.string().min(1).max(250), z.string().max(5000));

export const createModelInput = z.object({
  name: modelName,
  description: z.string().max(20_000).optional(),
  task: z.string().trim().max(100).optional(),
  tags: tags.optional(),
});
export type CreateModelInput = z.infer<typeof createModelInput>;

/** The events a webhook may subscribe to (server/registry/webhooks.ts emits them; the console lists them). */
export const REGISTRY_EVENTS = [
  "model_version.created",
  "alias.moved",
  "alias.deleted",
  "approval.requested",
  "approval.voted",
  "approval.approved",
  "approval.rejected",
  /** a drift monitor's alert rule fired (server/drift/alerts.ts) */
  "drift.alert",
] as const;

// URLs and event names are checked by the service (egress policy, known events: 400 naming `url` / `events`); here their shape.
export const webhookUrl = z.string().trim().max(4000);
export const webhookEvents = z.array(z.string().max(100)).max(50);
export const webhookDescription = z.string().trim().max(500).nullable();

export const createWebhookInput = z.object({
  url: webhookUrl.min(1, "enter the receiver URL"),
  events: webhookEvents.optional(),
  active: z.boolean().optional(),
  description: webhookDescription.optional(),
});
/** The console's new-webhook form: events are picked there (the service refuses [] too, with a 400 naming `events`). */
export const webhookForm = createWebhookInput.extend({ events: webhookEvents.min(1, "pick at least one event, or All events") });

// ---- prompts (server/registry/prompts.ts): registered models marked as prompts, labels are aliases

/** Labels are aliases; `latest` is kept for the newest version (as Langfuse does), never set by hand. */
export const promptLabel = aliasName.refine((l) => l !== "latest", "latest is the newest version's label; it cannot be set");
export const promptMessage = z.object({
  role: z.enum(["system", "user", "assistant"]),
  content: z.string().min(1, "a message's content is empty").max(200_000),
});
/** A prompt's text or its chat messages, exactly one. */
export const createPromptInput = z
  .object({
    name: modelName,
    prompt: z
      .string()
      .max(200_000)
      .refine((t) => t.trim() !== "", "the prompt is empty")
      .optional(),
    messages: z.array(promptMessage).min(1, "a chat prompt needs at least one message").max(200).optional(),
    /** model parameters and any JSON the app reads back as given */
    config: z.record(z.string(), z.unknown()).optional(),
    labels: z.array(promptLabel).max(20).optional(),
    commitMessage: z.string().trim().max(2000).optional(),
  })
  .superRefine((p, ctx) => {
    if (p.prompt !== undefined && p.messages !== undefined)
      ctx.addIssue({ code: "custom", path: ["messages"], message: "give prompt (text) or messages (chat), not both" });
    if (p.prompt === undefined && p.messages === undefined)
      ctx.addIssue({ code: "custom", path: ["prompt"], message: "give prompt (text) or messages (chat)" });
  });
export type CreatePromptInput = z.infer<typeof createPromptInput>;

/** No label and no version means `production`. */
export const promptRef = z.object({
  name: modelName,
  label: z.union([aliasName, z.literal("latest")]).optional(),
  version: z.number().int("version is a positive integer").positive("version is a positive integer").optional(),
});
export const promptVariables = z.record(z.string().max(200), z.union([z.string().max(200_000), z.number(), z.boolean()]));
