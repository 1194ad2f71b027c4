import { DomainError } from "../core/errors";
import {
  type ChatMessage,
  classify,
  decodeTokens,
  embed,
  type GenerateOptions,
  type ModelSource,
  promptLogprobs,
  type ResolvedDeployment,
  sourceFromVersion,
} from "../serving";
import {
  type ChatRequest,
  type ClassificationRequest,
  type CompletionRequest,
  contentText,
  type EmbeddingRequest,
  GatewayError,
  type TextsOrTokens,
} from "./service-contract";
import { callCost, type GatewayContext, type GatewayResult } from "./service-gateway";
import { checkLocalChat, checkLocalCompletion, checkLocalEmbedding } from "./service-local-params";
import { asGatewayError, type Job, type LogBase, runGeneration, traceBase } from "./service-local-run";
import { chatShape, completionShape } from "./service-local-shapes";
import { logCall } from "./service-log";

/** The deployment's registry model at its alias (or version), resolved on every call: alias moves apply at once. */
async function sourceOf(c: GatewayContext, d: ResolvedDeployment): Promise<ModelSource> {
  const ref = d.modelRef && /^\d+$/.test(d.modelRef) ? Number(d.modelRef) : (d.modelRef ?? "production");
  try {
    return await sourceFromVersion(c.db, c.projectId, d.modelName ?? d.name, ref);
  } catch (err) {
    if (err instanceof DomainError)
      throw new GatewayError(
        err.code === "NOT_FOUND" ? 404 : 400,
        `deployment ${d.name}: ${err.message}`,
        "invalid_request_error",
        "model",
      );
    throw err;
  }
}

/**
 * Texts from a prompt or embedding input as the request gave it: text(s) as they are, token ids
 * decoded with the model's own tokenizer (400 naming an id outside its vocabulary).
 */
async function textsOf(
  source: ModelSource,
  d: ResolvedDeployment,
  task: "text-generation" | "feature-extraction",
  field: string,
  value: TextsOrTokens,
): Promise<string[]> {
  if (typeof value === "string") return [value];
  if (typeof value[0] === "string") return value as string[];
  const lists = typeof value[0] === "number" ? [value as number[]] : (value as number[][]);
  const paths = typeof value[0] === "number" ? [field] : lists.map((_, i) => `${field}[${i}]`);
  try {
    return await decodeTokens(source, task, lists, paths);
  } catch (err) {
    throw asGatewayError(err, d);
  }
}

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const stops = (s: string | string[] | undefined | null): string[] => (s ? (Array.isArray(s) ? s : [s]) : []);
/** Sampling options from the request, else the deployment's defaults; top_p 0 keeps only the likeliest token (greedy). */
function sampling(
  d: ResolvedDeployment,
  body: {
    max_tokens?: number | null;
    temperature?: number | null;
    top_p?: number | null;
    seed?: number | null;
    stop?: string | string[] | null;
  },
  maxTokens?: number | null,
) {
  const topP = body.top_p ?? num(d.defaults.top_p);
  return {
    maxTokens: maxTokens ?? body.max_tokens ?? num(d.defaults.max_tokens) ?? 64,
    temperature: topP === 0 ? 0 : (body.temperature ?? num(d.defaults.temperature) ?? 0),
    topP: topP === 0 ? undefined : topP,
    stop: stops(body.stop ?? (d.defaults.stop as string[] | undefined)),
  };
}

/** `n` generations of one prompt: choice indexes from `first`; with a seed, choice k samples with seed + k (else all n would be one). */
function jobsFor(first: number, n: number, opts: GenerateOptions, seed: number | null | undefined, prefix = ""): Job[] {
  return Array.from({ length: n }, (_, k) => ({
    opts: { ...opts, ...(seed === null || seed === undefined ? {} : { seed: seed + k }) },
    index: first + k,
    countsPrompt: k === 0,
    prefix,
  }));
}

export async function localChat(c: GatewayContext, d: ResolvedDeployment, body: ChatRequest, log: LogBase): Promise<GatewayResult> {
  if (d.task !== "chat") throw new GatewayError(400, `deployment ${d.name} serves ${d.task}, not chat`, "invalid_request_error", "model");
  checkLocalChat(d, body);
  const source = await sourceOf(c, d);
  const messages: ChatMessage[] = body.messages.map((m) => ({ role: m.role, content: contentText(m.content) }));
  const opts: GenerateOptions = {
    messages,
    ...sampling(d, body, body.max_completion_tokens),
    ...(body.logprobs ? { logprobs: body.top_logprobs ?? 0 } : {}),
  };
  const call = {
    jobs: jobsFor(0, body.n ?? 1, opts, body.seed),
    shape: chatShape(d.name),
    stream: body.stream === true,
    includeUsage: body.stream_options?.include_usage === true,
  };
  return runGeneration(c, d, source, call, log);
}

/** Completions: one prompt or several (token ids decoded), `n` choices each, indexed prompt by prompt as OpenAI does. */
export async function localCompletion(
  c: GatewayContext,
  d: ResolvedDeployment,
  body: CompletionRequest,
  log: LogBase,
): Promise<GatewayResult> {
  if (d.task !== "chat" && d.task !== "completion")
    throw new GatewayError(400, `deployment ${d.name} serves ${d.task}, not completions`, "invalid_request_error", "model");
  checkLocalCompletion(d, body);
  const source = await sourceOf(c, d);
  const prompts = await textsOf(source, d, "text-generation", "prompt", body.prompt);
  const n = body.n ?? 1;
  const logprobs = body.logprobs === null || body.logprobs === undefined ? {} : { logprobs: body.logprobs };
  // echo with logprobs: each prompt's own tokens scored too (one forward pass each), as OpenAI does
  const echoes =
    body.echo && body.logprobs !== null && body.logprobs !== undefined
      ? await Promise.all(prompts.map((p) => promptLogprobs(source, p, body.logprobs ?? 0))).catch((err) => {
          throw asGatewayError(err, d);
        })
      : null;
  const jobs = prompts.flatMap((prompt, p) =>
    jobsFor(p * n, n, { prompt, ...sampling(d, body), ...logprobs }, body.seed, body.echo ? prompt : "").map((j) =>
      echoes?.[p] ? { ...j, echo: echoes[p] } : j,
    ),
  );
  const call = {
    jobs,
    shape: completionShape(d.name),
    stream: body.stream === true,
    includeUsage: body.stream_options?.include_usage === true,
  };
  return runGeneration(c, d, source, call, log);
}

/** Unit length again after truncation (the model's vectors are normalized unless its deployment says not to). */
function shorten(v: number[], k: number, normalize: boolean): number[] {
  const out = v.slice(0, k);
  if (!normalize) return out;
  const norm = Math.hypot(...out) || 1;
  return out.map((x) => x / norm);
}

/**
 * `dimensions` on a local model: its own size, or (when the deployment declares `defaults.matryoshka:
 * true`, for a model trained so that a prefix of its vector is an embedding) fewer, truncated and
 * normalized again. Anything else is a 400 naming `dimensions`.
 */
function checkDimensions(d: ResolvedDeployment, want: number | undefined, size: number): number | null {
  if (want === undefined || want === size) return null;
  const bad = (why: string) => new GatewayError(400, `dimensions: ${why}`, "invalid_request_error", "dimensions");
  if (want > size) throw bad(`deployment ${d.name} gives ${size}-dimensional embeddings; ask for at most ${size}`);
  if (d.defaults.matryoshka !== true)
    throw bad(
      `deployment ${d.name} gives ${size}-dimensional embeddings only: its model is not declared as trained for shorter ones ` +
        "(a local deployment whose model is sets defaults.matryoshka: true)",
    );
  return want;
}

/** Embeddings from a local model, as floats or (what the openai client asks for by default) base64 float32. */
export async function localEmbeddings(
  c: GatewayContext,
  d: ResolvedDeployment,
  body: EmbeddingRequest,
  log: LogBase,
): Promise<GatewayResult> {
  checkLocalEmbedding(d, body);
  const source = await sourceOf(c, d);
  const inputs = await textsOf(source, d, "feature-extraction", "input", body.input);
  const normalize = d.defaults.normalize !== false;
  const r = await embed(source, inputs, { pooling: d.defaults.pooling === "cls" ? "cls" : "mean", normalize });
  const size = r.vectors[0]?.length ?? 0;
  const k = checkDimensions(d, body.dimensions, size);
  const vectors = k === null ? r.vectors : r.vectors.map((v) => shorten(v, k, normalize));
  const b64 = body.encoding_format === "base64";
  const traceId = logCall(c.db, {
    ...traceBase(c, d, source, log),
    usage: { input: r.promptTokens, output: 0 },
    cost: callCost(d, { input: r.promptTokens, output: 0 }),
    end: new Date(),
    output: { vectors: vectors.length, dimensions: k ?? size },
    status: "ok",
    metadata: { batchSize: r.batchSize, batchWaitMs: Math.round(r.waitMs) },
  });
  return {
    kind: "json",
    status: 200,
    body: {
      object: "list",
      model: d.name,
      data: vectors.map((v, index) => ({
        object: "embedding",
        index,
        embedding: b64 ? Buffer.from(new Float32Array(v).buffer).toString("base64") : v,
      })),
      usage: { prompt_tokens: r.promptTokens, total_tokens: r.promptTokens },
    },
    headers: { "x-keel-trace-id": traceId, "x-keel-deployment": d.name, "x-keel-batch-size": String(r.batchSize) },
  };
}

/** Labels from a local text-classification model (`POST /v1/classifications`, Keel's own endpoint). */
export async function localClassifications(
  c: GatewayContext,
  d: ResolvedDeployment,
  body: ClassificationRequest,
  inputs: string[],
  log: LogBase,
): Promise<GatewayResult> {
  const source = await sourceOf(c, d);
  const r = await classify(source, inputs, { topK: body.top_k ?? 1 });
  const traceId = logCall(c.db, {
    ...traceBase(c, d, source, log),
    usage: { input: 0, output: 0 },
    cost: 0,
    end: new Date(),
    output: r.results.map((labels) => labels[0] ?? null),
    status: "ok",
    metadata: { batchSize: r.batchSize, batchWaitMs: Math.round(r.waitMs) },
  });
  return {
    kind: "json",
    status: 200,
    body: {
      object: "list",
      model: d.name,
      data: r.results.map((labels, index) => ({
        object: "classification",
        index,
        label: labels[0]?.label ?? null,
        score: labels[0]?.score ?? null,
        labels,
      })),
    },
    headers: { "x-keel-trace-id": traceId, "x-keel-deployment": d.name, "x-keel-batch-size": String(r.batchSize) },
  };
}
