import { DomainError } from "../core/errors";
import { logger } from "../core/logger";
import { getRuntime } from "../core/runtime";
import { chatCompletions, completions, embeddings, GatewayError, type GatewayResult, models } from "../routing";
import { principalFromApiKey } from "../workspace";
import { readJson } from "./request";

const ENDPOINTS: Record<
  string,
  { method: "GET" | "POST"; run: (c: Parameters<typeof models>[0], body: unknown) => Promise<GatewayResult> }
> = {
  "/chat/completions": { method: "POST", run: chatCompletions },
  "/completions": { method: "POST", run: completions },
  "/embeddings": { method: "POST", run: embeddings },
  "/models": { method: "GET", run: (c) => models(c) },
};
export const isGatewayPath = (path: string) => path in ENDPOINTS;

const openaiError = (e: GatewayError, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(e.body()), { status: e.status, headers: { "content-type": "application/json", ...headers } });

/**
 * The OpenAI-compatible endpoints under /api/v1 (`OPENAI_BASE_URL=http://keel:3000/api/v1`): a
 * project's secret key, OpenAI's request and error shapes, SSE for `stream: true`.
 */
export async function handleGateway(req: Request, path: string): Promise<Response> {
  const endpoint = ENDPOINTS[path];
  try {
    if (!endpoint) throw new GatewayError(404, `No endpoint ${path}`, "invalid_request_error", null, "unknown_url");
    if (req.method !== endpoint.method)
      throw new GatewayError(405, `${req.method} is not allowed here; use ${endpoint.method}`, "invalid_request_error");
    const { db } = await getRuntime();
    const key = req.headers.get("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1];
    const principal = key ? await principalFromApiKey(db, key) : null;
    if (!principal)
      throw new GatewayError(401, "Send a Keel secret key: Authorization: Bearer sk_...", "invalid_request_error", null, "invalid_api_key");
    if (principal.kind !== "secretKey")
      throw new GatewayError(
        403,
        "A public key (pk_) only reaches the rating widget; use a secret key (sk_)",
        "invalid_request_error",
        null,
        "invalid_api_key",
      );
    let body: unknown = {};
    if (endpoint.method === "POST") {
      try {
        body = await readJson(req);
      } catch (err) {
        throw new GatewayError(err instanceof DomainError && err.code === "PAYLOAD_TOO_LARGE" ? 413 : 400, (err as Error).message);
      }
      if (body === null || typeof body !== "object" || Array.isArray(body))
        throw new GatewayError(400, "The request body must be a JSON object");
    }
    const result = await endpoint.run({ db, projectId: principal.projectId, signal: req.signal }, body);
    if (result.kind === "stream")
      return new Response(result.stream, {
        headers: {
          "content-type": "text/event-stream; charset=utf-8",
          "cache-control": "no-cache",
          connection: "keep-alive",
          ...(result.headers ?? {}),
        },
      });
    return new Response(JSON.stringify(result.body), {
      status: result.status,
      headers: { "content-type": "application/json", ...(result.headers ?? {}) },
    });
  } catch (err) {
    if (err instanceof GatewayError)
      return openaiError(
        err,
        (err as { traceId?: string }).traceId ? { "x-keel-trace-id": (err as unknown as { traceId: string }).traceId } : {},
      );
    logger.error({ err, path }, "gateway call failed");
    return openaiError(new GatewayError(500, "Internal server error", "server_error"));
  }
}
