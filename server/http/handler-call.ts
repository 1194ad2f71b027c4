import { getRuntime } from "../core/runtime";
import { workerFromToken } from "../tuning";
import { actorOf, projectAccess } from "../workspace";
import { admit, admitCaller, admitWorker, checkRole, projectRefOf } from "./admit";
import { contextFromRequest } from "./context";
import { type AnyContext, type HandlerEntry, isOpen } from "./entry";
import { bearer } from "./request";
import type { Params } from "./routes";

/**
 * Serve a handler entry: the auth step its declaration asks for, then its handler. The step
 * authenticates once, admits only the kinds `auth` lists, resolves the project (`:projectId`, or a
 * key's own / a user's `?project=`) with membership checked once, and checks `role` against the
 * caller's role there (a key's own where the entry has no project); a worker entry resolves its
 * `wk_` token instead, and nothing else. Open entries skip it: health,
 * metrics (its token is its handler's), the widget's preflight, the documents.
 */
export async function serveHandler(entry: HandlerEntry, req: Request, url: URL, params: Params): Promise<Response> {
  const sub = url.pathname.startsWith("/api/v1/") ? url.pathname.slice(7) : url.pathname;
  // the casts: handlerRoute typed each handler for exactly the context its declaration earns here
  if (isOpen(entry.auth)) return entry.handle(req, { url, params, sub } as AnyContext);
  const { db } = await getRuntime();
  if (entry.auth.includes("workerToken")) {
    // a worker's token, resolved on every request (a revoke is felt at once); no session or key here
    const worker = admitWorker(await workerFromToken(db, bearer(req)));
    return entry.handle(req, { db, worker, url, params, sub } as AnyContext);
  }
  const trpc = await contextFromRequest(db, req, new Headers());
  const caller = { db, trpc, url, params, sub };
  if (entry.project === "none") {
    // no project to look up: ingest's hot path costs the key lookup and nothing more
    const principal = admitCaller(entry, trpc.principal);
    return entry.handle(req, { ...caller, principal, actor: actorOf(principal) } as AnyContext);
  }
  const principal = admit(entry, trpc.principal);
  const ref = entry.project === "path" ? (params.projectId ?? "") : projectRefOf(principal, req, url);
  const project = await projectAccess(db, principal, ref);
  checkRole(entry.role, principal, project.role);
  return entry.handle(req, { ...caller, principal, actor: actorOf(principal), project } as AnyContext);
}
