import { getRuntime } from "../core/runtime";
import { createCaller } from "../trpc/root";
import { contextFromRequest } from "./context";
import { handleDatasetDownload, handleDatasetUpload } from "./datasets";
import { handleDrift } from "./drift";
import { handleGateway, isGatewayPath } from "./gateway";
import { json, jsonError } from "./json";
import { handleExport, handleIngest, handleOtlpTraces, handleRatings } from "./logs";
import { handleRegistry } from "./registry";
import { readJsonObject } from "./request";
import { type Params, pickRoute, queryInput } from "./routes";
import { handleRuns } from "./runs";

type Caller = ReturnType<typeof createCaller>;
interface Route {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  pattern: string;
  status?: number;
  call: (api: Caller, params: Params, body: Record<string, unknown>, query: Record<string, unknown>) => Promise<unknown>;
}

/**
 * The public HTTP API is the tRPC procedures under REST paths: the same auth, input schemas,
 * role checks and services, so the two can never disagree.
 */
const p = (params: Params) => ({ projectId: params.projectId ?? "" });
const ROUTES: Route[] = [
  { method: "GET", pattern: "/me", call: (api) => api.workspace.auth.me() },
  { method: "GET", pattern: "/projects/:projectId", call: (api, ps) => api.workspace.projects.get(p(ps)) },
  { method: "GET", pattern: "/projects/:projectId/members", call: (api, ps, _, q) => api.workspace.members.list({ ...p(ps), ...q }) },
  {
    method: "POST",
    pattern: "/projects/:projectId/members",
    status: 201,
    call: (api, ps, b) => api.workspace.members.add({ ...b, ...p(ps) } as never),
  },
  {
    method: "PATCH",
    pattern: "/projects/:projectId/members/:memberId",
    call: (api, ps, b) => api.workspace.members.updateRole({ ...b, ...p(ps), memberId: ps.memberId } as never),
  },
  {
    method: "DELETE",
    pattern: "/projects/:projectId/members/:memberId",
    call: (api, ps) => api.workspace.members.remove({ ...p(ps), memberId: ps.memberId ?? "" }),
  },
  { method: "GET", pattern: "/projects/:projectId/keys", call: (api, ps, _, q) => api.workspace.keys.list({ ...p(ps), ...q }) },
  {
    method: "POST",
    pattern: "/projects/:projectId/keys",
    status: 201,
    call: (api, ps, b) => api.workspace.keys.create({ ...b, ...p(ps) } as never),
  },
  {
    method: "DELETE",
    pattern: "/projects/:projectId/keys/:keyId",
    call: (api, ps) => api.workspace.keys.revoke({ ...p(ps), keyId: ps.keyId ?? "" }),
  },
  { method: "GET", pattern: "/projects/:projectId/jobs", call: (api, ps, _, q) => api.jobs.list({ ...p(ps), ...q }) },
  { method: "GET", pattern: "/projects/:projectId/jobs/:jobId", call: (api, ps) => api.jobs.get({ ...p(ps), jobId: ps.jobId ?? "" }) },
  {
    method: "POST",
    pattern: "/projects/:projectId/jobs/:jobId/cancel",
    call: (api, ps) => api.jobs.cancel({ ...p(ps), jobId: ps.jobId ?? "" }),
  },
  { method: "GET", pattern: "/projects/:projectId/audit-logs", call: (api, ps, _, q) => api.workspace.audit.list({ ...p(ps), ...q }) },
  { method: "GET", pattern: "/projects/:projectId/models/local", call: (api, ps) => api.serving.localModels(p(ps)) },
];

/** Routes with their own body handling and auth rules (batch 207s, CORS for the widget). */
const RAW: Record<string, (req: Request) => Promise<Response>> = {
  "/ingest": handleIngest,
  "/ratings": handleRatings,
  "/otel/v1/traces": handleOtlpTraces,
};

export async function handleV1(req: Request): Promise<Response> {
  try {
    const url = new URL(req.url);
    const path = url.pathname.replace(/^\/api\/v1/, "") || "/";
    const raw = RAW[path];
    if (raw) {
      const allowed = path === "/ratings" ? ["POST", "OPTIONS"] : ["POST"];
      if (!allowed.includes(req.method))
        return json({ error: { code: "METHOD_NOT_SUPPORTED", message: `${req.method} is not allowed here; use POST` } }, 405, {
          allow: "POST",
        });
      return raw(req);
    }
    if (isGatewayPath(path)) return handleGateway(req, path);
    if (path.startsWith("/registry/") || path === "/registry") return handleRegistry(req, path);
    if (/^\/(runs|experiments)(\/|$)/.test(path)) return handleRuns(req, path);
    if (path.startsWith("/drift/")) return handleDrift(req, path);
    const exp = path.match(/^\/projects\/([^/]+)\/traces\/export$/);
    if (exp && req.method === "GET") return handleExport(req, decodeURIComponent(exp[1] as string));
    const upload = path.match(/^\/projects\/([^/]+)\/datasets\/([^/]+)\/versions$/);
    if (upload && req.method === "POST")
      return handleDatasetUpload(req, decodeURIComponent(upload[1] as string), decodeURIComponent(upload[2] as string));
    const download = path.match(/^\/projects\/([^/]+)\/datasets\/([^/]+)\/versions\/([^/]+)\/download$/);
    if (download && req.method === "GET")
      return handleDatasetDownload(
        req,
        decodeURIComponent(download[1] as string),
        decodeURIComponent(download[2] as string),
        decodeURIComponent(download[3] as string),
      );
    const picked = pickRoute(ROUTES, req.method, path);
    if (picked instanceof Response) return picked;
    const body = req.method === "POST" || req.method === "PATCH" ? await readJsonObject(req) : {};
    const { db } = await getRuntime();
    const resHeaders = new Headers();
    const ctx = await contextFromRequest(db, req, resHeaders);
    const result = await picked.route.call(createCaller(ctx), picked.params, body, queryInput(url));
    return json(result, picked.route.status ?? 200);
  } catch (err) {
    return jsonError(err);
  }
}
