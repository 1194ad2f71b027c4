import { z } from "zod";

/** OpenAI's request shapes, as far as the gateway reads them; other fields pass through to providers. */
const textPart = z.object({ type: z.literal("text"), text: z.string() }).passthrough();
const content = z.union([z.string(), z.array(z.union([textPart, z.object({ type: z.string() }).passthrough()])), z.null()]);
export const chatMessage = z
  .object({
    role: z.enum(["system", "developer", "user", "assistant", "tool", "function"]),
    content: content.optional(),
    name: z.string().optional(),
  })
  .passthrough();
const stop = z.union([z.string(), z.array(z.string()).max(4)]).optional();

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
    n: z.number().int().min(1).max(1, "n above 1 is not supported").nullable().optional(),
    user: z.string().max(500).optional(),
    metadata: z.record(z.string(), z.unknown()).nullable().optional(),
  })
  .passthrough();
export type ChatRequest = z.infer<typeof chatRequest>;

export const completionRequest = z
  .object({
    model: z.string().min(1),
    prompt: z.union([z.string(), z.array(z.string()).length(1, "one prompt at a time")]),
    stream: z.boolean().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).passthrough().nullable().optional(),
    max_tokens: z.number().int().min(1).max(32_768).nullable().optional(),
    temperature: z.number().min(0).max(2).nullable().optional(),
    top_p: z.number().min(0).max(1).nullable().optional(),
    stop,
    seed: z.number().int().nullable().optional(),
    user: z.string().max(500).optional(),
  })
  .passthrough();
export type CompletionRequest = z.infer<typeof completionRequest>;

export const embeddingRequest = z
  .object({
    model: z.string().min(1),
    input: z.union([z.string(), z.array(z.string()).min(1).max(2048)]),
    encoding_format: z.enum(["float", "base64"]).optional(),
    user: z.string().max(500).optional(),
  })
  .passthrough();
export type EmbeddingRequest = z.infer<typeof embeddingRequest>;

/** Keel's own endpoint (OpenAI has none): labels and scores from a text-classification deployment. */
export const classificationRequest = z
  .object({
    model: z.string().min(1),
    input: z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(2048)]),
    /** how many labels per input, best first (default 1) */
    top_k: z.number().int().min(1).max(100).optional(),
    user: z.string().max(500).optional(),
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
