import { DomainError } from "../core/errors";
import { describeError } from "../trpc/errors";
import type { ErrorShape, HandlerEntry, Method } from "./entry";
import { refusedKey } from "./gateway";
import { serveHandler } from "./handler-call";
import { json, jsonError } from "./json";
import { mlflowError, mlflowErrorOf } from "./mlflow-core";
import { serveProcedure } from "./procedure-call";
import { findRoute } from "./table";

/** The error shape of a path no entry matched: MLflow clients expect theirs. */
const shapeOf = (pathname: string): ErrorShape =>
  pathname.startsWith("/api/2.0/") || pathname.startsWith("/api/3.0/") ? "mlflow" : "keel";

/** OpenAI's shape for what escapes the gateway's own handling (it formats its GatewayErrors itself). */
function openAiError(err: unknown): Response {
  const refused = refusedKey(err);
  if (refused) return json(refused.body(), refused.status);
  const { status, body } = describeError(err);
  const type = status >= 500 ? "server_error" : "invalid_request_error";
  return json({ error: { message: body.message, type, param: body.field ?? null, code: null } }, status);
}

/** One formatter per error shape. */
export function formatError(shape: ErrorShape, err: unknown): Response {
  return shape === "mlflow" ? mlflowErrorOf(err) : shape === "openai" ? openAiError(err) : jsonError(err);
}

function methodNotAllowed(shape: ErrorShape, method: string, pathname: string, allow: Method[]): Response {
  const message = `${method} is not allowed here; use ${allow.join(", ")}`;
  if (shape === "mlflow") return mlflowError("ENDPOINT_NOT_FOUND", `${method} is not allowed for ${pathname}`, 405);
  const headers = { allow: allow.join(", ") };
  if (shape === "openai") return json({ error: { message, type: "invalid_request_error", param: null, code: null } }, 405, headers);
  return json({ error: { code: "METHOD_NOT_SUPPORTED", message } }, 405, headers);
}

/**
 * The one dispatcher for the route table (`/api/v1/*`, `/api/2.0/mlflow*`, `/api/health`,
 * `/api/metrics`): find the entry, then serve it as a procedure (the tRPC ladder checks the caller)
 * or through its handler (the auth step in handler-call.ts does); errors in the entry's declared shape.
 */
export async function dispatch(req: Request): Promise<Response> {
  const url = new URL(req.url);
  let shape = shapeOf(url.pathname);
  let handler: HandlerEntry | undefined;
  try {
    const hit = findRoute(req.method, url.pathname);
    if (!hit) {
      if (shape === "mlflow") return mlflowError("ENDPOINT_NOT_FOUND", `No endpoint ${req.method} ${url.pathname}`);
      throw new DomainError("NOT_FOUND", `No route ${req.method} ${url.pathname}`);
    }
    if ("allow" in hit) return methodNotAllowed(hit.errors, req.method, url.pathname, hit.allow);
    const { entry, params } = hit;
    shape = entry.errors;
    if (entry.kind === "procedure") return await serveProcedure(entry, req, url, params);
    handler = entry;
    return await serveHandler(entry, req, url, params);
  } catch (err) {
    const res = formatError(shape, err);
    for (const [k, v] of Object.entries(handler?.errorHeaders?.(req) ?? {})) res.headers.set(k, v);
    return res;
  }
}
