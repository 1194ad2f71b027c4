import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParams,
  ChatCompletionMessage,
} from "openai/resources/chat/completions";
import type { KeelClient } from "./client.js";
import type { ObservationHandle, TraceHandle } from "./handles.js";
import type { Usage } from "./types.js";

export interface ObserveOpenAIOptions {
  client: KeelClient;
  /** name of the trace each call creates (default "openai.chat.completions") */
  traceName?: string | undefined;
  /** name of the generation (default "chat.completions.create") */
  generationName?: string | undefined;
  userId?: string | undefined;
  sessionId?: string | undefined;
  tags?: string[] | undefined;
  metadata?: Record<string, unknown> | undefined;
  /** log the generations under this trace (or observation) instead of a new trace per call */
  parent?: TraceHandle | ObservationHandle | undefined;
}

/** Request parameters worth keeping with a generation (messages and tools are logged apart). */
const MODEL_PARAMETERS = [
  "temperature",
  "max_tokens",
  "max_completion_tokens",
  "top_p",
  "frequency_penalty",
  "presence_penalty",
  "seed",
  "stop",
  "n",
  "response_format",
  "tool_choice",
  "parallel_tool_calls",
  "reasoning_effort",
  "logit_bias",
  "logprobs",
  "top_logprobs",
  "service_tier",
] as const;

/** The server caps statusMessage at 5000 characters. */
const MAX_STATUS_MESSAGE = 5000;

interface Outcome {
  model?: string | undefined;
  output?: unknown;
  usage?: Usage | undefined;
  completionStartTime?: string | undefined;
  error?: unknown;
  statusMessage?: string | undefined;
}

type AssistantMessage = { role: string; content: string | null; refusal?: string; tool_calls?: unknown[] };

const now = () => new Date().toISOString();

function usageOf(u: { prompt_tokens?: number; completion_tokens?: number } | null | undefined): Usage | undefined {
  return u ? { input: u.prompt_tokens, output: u.completion_tokens } : undefined;
}

function messageOf(m: ChatCompletionMessage | undefined): AssistantMessage | null {
  if (!m) return null;
  return {
    role: m.role,
    content: m.content ?? null,
    ...(m.refusal ? { refusal: m.refusal } : {}),
    ...(m.tool_calls?.length ? { tool_calls: m.tool_calls } : {}),
  };
}

/** One message for n = 1 (the usual case), else one per choice. */
const single = <T>(outputs: T[]): T | T[] | null => (outputs.length === 1 ? (outputs[0] as T) : outputs.length ? outputs : null);

/** Log one finished (or failed) call. Never throws: logging must not break the app's call. */
function record(opts: ObserveOpenAIOptions, params: ChatCompletionCreateParams, startTime: string, o: Outcome): void {
  try {
    const input = params.messages;
    const modelParameters: Record<string, unknown> = {};
    for (const k of MODEL_PARAMETERS) if (params[k] !== undefined && params[k] !== null) modelParameters[k] = params[k];
    const failed = o.error !== undefined;
    const message = failed ? String((o.error as Error)?.message ?? o.error) : o.statusMessage;
    const parent =
      opts.parent ??
      opts.client.trace({
        name: opts.traceName ?? "openai.chat.completions",
        timestamp: startTime,
        userId: opts.userId,
        sessionId: opts.sessionId,
        tags: opts.tags,
        metadata: opts.metadata,
        input,
        output: o.output,
      });
    parent.generation({
      name: opts.generationName ?? "chat.completions.create",
      startTime,
      endTime: now(),
      completionStartTime: o.completionStartTime,
      model: o.model ?? params.model,
      provider: "openai",
      modelParameters,
      input,
      output: o.output,
      usage: o.usage,
      status: failed ? "error" : "ok",
      statusMessage: message?.slice(0, MAX_STATUS_MESSAGE),
      metadata: params.tools?.length ? { tools: params.tools } : undefined,
    });
  } catch {
    // the client reports its own failures through onError; this only guards the mapping above
  }
}

interface ChoiceState {
  role: string;
  content: string;
  refusal: string;
  toolCalls: Map<number, { id?: string; type: string; function: { name: string; arguments: string } }>;
}

/** Content, tool-call and usage deltas of a chat stream, merged as they pass through. */
function accumulator() {
  const choices = new Map<number, ChoiceState>();
  const acc = {
    model: undefined as string | undefined,
    usage: undefined as Usage | undefined,
    firstChunkAt: undefined as string | undefined,
    add(chunk: ChatCompletionChunk) {
      acc.firstChunkAt ??= now();
      if (chunk.model) acc.model = chunk.model;
      if (chunk.usage) acc.usage = usageOf(chunk.usage);
      for (const c of chunk.choices ?? []) {
        const s = choices.get(c.index) ?? { role: "assistant", content: "", refusal: "", toolCalls: new Map() };
        choices.set(c.index, s);
        const d = c.delta ?? {};
        if (d.role) s.role = d.role;
        if (d.content) s.content += d.content;
        if (d.refusal) s.refusal += d.refusal;
        for (const t of d.tool_calls ?? []) {
          const call = s.toolCalls.get(t.index) ?? { type: "function", function: { name: "", arguments: "" } };
          s.toolCalls.set(t.index, call);
          if (t.id) call.id = t.id;
          if (t.type) call.type = t.type;
          if (t.function?.name) call.function.name += t.function.name;
          if (t.function?.arguments) call.function.arguments += t.function.arguments;
        }
      }
    },
    output() {
      const outs = [...choices.entries()]
        .sort(([a], [b]) => a - b)
        .map(([, s]): AssistantMessage => {
          const calls = [...s.toolCalls.entries()].sort(([a], [b]) => a - b).map(([, c]) => c);
          return {
            role: s.role,
            content: s.content || (calls.length ? null : ""),
            ...(s.refusal ? { refusal: s.refusal } : {}),
            ...(calls.length ? { tool_calls: calls } : {}),
          };
        });
      return single(outs);
    },
  };
  return acc;
}

type StreamLike = AsyncIterable<ChatCompletionChunk> & { controller?: AbortController | undefined };

/**
 * The same kind of object as the SDK's Stream (same class, same controller: tee, toReadableStream
 * and abort keep working) whose iteration merges the chunks and logs the generation when the
 * stream ends, fails, or is left early (break).
 */
function observeStream(stream: StreamLike, finish: (o: Outcome) => void): StreamLike {
  const acc = accumulator();
  let finished = false;
  async function* iterate(): AsyncGenerator<ChatCompletionChunk> {
    let error: unknown;
    let ended = false;
    try {
      for await (const chunk of stream) {
        try {
          acc.add(chunk);
        } catch {
          // an odd chunk must not break the app's stream
        }
        yield chunk;
      }
      ended = true;
    } catch (err) {
      error = err;
      throw err;
    } finally {
      if (!finished) {
        finished = true;
        const aborted = !ended || stream.controller?.signal.aborted;
        finish({
          model: acc.model,
          output: acc.output(),
          usage: acc.usage,
          completionStartTime: acc.firstChunkAt,
          error,
          statusMessage: error === undefined && aborted ? "stream closed before its end" : undefined,
        });
      }
    }
  }
  const Ctor = stream.constructor as new (iterator: () => AsyncIterator<ChatCompletionChunk>, controller?: AbortController) => StreamLike;
  try {
    const copy = new Ctor(iterate, stream.controller);
    if (typeof copy[Symbol.asyncIterator] === "function") return copy;
  } catch {
    // not the SDK's Stream: fall back to a plain async iterable
  }
  return { [Symbol.asyncIterator]: iterate, controller: stream.controller };
}

type Create = (params: ChatCompletionCreateParams, options?: unknown) => unknown;
type Thenable = PromiseLike<unknown> & {
  _thenUnwrap?: (transform: (data: unknown) => unknown) => Thenable;
  parse?: () => Promise<unknown>;
};

/**
 * Keep the SDK's APIPromise (withResponse(), asResponse()) by transforming it with `_thenUnwrap`,
 * and observe a failure through its shared parse() (await, .catch and .finally all go through it),
 * so the response is parsed once and the caller gets the original error unchanged.
 * `asResponse()` returns the raw Response without parsing it: such calls are not logged.
 */
function instrument(result: unknown, onValue: (v: unknown) => unknown, onError: (err: unknown) => void): unknown {
  const p = result as Thenable | null;
  if (!p || typeof p.then !== "function") return onValue(result);
  const wrapped = typeof p._thenUnwrap === "function" ? p._thenUnwrap(onValue) : null;
  const parse = wrapped?.parse;
  if (wrapped && typeof parse === "function") {
    let watched = false;
    wrapped.parse = function (this: unknown) {
      const parsed = parse.call(this);
      if (!watched) {
        watched = true;
        parsed.then(undefined, onError);
      }
      return parsed;
    };
    return wrapped;
  }
  // not the SDK's APIPromise: a plain promise of the same value
  return Promise.resolve(p).then(onValue, (err: unknown) => {
    onError(err);
    throw err;
  });
}

function observeCreate(create: Create, opts: ObserveOpenAIOptions): Create {
  return (params, options) => {
    const startTime = now();
    const failed = (error: unknown) => record(opts, params, startTime, { error });
    let result: unknown;
    try {
      result = create(params, options);
    } catch (err) {
      failed(err);
      throw err;
    }
    const onValue = (value: unknown): unknown => {
      try {
        if (value && typeof (value as StreamLike)[Symbol.asyncIterator] === "function")
          return observeStream(value as StreamLike, (o) => record(opts, params, startTime, o));
        const c = value as ChatCompletion;
        record(opts, params, startTime, {
          model: c.model,
          output: single((c.choices ?? []).map((x) => messageOf(x.message))),
          usage: usageOf(c.usage),
        });
      } catch {
        // never let logging change what the app gets
      }
      return value;
    };
    return instrument(result, onValue, failed);
  };
}

/** A Proxy at `path` of the client: `chat.completions.create` is observed, all else passes through. */
function observeAt<T extends object>(target: T, path: string, opts: ObserveOpenAIOptions): T {
  return new Proxy(target, {
    get(t, prop) {
      // the real object as receiver: the SDK's classes use #private fields
      const value = Reflect.get(t, prop, t) as unknown;
      if (typeof prop !== "string") return value;
      const here = path ? `${path}.${prop}` : prop;
      if (here === "chat.completions.create" && typeof value === "function") return observeCreate(value.bind(t) as Create, opts);
      if ((here === "chat" || here === "chat.completions") && value !== null && typeof value === "object")
        return observeAt(value, here, opts);
      if (typeof value === "function" && prop !== "constructor") return value.bind(t);
      return value;
    },
  });
}

/**
 * Wrap an `openai` (v6) client: each `chat.completions.create` call is logged to Keel as a trace
 * (unless `parent` is given) with a `generation` (model, parameters, messages, the assistant's
 * message, token usage, times; status "error" when the call throws, rethrowing the original
 * error). Streams are returned as the SDK's Stream and logged when they end.
 */
export function observeOpenAI<T extends object>(openai: T, opts: ObserveOpenAIOptions): T {
  return observeAt(openai, "", opts);
}
