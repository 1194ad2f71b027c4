import { type Readable, Transform } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import type { DbOrTx } from "../../db/client";
import { uuidv7 } from "../core/ids";
import {
  callUpstream,
  providerKey,
  type ResolvedDeployment,
  readUpstreamBody,
  resolveDeployment,
  UpstreamError,
  type UpstreamTarget,
} from "../serving";
import { GatewayError, LITELLM_KEYS } from "./service-contract";
import { type GatewayCall, logCall } from "./service-log";

/** What the HTTP layer sends: JSON with a status, or an SSE byte stream. */
export type GatewayResult =
  | {
      kind: "json";
      status: number;
      body: unknown;
      /** the exact bytes to send when they came from an upstream (`body` is their parse), so nothing is re-serialized */
      raw?: Buffer;
      headers?: Record<string, string>;
    }
  /** SSE bytes: a web stream (local models) or a Node stream (providers, passed through as they arrive) */
  | { kind: "stream"; stream: ReadableStream<Uint8Array> | Readable; headers?: Record<string, string> };

export interface GatewayContext {
  db: DbOrTx;
  projectId: string;
  signal?: AbortSignal;
  /** set by a router: its decision, logged on the call's trace */
  route?: Record<string, unknown>;
  /** set by a call's `prompt_id` (service-prompt.ts): the prompt version, logged on the call's trace */
  promptVersionId?: string;
  /** the secret key of a gateway call: its spend is counted (key_spend) with the trace */
  keyId?: string;
  /** the deployments and `router:<name>`s the key may call (absent or null: any); a router's own picks pass */
  allowedModels?: string[] | null;
}

/** 403 `model_not_allowed` unless the caller's key may call `name` (a deployment or `router:<name>`). */
export function checkModelAllowed(c: GatewayContext, name: string): void {
  if (c.allowedModels && !c.allowedModels.includes(name))
    throw new GatewayError(
      403,
      `This key may not call \`${name}\`; it may call ${c.allowedModels.map((m) => `\`${m}\``).join(", ")}`,
      "invalid_request_error",
      "model",
      "model_not_allowed",
    );
}

/** Opened keys, per provider row object (rows live in the deployment cache, so a key is opened once per cache fill). */
const openedKeys = new WeakMap<object, string | null>();

export const targetOf = (d: ResolvedDeployment): UpstreamTarget => {
  const p = d.providerRow;
  if (!p) throw new Error(`deployment ${d.name} has no provider`);
  let apiKey = openedKeys.get(p);
  if (apiKey === undefined) {
    apiKey = providerKey(p);
    openedKeys.set(p, apiKey);
  }
  return {
    id: p.id,
    baseUrl: p.baseUrl,
    apiKey,
    timeoutMs: p.timeoutMs,
    maxRetries: p.maxRetries,
    maxConcurrency: p.maxConcurrency,
  };
};

export const costOf = (d: Pick<ResolvedDeployment, "inputPricePer1k" | "outputPricePer1k">, usage: { input: number; output: number }) =>
  (usage.input * d.inputPricePer1k + usage.output * d.outputPricePer1k) / 1000;

/**
 * A logged call's cost: by the deployment's own prices where it has any; else none, and ingest prices
 * the call from the project's price table, then the built-in catalogue (server/logs/prices.ts).
 */
export const callCost = (d: Pick<ResolvedDeployment, "inputPricePer1k" | "outputPricePer1k">, usage: { input: number; output: number }) =>
  d.inputPricePer1k || d.outputPricePer1k ? costOf(d, usage) : undefined;

export async function deploymentOrThrow(c: GatewayContext, name: string, tasks: ResolvedDeployment["task"][]): Promise<ResolvedDeployment> {
  checkModelAllowed(c, name);
  const d = await resolveDeployment(c.db, c.projectId, name);
  if (!d)
    throw new GatewayError(
      404,
      `The model \`${name}\` does not exist or you do not have access to it.`,
      "invalid_request_error",
      "model",
      "model_not_found",
    );
  if (!tasks.includes(d.task))
    throw new GatewayError(
      400,
      `Deployment ${name} serves ${d.task}; this endpoint needs ${tasks.join(" or ")}`,
      "invalid_request_error",
      "model",
    );
  return d;
}

/** Usage out of an OpenAI response body (chat and completions name it prompt/completion, the Responses API input/output). */
function usageOf(body: unknown): { input: number; output: number } {
  const u = (body as { usage?: Record<string, number | undefined> | null } | null)?.usage;
  return { input: u?.prompt_tokens ?? u?.input_tokens ?? 0, output: u?.completion_tokens ?? u?.output_tokens ?? 0 };
}

interface SeenStream {
  /** the text of each choice, by its index (the Responses API's output text is choice 0) */
  texts: string[];
  usage: { input: number; output: number } | null;
  firstToken: Date | null;
  error: string | null;
}

interface SseEvent {
  type?: string;
  choices?: { index?: number; delta?: { content?: string | null }; text?: string }[];
  usage?: Record<string, number> | null;
  error?: { message?: string } | null;
  /** Responses API events */
  delta?: string;
  message?: string;
  response?: { usage?: Record<string, number> | null; error?: { message?: string } | null };
}

/** What one SSE event adds to what was seen: chat and completion chunks, or the Responses API's events. */
function see(seen: SeenStream, event: SseEvent): void {
  const add = (index: number, text: string | null | undefined) => {
    if (!text) return;
    seen.firstToken ??= new Date();
    seen.texts[index] = (seen.texts[index] ?? "") + text;
  };
  for (const c of event.choices ?? []) add(c.index ?? 0, c.delta?.content ?? c.text);
  if (event.usage) seen.usage = usageOf(event);
  if (event.error) seen.error = event.error.message ?? "upstream error";
  if (!event.type) return;
  if (event.type === "response.output_text.delta") add(0, event.delta);
  else if (event.type === "response.completed" || event.type === "response.incomplete") {
    if (event.response?.usage) seen.usage = usageOf(event.response);
  } else if (event.type === "response.failed") seen.error = event.response?.error?.message ?? "response failed";
  else if (event.type === "error") seen.error = event.message ?? "upstream error";
}

/**
 * Watch an upstream SSE stream as it passes through unchanged (a Node Transform: the bytes go on as
 * they arrive): the first content delta's time, the text of each choice, and usage when the upstream
 * sends it; `onEnd` runs once, at the end, on an upstream error, or when the client went away (destroy).
 */
export function observeSse(onEnd: (seen: SeenStream) => void): Transform {
  let buffer = "";
  const decoder = new StringDecoder("utf8");
  const seen: SeenStream = { texts: [], usage: null, firstToken: null, error: null };
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    onEnd(seen);
  };
  const scan = (chunk: Buffer) => {
    buffer += decoder.write(chunk); // a character split across chunks is held back, not mangled
    let cut = buffer.indexOf("\n\n");
    while (cut >= 0) {
      for (const line of buffer.slice(0, cut).split("\n")) {
        if (!line.startsWith("data:")) continue;
        const data = line.slice(5).trim();
        if (!data || data === "[DONE]") continue;
        try {
          see(seen, JSON.parse(data) as SseEvent);
        } catch {
          // not JSON: passed through as is
        }
      }
      buffer = buffer.slice(cut + 2);
      cut = buffer.indexOf("\n\n");
    }
  };
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      scan(chunk);
      done(null, chunk);
    },
    flush(done) {
      end();
      done();
    },
    destroy(err, done) {
      // destroyed before the end: the client went away (the pipeline reports a premature close) or the upstream failed
      if (!ended)
        seen.error = err && (err as NodeJS.ErrnoException).code !== "ERR_STREAM_PREMATURE_CLOSE" ? err.message : "client went away";
      end();
      done(err);
    },
  });
}

/** Upstream paths where OpenAI takes a `metadata` object of its own. */
const TAKES_METADATA = new Set(["/chat/completions", "/responses"]);

/**
 * The body sent upstream: the provider's model id, and `metadata` without LiteLLM's keys (Keel's,
 * for the trace); the other keys go only where OpenAI takes metadata, and are logged either way.
 */
export function upstreamBody(path: string, body: Record<string, unknown>, model: string | null): Record<string, unknown> {
  const out: Record<string, unknown> = { ...body, model };
  const m = body.metadata as Record<string, unknown> | null | undefined;
  if (m === undefined) return out;
  delete out.metadata;
  if (!m || !TAKES_METADATA.has(path)) return out;
  const kept = Object.fromEntries(Object.entries(m).filter(([k]) => !(LITELLM_KEYS as readonly string[]).includes(k)));
  if (Object.keys(kept).length) out.metadata = kept;
  return out;
}

type ProviderLog = Omit<
  GatewayCall,
  "usage" | "cost" | "end" | "output" | "status" | "firstToken" | "model" | "provider" | "deployment" | "projectId"
> & {
  /** the call's output for its trace: from the JSON answer, or (streamed) from each choice's text */
  outputOf: (body: unknown, streamed: string[]) => unknown;
};

/**
 * A provider deployment: the request goes upstream with `model` replaced (retries, timeout and the
 * concurrency limit in callUpstream); the answer comes back as the upstream sent it, errors included
 * (in OpenAI's shape already); unreachable after retries is a 502. Logged after the response, under
 * a trace id made first: every answer carries it in `x-keel-trace-id`, a stream's before its body.
 */
export async function viaProvider(
  c: GatewayContext,
  d: ResolvedDeployment,
  path: string,
  body: Record<string, unknown>,
  log: ProviderLog,
): Promise<GatewayResult> {
  const traceId = uuidv7();
  const { outputOf, ...call } = log;
  const base = {
    projectId: c.projectId,
    deployment: d.name,
    model: d.providerModel ?? d.name,
    provider: d.providerRow?.name ?? "provider",
    routeDecision: c.route ?? null,
    promptVersionId: c.promptVersionId ?? null,
    keyId: c.keyId ?? null,
    ...call,
  };
  const failed = (message: string) =>
    logCall(
      c.db,
      { ...base, usage: { input: 0, output: 0 }, cost: 0, end: new Date(), output: null, status: "error", error: message },
      traceId,
    );
  const stream = body.stream === true;
  let upstream: Awaited<ReturnType<typeof callUpstream>>;
  try {
    upstream = await callUpstream(targetOf(d), path, upstreamBody(path, body, d.providerModel), { db: c.db, signal: c.signal });
  } catch (err) {
    const message = err instanceof UpstreamError ? err.message : `upstream failed: ${(err as Error).message}`;
    failed(message);
    throw Object.assign(new GatewayError(502, message, "upstream_error", null, err instanceof UpstreamError ? err.kind : null), {
      traceId,
    });
  }
  const { response, attempts, release } = upstream;
  const headers = { "x-keel-deployment": d.name, "x-keel-upstream-attempts": String(attempts), "x-keel-trace-id": traceId };
  const ok = response.status >= 200 && response.status < 300;
  if (stream && ok) {
    const observed = observeSse((seen) => {
      release();
      const usage = seen.usage ?? { input: 0, output: 0 };
      logCall(
        c.db,
        {
          ...base,
          usage,
          cost: callCost(d, usage),
          end: new Date(),
          firstToken: seen.firstToken,
          output: outputOf(null, seen.texts),
          status: seen.error ? "error" : "ok",
          error: seen.error ?? undefined,
        },
        traceId,
      );
    });
    // the client going away destroys `observed`, which destroys the upstream body: undici cancels the call
    response.body.on("error", (err) => observed.destroy(err));
    observed.on("close", () => {
      if (!response.body.destroyed) response.body.destroy();
    });
    response.body.pipe(observed);
    return { kind: "stream", stream: observed, headers };
  }
  let raw: Buffer;
  let json: unknown;
  try {
    raw = await readUpstreamBody(response);
  } catch (err) {
    release();
    const message = `upstream failed mid-answer: ${(err as Error).message}`;
    failed(message);
    throw Object.assign(new GatewayError(502, message, "upstream_error"), { traceId });
  }
  release();
  let rawOk = true;
  try {
    json = JSON.parse(raw.toString("utf8"));
  } catch {
    rawOk = false;
    json = {
      error: { message: `upstream answered ${response.status} with a non-JSON body`, type: "upstream_error", param: null, code: null },
    };
  }
  const usage = usageOf(json);
  logCall(
    c.db,
    {
      ...base,
      usage,
      cost: callCost(d, usage),
      end: new Date(),
      output: ok ? outputOf(json, []) : json,
      status: ok ? "ok" : "error",
      error: ok ? undefined : ((json as { error?: { message?: string } })?.error?.message ?? `upstream status ${response.status}`),
    },
    traceId,
  );
  return { kind: "json", status: ok ? 200 : response.status, body: json, ...(rawOk ? { raw } : {}), headers };
}
