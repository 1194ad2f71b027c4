import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { parseJsonStrict } from "../core/json-guard";
import { logger } from "../core/logger";
import { getRuntime } from "../core/runtime";
import { toTRPCError } from "../trpc/errors";
import { appRouter } from "../trpc/root";
import { contextFromRequest } from "./context";
import { jsonError } from "./json";
import { readBody } from "./request";

/**
 * Procedures whose input is checked item by item by their service (one bad event is that event's
 * 400), so the body as a whole is not held to the JSON rule.
 */
const CHECKED_PER_ITEM = new Set(["logs.ingest"]);

/**
 * `/api/trpc/*`: body size capped, and Keel's one JSON rule applied (strict UTF-8, depth, no NUL or
 * lone surrogate, finite numbers; server/core/json-guard.ts) before tRPC parses it; auth and CSRF
 * check in the context. The extra parse costs about what tRPC's own does (tens of µs a typical call).
 */
export async function handleTrpc(req: Request): Promise<Response> {
  let request = req;
  try {
    const url = new URL(req.url);
    const procedures = decodeURIComponent(url.pathname.replace(/^.*\/api\/trpc\/?/, "")).split(",");
    const checked = !procedures.every((p) => CHECKED_PER_ITEM.has(p));
    if (req.method === "POST") {
      const body = await readBody(req);
      if (checked && body.trim() && (req.headers.get("content-type") ?? "application/json").includes("json")) parseJsonStrict(body);
      request = new Request(req.url, { method: req.method, headers: req.headers, body });
    } else if (checked) {
      const input = url.searchParams.get("input");
      if (input) parseJsonStrict(input, { what: "input" });
    }
  } catch (err) {
    return jsonError(err);
  }
  const { db } = await getRuntime();
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req: request,
    router: appRouter,
    createContext: async ({ req: r, resHeaders }) => {
      try {
        return await contextFromRequest(db, r, resHeaders);
      } catch (err) {
        throw toTRPCError(err); // e.g. the origin check's FORBIDDEN keeps its code and status
      }
    },
    onError: ({ error, path }) => {
      if (error.code === "INTERNAL_SERVER_ERROR") logger.error({ err: error.cause ?? error, path }, "tRPC request failed");
    },
  });
}
