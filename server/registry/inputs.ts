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
  /** a gateway key's spend reached its budget this period, once per period (server/routing/key-limits.ts) */
  "key.budget_exceeded",
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

/** Finite numbers only: a metric of NaN or Infinity is refused, naming the key. */
const finiteMetrics = z
  .record(z.string().min(1).max(250), z.unknown())
  .superRefine((m, ctx) => {
    for (const [k, v] of Object.entries(m))
      if (typeof v !== "number" || !Number.isFinite(v))
        ctx.addIssue({ code: "custom", path: [k], message: `metric ${k} must be a finite number` });
  })
  .transform((m) => m as Record<string, number>);

export const lineageInput = z.object({
  parentVersion: z.number().int().positive().optional(),
  /** a parent in another model of the project (a tuning job's base model version), by id */
  parentVersionId: z.uuid().optional(),
  datasetVersionId: z.uuid().optional(),
  tuningJobId: z.uuid().optional(),
  runId: z.uuid().optional(),
  codeRevision: z.string().trim().max(200).optional(),
  evalRunIds: z.array(z.uuid()).max(50).optional(),
});

/** Everything about a version except its files: JSON body, or the `meta` part of a multipart upload (the console's upload form too). */
export const versionMetaInput = z.object({
  description: z.string().max(20_000, "a description is at most 20,000 characters").optional(),
  card: z.string().max(200_000, "a model card is at most 200,000 characters").optional(),
  format: z.enum(["transformers.js", "keel-head", "onnx", "uri", "files"]).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  params: z.record(z.string().min(1).max(250), z.string().max(6000)).optional(),
  metrics: finiteMetrics.optional(),
  lineage: lineageInput.optional(),
});
export type VersionMeta = z.infer<typeof versionMetaInput>;

export const moveAliasInput = z.object({
  model: modelName,
  alias: aliasName,
  version: z.number({ message: "pick a version" }).int().positive(),
  reason: z.string().trim().max(2000).optional(),
});

/**
 * An approval policy as the console's form checks it; the server narrows `approverRoles` to the
 * workspace's roles (server/registry/contract.ts policyInput: this file may import no other domain).
 */
export const policyFields = z.object({
  model: modelName,
  /** the aliases the policy guards; "*" for all */
  aliases: z
    .array(z.union([aliasName, z.literal("*")]))
    .min(1, 'name at least one alias, or "*" for all')
    .max(20, "at most 20 aliases"),
  requiredApprovals: z
    .number({ message: "required approvals is a whole number from 0 to 10" })
    .int("required approvals is a whole number from 0 to 10")
    .min(0, "required approvals is a whole number from 0 to 10")
    .max(10, "required approvals is a whole number from 0 to 10"),
  approverRoles: z.array(z.string()).min(1, "pick at least one approver role"),
  gateIds: z.array(z.uuid()).max(10, "at most 10 gates"),
});

// ---- prompts (server/registry/prompts.ts): registered models marked as prompts, labels are aliases

/** Labels are aliases; `latest` is kept for the newest version (as Langfuse does), never set by hand. */
export const promptLabel = aliasName.refine((l) => l !== "latest", "latest is the newest version's label; it cannot be set");
export const promptMessage = z.object({
  role: z.enum(["system", "user", "assistant"]),
  content: z.string().min(1, "a message's content is empty").max(200_000),
});
/**
 * A prompt's tags (Langfuse's: one set shared by all its versions): each trimmed, 1 to 64 characters,
 * deduplicated, at most 20. A bad one is an issue on the list itself, so the 400 names `tags`.
 */
export const PROMPT_TAG_MAX = 64;
export const promptTags = z.array(z.string()).transform((list, ctx) => {
  const tags = [...new Set(list.map((t) => t.trim()))];
  const bad = tags.find((t) => t.length < 1 || t.length > PROMPT_TAG_MAX);
  if (bad !== undefined) ctx.addIssue({ code: "custom", message: `tag "${bad.slice(0, 40)}" must be 1 to ${PROMPT_TAG_MAX} characters` });
  else if (tags.length > 20) ctx.addIssue({ code: "custom", message: `at most 20 tags (got ${tags.length})` });
  else return tags;
  return z.NEVER;
});
/** one tag, as a list filter takes it */
export const promptTag = z.string().trim().min(1, "a tag is 1 to 64 characters").max(PROMPT_TAG_MAX, "a tag is 1 to 64 characters");

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
    /** given, they replace the prompt's tags (all its versions'); absent, the tags stay */
    tags: promptTags.optional(),
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

/**
 * `{{name}}` marks a prompt variable, as in Langfuse (letters, digits, `_`, `.` and `-`; spaces inside
 * the braces allowed). Here so the console's forms find a prompt's variables as rendering does.
 */
export const PROMPT_VARIABLE = /\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g;

/** The variable names these texts use, in order of first use. */
export function promptVariableNames(texts: string[]): string[] {
  return [...new Set(texts.flatMap((s) => [...s.matchAll(PROMPT_VARIABLE)].map((m) => m[1] as string)))];
}

/**
 * The console's prompt form (a new prompt, or a prompt's next version): text or chat messages as the
 * chosen type says, config as JSON text, labels comma separated. Its output is createPromptInput's input.
 */
export const promptForm = z
  .object({
    name: modelName,
    type: z.enum(["text", "chat"]),
    prompt: z.string().max(200_000),
    messages: z.array(z.object({ role: promptMessage.shape.role, content: z.string().max(200_000) })).max(200),
    config: z
      .string()
      .max(100_000)
      .transform((text, ctx) => {
        if (!text.trim()) return undefined;
        try {
          const v: unknown = JSON.parse(text);
          if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
        } catch {
          // said below
        }
        ctx.addIssue({ code: "custom", message: 'config is a JSON object, e.g. {"temperature": 0.2, "max_tokens": 64}' });
        return z.NEVER;
      }),
    labels: z
      .string()
      .max(2000)
      .transform((text, ctx) => {
        const list = text
          .split(/[\s,]+/)
          .map((s) => s.trim())
          .filter(Boolean);
        const checked = z.array(promptLabel).max(20, "at most 20 labels").safeParse(list);
        if (checked.success) return checked.data;
        const issue = checked.error.issues[0];
        const at = typeof issue?.path[0] === "number" ? list[issue.path[0]] : undefined;
        ctx.addIssue({ code: "custom", message: at !== undefined ? `${at}: ${issue?.message}` : (issue?.message ?? "not a label list") });
        return z.NEVER;
      }),
    commitMessage: z.string().trim().max(2000),
  })
  .superRefine(
    (f, ctx) => {
      if (f.type === "text" && !f.prompt?.trim?.()) ctx.addIssue({ code: "custom", path: ["prompt"], message: "the prompt is empty" });
      if (f.type === "chat" && Array.isArray(f.messages)) {
        if (f.messages.length === 0)
          ctx.addIssue({ code: "custom", path: ["messages"], message: "a chat prompt needs at least one message" });
        f.messages.forEach((m, i) => {
          if (!m?.content?.trim?.())
            ctx.addIssue({ code: "custom", path: ["messages", i, "content"], message: "a message's content is empty" });
        });
      }
    },
    // also when another field is wrong (a bad config): every field's error shows at once
    { when: () => true },
  )
  .transform((f) => ({
    name: f.name,
    ...(f.type === "text" ? { prompt: f.prompt } : { messages: f.messages }),
    ...(f.config ? { config: f.config } : {}),
    ...(f.labels.length ? { labels: f.labels } : {}),
    ...(f.commitMessage ? { commitMessage: f.commitMessage } : {}),
  }));
