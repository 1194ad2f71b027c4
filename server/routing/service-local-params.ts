import type { ResolvedDeployment } from "../serving";
import { type ChatRequest, type CompletionRequest, type EmbeddingRequest, GatewayError } from "./service-contract";

/**
 * What a local model does with each OpenAI request field. The request schemas pass unknown fields
 * through (a provider reads them), so a local model checks every field it was sent: one it cannot
 * honour is a 400 naming it, never silently dropped. A field sent as null, [] or {} asks for nothing.
 */

const unsupported = (d: ResolvedDeployment, param: string, why: string) =>
  new GatewayError(
    400,
    `${param}: deployment ${d.name} is a local model, which ${why}; a provider deployment takes it`,
    "invalid_request_error",
    param,
  );

const isEmpty = (v: unknown) =>
  v === null ||
  v === undefined ||
  (Array.isArray(v) && v.length === 0) ||
  (typeof v === "object" && !Array.isArray(v) && Object.keys(v as object).length === 0);

/** Fields a local model honours, or that ask nothing of it when left at their defaults (checked below). */
const COMMON = ["model", "stream", "stream_options", "max_tokens", "temperature", "top_p", "stop", "seed", "n", "user", "metadata"];
const CHAT = new Set([
  ...COMMON,
  "messages",
  "max_completion_tokens",
  "logprobs",
  "top_logprobs",
  "response_format",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  // every gateway call is stored (a trace), which is what `store` asks
  "store",
  "service_tier",
  "frequency_penalty",
  "presence_penalty",
  "logit_bias",
]);
const COMPLETION = new Set([
  ...COMMON,
  "prompt",
  "logprobs",
  "echo",
  "best_of",
  "suffix",
  "frequency_penalty",
  "presence_penalty",
  "logit_bias",
]);
const EMBEDDING = new Set(["model", "input", "encoding_format", "dimensions", "user", "metadata"]);

function unknownFields(d: ResolvedDeployment, body: Record<string, unknown>, known: Set<string>): void {
  for (const [k, v] of Object.entries(body)) if (!known.has(k) && !isEmpty(v)) throw unsupported(d, k, "does not support it");
}

/** Sampling fields both text endpoints share: penalties and biases are not applied by Keel's sampler. */
function sampling(
  d: ResolvedDeployment,
  body: { frequency_penalty?: number | null; presence_penalty?: number | null; logit_bias?: unknown },
) {
  for (const p of ["frequency_penalty", "presence_penalty"] as const)
    if (body[p] !== undefined && body[p] !== null && body[p] !== 0)
      throw unsupported(d, p, "does not apply frequency or presence penalties");
  if (!isEmpty(body.logit_bias)) throw unsupported(d, "logit_bias", "does not apply logit biases");
}

/** A chat request a local model can answer as asked: text in, text out, no tools, no JSON mode. */
export function checkLocalChat(d: ResolvedDeployment, body: ChatRequest): void {
  const b = body as ChatRequest & Record<string, unknown>;
  unknownFields(d, b, CHAT);
  sampling(d, body);
  if (body.response_format && body.response_format.type !== "text")
    throw unsupported(d, "response_format", `cannot hold its output to ${body.response_format.type} (only type "text")`);
  if (!isEmpty(body.tools)) throw unsupported(d, "tools", "does not call tools");
  const choice = body.tool_choice;
  if (choice !== undefined && choice !== null && choice !== "none" && choice !== "auto")
    throw unsupported(d, "tool_choice", "does not call tools");
  if (!isEmpty(b.service_tier) && b.service_tier !== "auto" && b.service_tier !== "default")
    throw unsupported(d, "service_tier", "has no service tiers");
  if (body.top_logprobs && body.logprobs !== true)
    throw new GatewayError(400, "top_logprobs: needs logprobs: true", "invalid_request_error", "top_logprobs");
  for (const [i, m] of body.messages.entries()) {
    for (const [k, v] of Object.entries(m))
      if (k !== "role" && k !== "content" && !isEmpty(v))
        throw unsupported(d, `messages.${i}.${k}`, `reads a message's role and text only, not its ${k}`);
    if (!Array.isArray(m.content)) continue;
    for (const [j, part] of m.content.entries())
      if (part.type !== "text") throw unsupported(d, `messages.${i}.content.${j}`, `reads text only, not ${part.type} parts`);
  }
}

/** A completion request a local model can answer as asked. */
export function checkLocalCompletion(d: ResolvedDeployment, body: CompletionRequest): void {
  unknownFields(d, body as CompletionRequest & Record<string, unknown>, COMPLETION);
  sampling(d, body);
  if (body.best_of !== undefined && body.best_of !== null && body.best_of > 1)
    throw unsupported(d, "best_of", "does not rank candidates (best_of 1 only)");
  if (body.suffix) throw unsupported(d, "suffix", "does not insert text before a suffix");
}

/** An embedding request a local model can answer as asked (`dimensions` is checked against the model's vectors). */
export function checkLocalEmbedding(d: ResolvedDeployment, body: EmbeddingRequest): void {
  unknownFields(d, body as EmbeddingRequest & Record<string, unknown>, EMBEDDING);
}
