import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import type { Db } from "../../db/client";
import { env } from "../../env";
import { DomainError, databaseUnavailable, isDatabaseUnavailable } from "../core/errors";
import { decodeUtf8Strict, parseJsonStrict } from "../core/json-guard";
import { logger } from "../core/logger";
import { getRuntime } from "../core/runtime";
import {
  admitKeyCall,
  chatCompletions,
  checkModelAllowed,
  classifications,
  completions,
  embeddings,
  GatewayError,
  type GatewayResult,
  hasLimits,
  model,
  models,
  responses,
} from "../routing";
import { principalFromApiKey } from "../workspace";
import { admitCaller } from "./admit";
import type { CallerContext, PrincipalOf } from "./entry";
import { readJson } from "./request";

/** An endpoint's call: the parsed body (POST) and, for `/models/*id`, the id (the rest of the path, decoded). */
type Run = (c: Parameters<typeof models>[0], body: unknown, id: string) => Promise<GatewayResult>;

/** Keyed by the route table's pattern (after /api/v1): `*id` is the rest of the path. */
const ENDPOINTS: Record<string, { method: "GET" | "POST"; run: Run }> = {
  "/chat/completions": { method: "POST", run: chatCompletions },
  "/completions": { method: "POST", run: completions },
  "/embeddings": { method: "POST", run: embeddings },
  "/responses": { method: "POST", run: responses },
  "/classifications": { method: "POST", run: classifications },
  "/models": { method: "GET", run: (c) => models(c) },
  "/models/*id": { method: "GET", run: (c, _body, id) => model(c, id) },
};
const MODEL_PREFIX = "/models/";

/**
 * The endpoint of a path after /api/v1 as it came off the wire: an exact one, or `/models/<id>`
 * with the id's segments decoded and empty ones dropped, as the route table matches `*id` (a
 * malformed %-escape matches nothing: a 404).
 */
function endpointOf(path: string): { key: string; id: string } | null {
  if (!path.startsWith(MODEL_PREFIX)) return path in ENDPOINTS ? { key: path, id: "" } : null;
  try {
    const id = path.slice(MODEL_PREFIX.length).split("/").filter(Boolean).map(decodeURIComponent).join("/");
    return id ? { key: "/models/*id", id } : null;
  } catch {
    return null;
  }
}
export const isGatewayPath = (path: string) => endpointOf(path) !== null;
/** The gateway's paths (after /api/v1) and methods, for the route table. */
export const GATEWAY_ENDPOINTS = Object.entries(ENDPOINTS).map(([path, e]) => ({ path, method: e.method }));

/**
 * Who may call the gateway: a project's secret key, any role. Its route entries (routes-handlers.ts)
 * declare this, and the node-native path checks the same through the same function (admit.ts).
 */
export const GATEWAY_ACCESS = { auth: ["secretKey"], role: "viewer" } as const;
type GatewayCaller = PrincipalOf<"secretKey">;

/** The auth step's refusal (a DomainError) in OpenAI's shape: its SDKs read a refused key from `invalid_api_key`. */
export function refusedKey(err: unknown): GatewayError | null {
  if (!(err instanceof DomainError) || (err.code !== "UNAUTHORIZED" && err.code !== "FORBIDDEN")) return null;
  return new GatewayError(err.code === "UNAUTHORIZED" ? 401 : 403, err.message, "invalid_request_error", null, "invalid_api_key");
}

const SSE_HEADERS = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive" };

/** One gateway call, whatever the HTTP binding: the endpoint's result, or a GatewayError to send. */
async function runGateway(call: {
  method: string;
  /** the ENDPOINTS key */
  path: string;
  /** `/models/*id`'s id */
  id: string;
  /** the admitted caller: the dispatcher's auth step's, or the node-native path's own (admittedKey) */
  caller: () => Promise<{ db: Db; principal: GatewayCaller }>;
  /** the parsed JSON body; throws PAYLOAD_TOO_LARGE or BAD_REQUEST */
  body: () => Promise<unknown>;
  signal?: AbortSignal;
}): Promise<GatewayResult> {
  const endpoint = ENDPOINTS[call.path];
  if (!endpoint) throw new GatewayError(404, `No endpoint ${call.path}`, "invalid_request_error", null, "unknown_url");
  if (call.method !== endpoint.method)
    throw new GatewayError(405, `${call.method} is not allowed here; use ${endpoint.method}`, "invalid_request_error");
  const { db, principal } = await call.caller();
  let body: unknown = {};
  if (endpoint.method === "POST") {
    try {
      body = await call.body();
    } catch (err) {
      throw new GatewayError(err instanceof DomainError && err.code === "PAYLOAD_TOO_LARGE" ? 413 : 400, (err as Error).message);
    }
    if (body === null || typeof body !== "object" || Array.isArray(body))
      throw new GatewayError(400, "The request body must be a JSON object");
  }
  const limits = principal.limits;
  const c = { db, projectId: principal.projectId, signal: call.signal, keyId: principal.keyId, allowedModels: limits?.allowedModels };
  // a model the key may not call is refused (403) before it counts against the key's rates; a model
  // named only by a prompt's config is checked where the prompt is rendered
  const named = (body as { model?: unknown }).model;
  if (endpoint.method === "POST" && typeof named === "string") checkModelAllowed(c, named);
  // a call of a key with rates or a budget is admitted (or refused, 429) before it runs; listing models is not a call
  const admitted = endpoint.method === "POST" && hasLimits(limits) ? await admitKeyCall(db, principal.keyId, limits) : null;
  const result = await endpoint.run(c, body, call.id);
  if (admitted) result.headers = { ...admitted.headers, ...(result.headers ?? {}) };
  return result;
}

/** A thrown error as the OpenAI-shaped JSON result to send (unexpected ones are logged, answered 500). */
export function errorResult(err: unknown, path: string): Extract<GatewayResult, { kind: "json" }> {
  let e = refusedKey(err) ?? err;
  if (!(e instanceof GatewayError) && isDatabaseUnavailable(err)) {
    // the database is down or restarting: retry shortly (Retry-After is set on every 503)
    e = new GatewayError(503, databaseUnavailable().message, "server_error", null, "database_unavailable");
  } else if (!(e instanceof GatewayError)) {
    logger.error({ err, path }, "gateway call failed");
    e = new GatewayError(500, "Internal server error", "server_error");
  }
  // a call that failed after its trace was logged says which (the trace holds the error)
  const traceId = (err as { traceId?: string } | null)?.traceId ?? (e as { traceId?: string }).traceId;
  return {
    kind: "json",
    status: (e as GatewayError).status,
    body: (e as GatewayError).body(),
    headers: { ...(e as GatewayError).headers, ...(traceId ? { "x-keel-trace-id": traceId } : {}) },
  };
}

/**
 * The OpenAI-compatible endpoints under /api/v1 (`OPENAI_BASE_URL=http://keel:3000/api/v1`): a
 * project's secret key, OpenAI's request and error shapes, SSE for `stream: true`. This is the
 * fetch binding (`next dev`, app/api), past the dispatcher's auth step; `keel start` serves the
 * same calls through `serveGateway`.
 */
export async function handleGateway(
  req: Request,
  path: string,
  { db, principal, params }: CallerContext<GatewayCaller>,
): Promise<Response> {
  let result: GatewayResult;
  try {
    result = await runGateway({
      method: req.method,
      path,
      id: params.id ?? "",
      caller: async () => ({ db, principal }),
      body: () => readJson(req),
      signal: req.signal,
    });
  } catch (err) {
    result = errorResult(err, path);
  }
  return gatewayResponse(result);
}

/** A gateway result as the fetch binding's Response: SSE for a stream, else JSON (an upstream's bytes as they came). */
export function gatewayResponse(result: GatewayResult): Response {
  if (result.kind === "stream") {
    const stream = result.stream instanceof Readable ? (Readable.toWeb(result.stream) as ReadableStream<Uint8Array>) : result.stream;
    return new Response(stream, { headers: { ...SSE_HEADERS, ...(result.headers ?? {}) } });
  }
  return new Response(result.raw ? new Uint8Array(result.raw) : JSON.stringify(result.body), {
    status: result.status,
    headers: { "content-type": "application/json", ...(result.headers ?? {}) },
  });
}

/** The node-native path's own auth (it does not pass through the dispatcher): a Bearer key, the entries' check. */
async function admittedKey(authorization: string | undefined): Promise<{ db: Db; principal: GatewayCaller }> {
  const { db } = await getRuntime();
  const key = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  return { db, principal: admitCaller(GATEWAY_ACCESS, key ? await principalFromApiKey(db, key) : null) };
}

/** The request body as JSON, read straight off the socket (at most KEEL_MAX_BODY_BYTES). */
async function readNodeJson(req: IncomingMessage, limit = env.KEEL_MAX_BODY_BYTES): Promise<unknown> {
  const tooLarge = () => new DomainError("PAYLOAD_TOO_LARGE", `Request body exceeds ${limit} bytes`);
  if (Number(req.headers["content-length"] ?? "0") > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw tooLarge();
    chunks.push(c as Buffer);
  }
  // the one JSON rule (strict UTF-8, depth, NUL, lone surrogates, finite numbers), as every other body
  const text = decodeUtf8Strict(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
  if (!text.trim()) return {};
  return parseJsonStrict(text);
}

/**
 * The gateway on node:http, without web Request/Response objects on the hot path (see BENCHMARKS.md,
 * gateway overhead): the body is read off the socket, an upstream's JSON answer is sent as the bytes
 * it came in, and an upstream stream is piped through. A client that goes away aborts the call.
 */
export async function serveGateway(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const gone = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) gone.abort(new Error("client went away"));
  });
  let result: GatewayResult;
  const at = endpointOf(path);
  try {
    result = await runGateway({
      method: req.method ?? "GET",
      path: at?.key ?? path,
      id: at?.id ?? "",
      caller: () => admittedKey(req.headers.authorization),
      body: () => readNodeJson(req),
      signal: gone.signal,
    });
  } catch (err) {
    result = errorResult(err, path);
  }
  if (result.kind === "json") {
    const bytes = result.raw ?? Buffer.from(JSON.stringify(result.body));
    res.writeHead(result.status, { "content-type": "application/json", "content-length": bytes.length, ...(result.headers ?? {}) });
    res.end(bytes);
    return;
  }
  res.writeHead(200, { ...SSE_HEADERS, ...(result.headers ?? {}) });
  const source =
    result.stream instanceof Readable ? result.stream : Readable.fromWeb(result.stream as import("node:stream/web").ReadableStream);
  // pipe, not stream/promises' pipeline (an AbortController per call): a client that goes away
  // destroys the source, and with it the upstream call or the local generation
  await new Promise<void>((resolve) => {
    source.once("error", (err) => {
      logger.warn({ err, path }, "gateway stream failed");
      res.destroy();
    });
    res.once("close", () => {
      if (!source.destroyed && !source.readableEnded) source.destroy();
      resolve();
    });
    source.pipe(res);
  });
}
