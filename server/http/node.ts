import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { databaseUnavailable, isDatabaseUnavailable, RETRY_AFTER_S } from "../core/errors";
import { dispatch } from "./dispatch";
import { isGatewayPath, serveGateway } from "./gateway";
import { jsonText } from "./json";
import { serveLangfusePublic } from "./langfuse-public";
import { handleTrpc } from "./trpc";

type Handler = (req: Request) => Promise<Response>;

/**
 * The API's fetch handlers by path prefix: tRPC, else the route table's dispatcher (dispatch.ts).
 * `keel start` serves these straight from node:http,
 * without Next.js's router in between (about 3x the requests per second, see BENCHMARKS.md);
 * app/api/ mounts the same handlers for `next dev`.
 */
export function apiHandlerFor(pathname: string): Handler | null {
  if (pathname.startsWith("/api/trpc/")) return handleTrpc;
  if (pathname.startsWith("/api/public/")) return serveLangfusePublic;
  if (
    pathname === "/api/v1" ||
    pathname.startsWith("/api/v1/") ||
    pathname.startsWith("/api/2.0/mlflow/") ||
    pathname.startsWith("/api/3.0/mlflow/") ||
    pathname.startsWith("/api/2.0/mlflow-artifacts/") ||
    pathname === "/api/health" ||
    pathname === "/api/metrics"
  )
    return dispatch;
  return null;
}

/**
 * Serve an API request on node:http when `pathname` is an API path (false: not ours, e.g. a page).
 * The gateway's calls are served Node-natively (`serveGateway`); the rest through their fetch handler.
 */
export function serveApi(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> | null {
  if (pathname.startsWith("/api/v1/")) {
    const sub = pathname.slice(7);
    if (isGatewayPath(sub)) return serveGateway(req, res, sub);
  }
  const h = apiHandlerFor(pathname);
  return h ? h(toRequest(req)).then((r) => sendResponse(res, r)) : null;
}

/** node:http request -> fetch Request (the body streams; handlers cap its size). */
export function toRequest(req: IncomingMessage): Request {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (Array.isArray(v)) for (const x of v) headers.append(k, x);
    else if (v !== undefined) headers.set(k, v);
  }
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  let url: URL;
  try {
    url = new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`);
  } catch {
    url = new URL(req.url ?? "/", "http://localhost");
  }
  return new Request(url, {
    method: req.method,
    headers,
    body: hasBody ? (Readable.toWeb(req) as ReadableStream) : undefined,
    duplex: "half",
  } as RequestInit);
}

/** fetch Response -> node:http response. */
export async function sendResponse(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((v, k) => {
    if (k !== "set-cookie") headers[k] = v;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length) headers["set-cookie"] = cookies;
  const text = jsonText(response);
  if (text !== undefined && !response.bodyUsed) {
    headers["content-length"] = String(Buffer.byteLength(text));
    res.writeHead(response.status, headers);
    return void res.end(text);
  }
  res.writeHead(response.status, headers);
  if (!response.body) return void res.end();
  // Stream: exports can be far larger than memory should hold.
  try {
    await pipeline(Readable.fromWeb(response.body as import("node:stream/web").ReadableStream), res);
  } catch (err) {
    // the client went away mid-stream: the pipeline cancelled the body (and with it any upstream call)
    if (res.destroyed && (err as NodeJS.ErrnoException).code === "ERR_STREAM_PREMATURE_CLOSE") return;
    throw err;
  }
}

/**
 * Every 503 (the database down or restarting, health included) tells the client when to retry:
 * set here, once, rather than in each handler that can answer 503.
 */
export function retryAfterOn503(res: ServerResponse): void {
  const writeHead = res.writeHead.bind(res) as (...a: unknown[]) => ServerResponse;
  res.writeHead = ((status: number, ...rest: unknown[]) => {
    if (status === 503 && !res.hasHeader("retry-after")) res.setHeader("retry-after", String(RETRY_AFTER_S));
    return writeHead(status, ...rest);
  }) as ServerResponse["writeHead"];
}

/** The answer to a request whose handler threw: 503 while the database is unavailable, else 500. */
export function failRequest(res: ServerResponse, err: unknown): void {
  if (res.headersSent) return void res.destroy();
  if (isDatabaseUnavailable(err)) {
    const body = JSON.stringify({
      error: { code: "SERVICE_UNAVAILABLE", message: databaseUnavailable().message },
    });
    res.writeHead(503, { "content-type": "application/json" }).end(body);
  } else res.writeHead(500).end();
}
