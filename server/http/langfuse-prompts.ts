import { z } from "zod";
import { DomainError, parseOrThrow } from "../core/errors";
import { createPrompt, createPromptInput, getPrompt, listPromptMeta, type PromptView, promptTag } from "../registry";
import type { PrincipalOf, ProjectContext } from "./entry";
import { json } from "./json";
import { readJsonObject } from "./request";

/**
 * Langfuse's prompt API over Keel's prompts (the registry's, server/registry/prompts.ts), so its
 * SDKs' `getPrompt` / `prompt.get` and `createPrompt` / `prompt.create` work with Keel as the base URL.
 * Its shape: `type` text|chat, `prompt` the text or the messages, `config`, `labels` (with `latest`
 * on the newest version), `tags` (the prompt's, shared by all its versions; a create's given `tags`
 * replace them, as Langfuse's do), `version`, `name`.
 */
type Ctx = ProjectContext<PrincipalOf<"secretKey">>;

export function langfusePrompt(p: PromptView) {
  return {
    id: p.id,
    name: p.name,
    version: p.version,
    type: p.type,
    prompt: p.type === "text" ? (p.prompt ?? "") : (p.messages ?? []),
    config: p.config,
    labels: p.labels,
    tags: p.tags,
    commitMessage: p.commitMessage,
    createdAt: p.createdAt,
    updatedAt: p.createdAt,
  };
}

const positive = z.coerce.number().int("version is a positive integer").positive("version is a positive integer");

/** `GET /api/public/v2/prompts/{name}?label=L|version=N`: neither is `production`, as Langfuse serves. */
export async function handleGetPrompt(_req: Request, c: Ctx): Promise<Response> {
  const q = c.url.searchParams;
  const label = q.get("label") ?? undefined;
  const version = q.has("version") ? parseOrThrow(positive, q.get("version"), "version") : undefined;
  return json(langfusePrompt(await getPrompt(c.db, c.project.id, { name: c.params.name ?? "", label, version })));
}

const createBody = z.object({
  name: z.string(),
  type: z.enum(["text", "chat"]).optional(),
  prompt: z.union([z.string(), z.array(z.record(z.string(), z.unknown()))]),
  config: z.record(z.string(), z.unknown()).nullable().optional(),
  labels: z.array(z.string()).optional(),
  // checked by createPromptInput (trimmed, 1 to 64 characters, at most 20); null is as absent
  tags: z.array(z.string()).nullable().optional(),
  commitMessage: z.string().nullable().optional(),
});

/** Langfuse's chat message as Keel's: a placeholder (`{type: "placeholder", name}`) has no Keel form yet. */
function messageOf(m: Record<string, unknown>, i: number) {
  if (m.type === "placeholder")
    throw new DomainError(
      "BAD_REQUEST",
      `prompt.${i}: Keel's chat prompts hold messages {role, content}; placeholders are not supported`,
      `prompt.${i}`,
    );
  return { role: m.role, content: m.content };
}

/** `POST /api/public/v2/prompts`: the prompt's next version (labels moved to it), answered as Langfuse answers it. */
export async function handleCreatePrompt(req: Request, c: Ctx): Promise<Response> {
  const b = parseOrThrow(createBody, await readJsonObject(req));
  const chat = b.type === "chat" || Array.isArray(b.prompt);
  if (b.type === "text" && typeof b.prompt !== "string")
    throw new DomainError("BAD_REQUEST", "prompt: a text prompt is a string", "prompt");
  if (b.type === "chat" && !Array.isArray(b.prompt))
    throw new DomainError("BAD_REQUEST", "prompt: a chat prompt is a list of messages {role, content}", "prompt");
  const input = parseOrThrow(createPromptInput, {
    name: b.name,
    ...(chat ? { messages: (b.prompt as Record<string, unknown>[]).map(messageOf) } : { prompt: b.prompt }),
    config: b.config ?? undefined,
    labels: b.labels,
    tags: b.tags ?? undefined,
    commitMessage: b.commitMessage ?? undefined,
  });
  const made = await createPrompt(c.db, c.actor, c.project.id, input);
  return json(langfusePrompt(await getPrompt(c.db, c.project.id, { name: made.name, version: made.version })), 201);
}

const listQuery = z.object({
  name: z.string().max(200).optional(),
  label: z.string().max(200).optional(),
  tag: promptTag.optional(),
  page: z.coerce.number().int("page is a whole number from 1").min(1, "page is a whole number from 1").default(1),
  limit: z.coerce
    .number()
    .int("limit is a whole number from 1 to 100")
    .min(1)
    .max(100, "limit is a whole number from 1 to 100")
    .default(50),
});

/** `GET /api/public/v2/prompts?name=&label=&tag=&page=&limit=`: Langfuse's prompt list, `{data, meta}`. */
export async function handleListPrompts(_req: Request, c: Ctx): Promise<Response> {
  const q = c.url.searchParams;
  const query = parseOrThrow(
    listQuery,
    Object.fromEntries(["name", "label", "tag", "page", "limit"].filter((k) => q.has(k)).map((k) => [k, q.get(k)])),
  );
  return json(await listPromptMeta(c.db, c.project.id, query));
}
