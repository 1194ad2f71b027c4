import { z } from "zod";
import type { DbOrTx } from "../../db/client";
import { DomainError } from "../core/errors";
import { getPrompt, type PromptView, renderTemplate } from "../registry";
import { GatewayError, parseRequest } from "./service-contract";

/**
 * LiteLLM's prompt fields on `/chat/completions` (issue 20): `prompt_id` names a prompt of the key's
 * project, `prompt_label` (default `production`) or `prompt_version` picks its version, and
 * `prompt_variables` fill its `{{variables}}` (prompt-render.ts: a missing or unknown one is a 400
 * naming it). A chat prompt's messages go before the request's own; a text prompt is one user
 * message. The version's `config` supplies model parameters under the request's own (the request's
 * `model` and parameters win). The fields never go upstream.
 */
const promptFields = z.object({
  prompt_id: z.string().min(1).max(200),
  prompt_label: z.string().min(1).max(100).optional(),
  prompt_version: z.coerce.number().int("prompt_version is a positive integer").positive("prompt_version is a positive integer").optional(),
  prompt_variables: z
    .record(z.string().max(200), z.union([z.string().max(200_000), z.number(), z.boolean()]))
    .nullable()
    .optional(),
});
const PROMPT_KEYS = ["prompt_id", "prompt_label", "prompt_version", "prompt_variables"];

/** Chat parameters a prompt's config may set (Langfuse's and LiteLLM's configs hold these names); other keys are the app's. */
const CONFIG_PARAMS = [
  "model",
  "temperature",
  "top_p",
  "max_tokens",
  "max_completion_tokens",
  "stop",
  "seed",
  "frequency_penalty",
  "presence_penalty",
  "response_format",
  "tools",
  "tool_choice",
  "logit_bias",
];

/**
 * Versions fetched per process for a short while: a prompt call would otherwise cost three queries
 * before the model is reached. A label move reaches this process within TTL_MS; a version number
 * is immutable. Bounded: the oldest entry goes first.
 */
const TTL_MS = 10_000;
const MAX_ENTRIES = 1000;
const cache = new Map<string, { at: number; view: PromptView }>();

async function fetchVersion(db: DbOrTx, projectId: string, ref: { name: string; label?: string; version?: number }) {
  const key = `${projectId}\n${ref.name}\n${ref.version ?? ""}\n${ref.label ?? ""}`;
  const hit = cache.get(key);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.view;
  const view = await getPrompt(db, projectId, ref);
  cache.delete(key);
  cache.set(key, { at: Date.now(), view });
  if (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
  return view;
}

/** A registry refusal in OpenAI's error shape, its field named as the request names it. */
function asGatewayError(err: unknown): unknown {
  if (!(err instanceof DomainError)) return err;
  if (err.code === "NOT_FOUND") {
    const param = err.field === "version" ? "prompt_version" : err.field === "label" ? "prompt_label" : "prompt_id";
    return new GatewayError(404, err.message, "invalid_request_error", param, "prompt_not_found");
  }
  if (err.code === "BAD_REQUEST") {
    const param = err.field?.startsWith("variables.") ? `prompt_${err.field}` : (err.field ?? null);
    return new GatewayError(400, err.message, "invalid_request_error", param);
  }
  return err;
}

/**
 * The request with its prompt applied, and the version's id for the trace; a request without
 * `prompt_id` comes back as it is (no query).
 */
export async function applyPrompt(
  c: { db: DbOrTx; projectId: string },
  raw: unknown,
): Promise<{ body: unknown; promptVersionId?: string }> {
  const req = raw as Record<string, unknown>;
  if (req === null || typeof req !== "object" || req.prompt_id === undefined) return { body: raw };
  const f = parseRequest(promptFields, req);
  if (f.prompt_label !== undefined && f.prompt_version !== undefined)
    throw new GatewayError(400, "give prompt_label or prompt_version, not both", "invalid_request_error", "prompt_version");
  let view: PromptView;
  let rendered: ReturnType<typeof renderTemplate>;
  try {
    view = await fetchVersion(c.db, c.projectId, { name: f.prompt_id, label: f.prompt_label, version: f.prompt_version });
    rendered = renderTemplate(
      view.type === "text" ? { type: "text", prompt: view.prompt ?? "" } : { type: "chat", messages: view.messages ?? [] },
      f.prompt_variables ?? {},
    );
  } catch (err) {
    throw asGatewayError(err);
  }
  if (req.messages !== undefined && !Array.isArray(req.messages))
    throw new GatewayError(400, "messages: expected a list of messages (they follow the prompt's)", "invalid_request_error", "messages");
  const own = (req.messages as unknown[] | undefined) ?? [];
  const messages = [...(rendered.type === "text" ? [{ role: "user", content: rendered.prompt }] : rendered.messages), ...own];
  const params = Object.fromEntries(Object.entries(view.config).filter(([k, v]) => CONFIG_PARAMS.includes(k) && v !== null));
  const body: Record<string, unknown> = { ...params };
  for (const [k, v] of Object.entries(req)) if (!PROMPT_KEYS.includes(k) && v !== undefined) body[k] = v;
  body.messages = messages;
  return { body, promptVersionId: view.id };
}
