import { createCaller } from "../trpc/root";
import { json, jsonError } from "./json";
import { readJsonObject } from "./request";
import { type Params, pickRoute, queryInput } from "./routes";
import { scopedAccess } from "./scope";

type Caller = ReturnType<typeof createCaller>;
type Body = Record<string, unknown>;
interface Route {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  pattern: string;
  status?: number;
  call: (api: Caller, ps: Params, body: Body, query: Body, projectId: string) => Promise<unknown>;
}

/**
 * `/api/v1/drift/...`: the drift procedures (api.drift.*) under REST paths, project from the secret
 * key or `?project=`; the same auth, roles, schemas and services as tRPC.
 */
const ROUTES: Route[] = [
  { method: "GET", pattern: "/drift/monitors", call: (api, _, __, q, projectId) => api.drift.monitors.list({ ...q, projectId }) },
  {
    method: "POST",
    pattern: "/drift/monitors",
    status: 201,
    call: (api, _, b, __, projectId) => api.drift.monitors.create({ ...b, projectId }),
  },
  {
    method: "GET",
    pattern: "/drift/monitors/:monitor",
    call: (api, ps, _, __, projectId) => api.drift.monitors.get({ monitor: ps.monitor ?? "", projectId }),
  },
  {
    method: "PATCH",
    pattern: "/drift/monitors/:monitor",
    call: (api, ps, b, __, projectId) => api.drift.monitors.update({ monitor: ps.monitor ?? "", patch: b, projectId }),
  },
  {
    method: "DELETE",
    pattern: "/drift/monitors/:monitor",
    call: (api, ps, _, __, projectId) => api.drift.monitors.delete({ monitor: ps.monitor ?? "", projectId }),
  },
  {
    method: "POST",
    pattern: "/drift/monitors/:monitor/run",
    status: 201,
    call: (api, ps, _, __, projectId) => api.drift.monitors.run({ monitor: ps.monitor ?? "", projectId }),
  },
  {
    method: "GET",
    pattern: "/drift/monitors/:monitor/runs",
    call: (api, ps, _, q, projectId) => api.drift.runs.list({ ...q, monitor: ps.monitor ?? "", projectId }),
  },
  {
    method: "GET",
    pattern: "/drift/monitors/:monitor/rules",
    call: (api, ps, _, __, projectId) => api.drift.rules.list({ monitor: ps.monitor ?? "", projectId }),
  },
  {
    method: "POST",
    pattern: "/drift/monitors/:monitor/rules",
    status: 201,
    call: (api, ps, b, __, projectId) => api.drift.rules.create({ monitor: ps.monitor ?? "", rule: b, projectId }),
  },
  {
    method: "GET",
    pattern: "/drift/runs/:runId",
    call: (api, ps, _, __, projectId) => api.drift.runs.get({ runId: ps.runId ?? "", projectId }),
  },
  { method: "GET", pattern: "/drift/alerts", call: (api, _, __, q, projectId) => api.drift.alerts.list({ ...q, projectId }) },
  {
    method: "POST",
    pattern: "/drift/alerts/:alertId/acknowledge",
    call: (api, ps, _, __, projectId) => api.drift.alerts.acknowledge({ alertId: ps.alertId ?? "", projectId }),
  },
];

export async function handleDrift(req: Request, path: string): Promise<Response> {
  try {
    const picked = pickRoute(ROUTES, req.method, path);
    if (picked instanceof Response) return picked;
    const body: Body = req.method === "POST" || req.method === "PATCH" ? await readJsonObject(req) : {};
    const { project, ctx } = await scopedAccess(req);
    const result = await picked.route.call(createCaller(ctx), picked.params, body, queryInput(new URL(req.url)), project.id);
    return json(result, picked.route.status ?? 200);
  } catch (err) {
    return jsonError(err);
  }
}
