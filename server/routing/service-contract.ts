import { z } from "zod";

/**
 * OpenAI's request shapes, as far as the gateway reads them; other fields pass through to providers
 * (a local model answers 400 naming each one it cannot honour: service-local-params.ts).
 */
const textPart = z.object({ type: z.literal("text"), text: z.string() }).passthrough();
const content = z.union([z.string(), z.array(z.union([textPart, z.object({ type: z.string() }).passthrough()])), z.null()]);
export const chatMessage = z
  .object({
    role: z.enum(["system", "developer", "user", "assistant", "tool", "function"]),
    content: content.optional(),
    name: z.string().optional(),
  })
  .passthrough();
const stop = z
  .union([z.string(), z.array(z.string()).max(4)])
  .nullable()
  .optional();
/** OpenAI's largest `n` */
const choices = z.number().int().min(1).max(128).nullable().optional();
const penalty = z.number().min(-2).max(2).nullable().optional();
const logitBias = z.record(z.string(), z.number().min(-100).max(100)).nullable().optional();

/**
 * `metadata` as LiteLLM names its keys for the trace (session, tags, names, user); any other key is
 * stored in the trace's metadata. The limits are the trace's own (a longer value could not be logged).
 */
export const callMetadata = z
  .object({
    session_id: z.string().max(200).optional(),
    tags: z.array(z.string().min(1).max(100)).max(49).optional(),
    trace_name: z.string().max(500).optional(),
    trace_user_id: z.string().max(200).optional(),
    generation_name: z.string().max(500).optional(),
  })
  .catchall(z.unknown())
  .nullable()
  .optional();
/** LiteLLM's keys: Keel's, never sent upstream. */
export const LITELLM_KEYS = ["session_id", "tags", "trace_name", "trace_user_id", "generation_name"] as const;
/** OpenAI's end-user id, recorded as the trace's user (whose id holds at most 200 characters). */
const user = z.string().max(200, "at most 200 characters (it is the trace's user id)").optional();

export const chatRequest = z
  .object({
    model: z.string().min(1),
    messages: z.array(chatMessage).min(1, "messages must hold at least one message"),
    stream: z.boolean().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).passthrough().nullable().optional(),
    max_tokens: z.number().int().min(1).max(32_768).nullable().optional(),
    max_completion_tokens: z.number().int().min(1).max(32_768).nullable().optional(),
    temperature: z.number().min(0).max(2).nullable().optional(),
    top_p: z.number().min(0).max(1).nullable().optional(),
    stop,
    seed: z.number().int().nullable().optional(),
    n: choices,
    logprobs: z.boolean().nullable().optional(),
    top_logprobs: z.number().int().min(0).max(20).nullable().optional(),
    response_format: z
      .object({ type: z.string().min(1) })
      .passthrough()
      .nullable()
      .optional(),
    tools: z
      .array(z.object({ type: z.string().min(1) }).passthrough())
      .nullable()
      .optional(),
    tool_choice: z
      .union([z.string(), z.object({ type: z.string() }).passthrough()])
      .nullable()
      .optional(),
    frequency_penalty: penalty,
    presence_penalty: penalty,
    logit_bias: logitBias,
    user,
    metadata: callMetadata,
  })
  .passthrough();
export type ChatRequest = z.infer<typeof chatRequest>;

const tokenId = z
  .number()
  .int()
  .min(0)
  .max(2 ** 31 - 1);
/** A prompt or embedding input: text, texts, token ids, or lists of token ids (one entry per input). */
const textsOrTokens = (field: string, maxItems: number) =>
  z.union(
    [z.string(), z.array(z.string()).min(1).max(maxItems), z.array(tokenId).min(1), z.array(z.array(tokenId).min(1)).min(1).max(maxItems)],
    { error: `${field} must be a string, a list of strings, a list of token ids, or a list of lists of token ids (at most ${maxItems})` },
  );
export type TextsOrTokens = string | string[] | number[] | number[][];

export const completionRequest = z
  .object({
    model: z.string().min(1),
    prompt: textsOrTokens("prompt", 2048),
    stream: z.boolean().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).passthrough().nullable().optional(),
    max_tokens: z.number().int().min(1).max(32_768).nullable().optional(),
    temperature: z.number().min(0).max(2).nullable().optional(),
    top_p: z.number().min(0).max(1).nullable().optional(),
    stop,
    seed: z.number().int().nullable().optional(),
    n: choices,
    best_of: z.number().int().min(1).max(20).nullable().optional(),
    echo: z.boolean().nullable().optional(),
    logprobs: z.number().int().min(0).max(5).nullable().optional(),
    suffix: z.string().nullable().optional(),
    frequency_penalty: penalty,
    presence_penalty: penalty,
    logit_bias: logitBias,
    user,
    metadata: callMetadata,
  })
  .passthrough();
export type CompletionRequest = z.infer<typeof completionRequest>;

export const embeddingRequest = z
  .object({
    model: z.string().min(1),
    input: textsOrTokens("input", 2048),
    encoding_format: z.enum(["float", "base64"]).optional(),
    dimensions: z.number().int().min(1).max(65_536).optional(),
    user,
    metadata: callMetadata,
  })
  .passthrough();
export type EmbeddingRequest = z.infer<typeof embeddingRequest>;

/** OpenAI's Responses API: passed through to a provider as is; the gateway reads what it logs. */
export const responsesRequest = z
  .object({
    model: z.string().min(1),
    input: z.union([z.string(), z.array(z.unknown())]).optional(),
    instructions: z.string().nullable().optional(),
    stream: z.boolean().nullable().optional(),
    user,
    metadata: callMetadata,
  })
  .passthrough();
export type ResponsesRequest = z.infer<typeof responsesRequest>;

/** Keel's own endpoint (OpenAI has none): labels and scores from a text-classification deployment. */
export const classificationRequest = z
  .object({
    model: z.string().min(1),
    input: z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(2048)]),
    /** how many labels per input, best first (default 1) */
    top_k: z.number().int().min(1).max(100).optional(),
    user,
    metadata: callMetadata,
  })
  .strict();
export type ClassificationRequest = z.infer<typeof classificationRequest>;

/** The text of a message's content (text parts joined; other parts are not readable by local models). */
export function contentText(c: z.infer<typeof content> | undefined): string {
  if (c === undefined || c === null) return "";
  if (typeof c === "string") return c;
  return c
    .map((p) => (p.type === "text" && typeof (p as { text?: unknown }).text === "string" ? (p as { text: string }).text : ""))
    .join("");
}

/** OpenAI's error body. */
export interface OpenAIError {
  error: { message: string; type: string; param: string | null; code: string | null };
}
export class GatewayError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = "invalid_request_error",
    readonly param: string | null = null,
    readonly code: string | null = null,
    /** headers of the answer (a 429's Retry-After and x-ratelimit-*) */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
  body(): OpenAIError {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** zod issues as one OpenAI 400, naming the first offending field. */
export function parseRequest<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const param = issue?.path.map(String).join(".") || null;
  throw new GatewayError(400, `${param ? `${param}: ` : ""}${issue?.message ?? "invalid request"}`, "invalid_request_error", param);
}
