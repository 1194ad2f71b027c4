import { randomUUID } from "node:crypto";
import { DomainError } from "../core/errors";
import {
  type ChatMessage,
  classify,
  embed,
  type GenerateResult,
  generate,
  type ModelSource,
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
} from "./service-contract";
import { costOf, type GatewayContext, type GatewayResult } from "./service-gateway";
import { logCall } from "./service-log";

interface LogBase {
  kind: string;
  start: Date;
  userId?: string;
  input: unknown;
}

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

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const stops = (s: string | string[] | undefined | null): string[] => (s ? (Array.isArray(s) ? s : [s]) : []);
const sse = (chunk: unknown) => new TextEncoder().encode(`data: ${JSON.stringify(chunk)}\n\n`);
const versionIdOf = (s: ModelSource) => s.versionId ?? null;

interface GenerationPlan {
  opts: { prompt?: string; messages?: ChatMessage[]; maxTokens: number; temperature: number; topP?: number; stop: string[]; seed?: number };
  stream: boolean;
  includeUsage: boolean;
  /** the response objects of this endpoint */
  whole: (id: string, r: GenerateResult) => unknown;
  delta: (id: string, text: string, first: boolean) => unknown;
  finish: (id: string, reason: string) => unknown;
  usageChunk: (id: string, r: GenerateResult) => unknown;
  output: (text: string) => unknown;
}

/** What every local call's trace says besides its result: project, deployment, the model version it ran, the route. */
function traceBase(c: GatewayContext, d: ResolvedDeployment, source: ModelSource, log: LogBase) {
  return {
    projectId: c.projectId,
    deployment: d.name,
    model: d.modelName ?? d.name,
    provider: "keel",
    modelVersionId: versionIdOf(source),
    routeDecision: c.route ?? null,
    ...log,
  };
}

/** Run a local generation, whole or as SSE, and log it (with the model version it ran). */
async function runGeneration(c: GatewayContext, d: ResolvedDeployment, plan: GenerationPlan, log: LogBase): Promise<GatewayResult> {
  const source = await sourceOf(c, d);
  const id = `${plan.stream ? "chunk" : "cmpl"}-${randomUUID()}`;
  const base = traceBase(c, d, source, log);
  const done = (r: GenerateResult | null, firstToken: Date | null, error?: string) =>
    logCall(c.db, {
      ...base,
      usage: { input: r?.promptTokens ?? 0, output: r?.completionTokens ?? 0 },
      cost: r ? costOf(d, { input: r.promptTokens, output: r.completionTokens }) : 0,
      end: new Date(),
      firstToken,
      output: r ? plan.output(r.text) : null,
      status: error ? "error" : "ok",
      error,
      metadata: r
        ? { batchSize: r.batchSize, batchWaitMs: Math.round(r.waitMs), meanLogprob: r.meanLogprob, finishReason: r.finishReason }
        : {},
    });
  if (!plan.stream) {
    const r = await generate(source, { ...plan.opts, signal: c.signal });
    const traceId = done(r, null);
    return {
      kind: "json",
      status: 200,
      body: plan.whole(id, r),
      headers: {
        "x-keel-trace-id": traceId,
        "x-keel-deployment": d.name,
        "x-keel-batch-size": String(r.batchSize),
        "x-keel-batch-wait-ms": String(Math.round(r.waitMs)),
      },
    };
  }
  const abort = new AbortController();
  let firstToken: Date | null = null;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      let first = true;
      generate(source, {
        ...plan.opts,
        signal: c.signal ? AbortSignal.any([c.signal, abort.signal]) : abort.signal,
        stream: (text) => {
          if (abort.signal.aborted || !text) return;
          firstToken ??= new Date();
          controller.enqueue(sse(plan.delta(id, text, first)));
          first = false;
        },
      })
        .then((r) => {
          if (abort.signal.aborted) return void done(r, firstToken, "client went away");
          controller.enqueue(sse(plan.finish(id, r.finishReason)));
          if (plan.includeUsage) controller.enqueue(sse(plan.usageChunk(id, r)));
          controller.enqueue(new TextEncoder().encode("data: [DONE]\n\n"));
          controller.close();
          done(r, firstToken);
        })
        .catch((err: Error) => {
          done(null, firstToken, err.message);
          if (!abort.signal.aborted) {
            controller.enqueue(sse({ error: { message: err.message, type: "server_error", param: null, code: null } }));
            controller.close();
          }
        });
    },
    cancel() {
      abort.abort(new Error("client went away"));
    },
  });
  return { kind: "stream", stream, headers: { "x-keel-deployment": d.name } };
}

const usage = (r: GenerateResult) => ({
  prompt_tokens: r.promptTokens,
  completion_tokens: r.completionTokens,
  total_tokens: r.promptTokens + r.completionTokens,
});
const created = () => Math.floor(Date.now() / 1000);

function sampling(
  d: ResolvedDeployment,
  body: { max_tokens?: number | null; temperature?: number | null; top_p?: number | null; seed?: number | null; stop?: string | string[] },
  maxTokens?: number | null,
) {
  return {
    maxTokens: maxTokens ?? body.max_tokens ?? num(d.defaults.max_tokens) ?? 64,
    temperature: body.temperature ?? num(d.defaults.temperature) ?? 0,
    topP: body.top_p ?? num(d.defaults.top_p),
    seed: body.seed ?? undefined,
    stop: stops(body.stop ?? (d.defaults.stop as string[] | undefined)),
  };
}

export async function localChat(c: GatewayContext, d: ResolvedDeployment, body: ChatRequest, log: LogBase): Promise<GatewayResult> {
  if (d.task !== "chat") throw new GatewayError(400, `deployment ${d.name} serves ${d.task}, not chat`, "invalid_request_error", "model");
  const messages: ChatMessage[] = body.messages.map((m) => ({ role: m.role, content: contentText(m.content) }));
  const model = d.name;
  return runGeneration(
    c,
    d,
    {
      opts: { messages, ...sampling(d, body, body.max_completion_tokens) },
      stream: body.stream === true,
      includeUsage: body.stream_options?.include_usage === true,
      whole: (id, r) => ({
        id,
        object: "chat.completion",
        created: created(),
        model,
        choices: [
          { index: 0, message: { role: "assistant", content: r.text, refusal: null }, finish_reason: r.finishReason, logprobs: null },
        ],
        usage: usage(r),
      }),
      delta: (id, text, first) => ({
        id,
        object: "chat.completion.chunk",
        created: created(),
        model,
        choices: [{ index: 0, delta: first ? { role: "assistant", content: text } : { content: text }, finish_reason: null }],
      }),
      finish: (id, reason) => ({
        id,
        object: "chat.completion.chunk",
        created: created(),
        model,
        choices: [{ index: 0, delta: {}, finish_reason: reason }],
      }),
      usageChunk: (id, r) => ({ id, object: "chat.completion.chunk", created: created(), model, choices: [], usage: usage(r) }),
      output: (text) => ({ role: "assistant", content: text }),
    },
    log,
  );
}

export async function localCompletion(
  c: GatewayContext,
  d: ResolvedDeployment,
  body: CompletionRequest & { prompt: string },
  log: LogBase,
): Promise<GatewayResult> {
  if (d.task !== "chat" && d.task !== "completion")
    throw new GatewayError(400, `deployment ${d.name} serves ${d.task}, not completions`, "invalid_request_error", "model");
  const model = d.name;
  const choice = (text: string, reason: string | null) => ({ text, index: 0, finish_reason: reason, logprobs: null });
  return runGeneration(
    c,
    d,
    {
      opts: { prompt: body.prompt, ...sampling(d, body) },
      stream: body.stream === true,
      includeUsage: body.stream_options?.include_usage === true,
      whole: (id, r) => ({
        id,
        object: "text_completion",
        created: created(),
        model,
        choices: [choice(r.text, r.finishReason)],
        usage: usage(r),
      }),
      delta: (id, text) => ({ id, object: "text_completion", created: created(), model, choices: [choice(text, null)] }),
      finish: (id, reason) => ({ id, object: "text_completion", created: created(), model, choices: [choice("", reason)] }),
      usageChunk: (id, r) => ({ id, object: "text_completion", created: created(), model, choices: [], usage: usage(r) }),
      output: (text) => text,
    },
    log,
  );
}

/** Embeddings from a local model, as floats or (what the openai client asks for by default) base64 float32. */
export async function localEmbeddings(
  c: GatewayContext,
  d: ResolvedDeployment,
  body: EmbeddingRequest,
  inputs: string[],
  log: LogBase,
): Promise<GatewayResult> {
  const source = await sourceOf(c, d);
  const r = await embed(source, inputs, {
    pooling: d.defaults.pooling === "cls" ? "cls" : "mean",
    normalize: d.defaults.normalize !== false,
  });
  const b64 = body.encoding_format === "base64";
  const traceId = logCall(c.db, {
    ...traceBase(c, d, source, log),
    usage: { input: r.promptTokens, output: 0 },
    cost: costOf(d, { input: r.promptTokens, output: 0 }),
    end: new Date(),
    output: { vectors: r.vectors.length, dimensions: r.vectors[0]?.length ?? 0 },
    status: "ok",
    metadata: { batchSize: r.batchSize, batchWaitMs: Math.round(r.waitMs) },
  });
  return {
    kind: "json",
    status: 200,
    body: {
      object: "list",
      model: d.name,
      data: r.vectors.map((v, index) => ({
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
