import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { logger } from "../core/logger";
import { getRuntime } from "../core/runtime";
import { toTRPCError } from "../trpc/errors";
import { appRouter } from "../trpc/root";
import { contextFromRequest } from "./context";
import { jsonError } from "./json";
import { readBody } from "./request";

/** `/api/trpc/*`: body size capped before tRPC parses it; auth and CSRF check in the context. */
export async function handleTrpc(req: Request): Promise<Response> {
  let request = req;
  try {
    if (req.method === "POST") {
      const body = await readBody(req);
      request = new Request(req.url, { method: req.method, headers: req.headers, body });
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
