import { DomainError } from "../core/errors";
import { logger } from "../core/logger";
import {
  createExperiment,
  createRun,
  DEFAULT_EXPERIMENT,
  deleteRunTag,
  type Experiment,
  ensureExperiment,
  getExperiment,
  getExperimentByName,
  getRun,
  getRunDetail,
  latestMetrics,
  listExperiments,
  logBatch,
  metricHistory,
  mlflowShapes,
  searchRuns,
  setExperimentLifecycle,
  setExperimentTag,
  setRunLifecycle,
  updateExperiment,
  updateRun,
} from "../registry";
import { actorOf, atLeast } from "../workspace";
import { handleMlflowArtifacts } from "./mlflow-artifacts";
import { type MlflowContext, type MlflowRoute, mlflowError } from "./mlflow-core";
import { MLFLOW_REGISTRY_ROUTES } from "./mlflow-registry";
import { readJsonObject } from "./request";
import { scopedAccess } from "./scope";

export { type MlflowContext, type MlflowRoute, mlflowError } from "./mlflow-core";

const {
  firstOrderBy,
  int64,
  keyValues,
  maxResults,
  metricPoints,
  mlflowCodeOf,
  runIdOf,
  str,
  toMlflowExperiment,
  toMlflowRun,
  toMlflowRunInfo,
  viewType,
} = mlflowShapes;

/** MLflow's experiment id "0" (the Default experiment, where clients log when none is set). */
async function experimentOf(c: MlflowContext, id: string, create = false): Promise<Experiment> {
  if (id !== "0") return getExperiment(c.db, c.project.id, id);
  if (create) return ensureExperiment(c.db, c.actor, c.project.id, DEFAULT_EXPERIMENT);
  return getExperimentByName(c.db, c.project.id, DEFAULT_EXPERIMENT);
}

const experimentId = (c: MlflowContext) => str(c.params, "experiment_id", true);

const EXPERIMENT_ROUTES: MlflowRoute[] = [
  {
    method: "POST",
    path: "/experiments/create",
    write: true,
    handle: async (c) => {
      const name = str(c.params, "name", true);
      const tags = keyValues(c.params.tags, "tags", "last");
      const e = await createExperiment(c.db, c.actor, c.project.id, { name, tags });
      return { experiment_id: e.id };
    },
  },
  {
    method: "GET",
    path: "/experiments/get",
    handle: async (c) => ({ experiment: toMlflowExperiment(await experimentOf(c, experimentId(c))) }),
  },
  {
    method: "GET",
    path: "/experiments/get-by-name",
    handle: async (c) => ({
      experiment: toMlflowExperiment(await getExperimentByName(c.db, c.project.id, str(c.params, "experiment_name", true))),
    }),
  },
  ...(["POST", "GET"] as const).map(
    (method): MlflowRoute => ({
      method,
      path: "/experiments/search",
      handle: async (c) => {
        const page = await listExperiments(c.db, c.project.id, {
          limit: maxResults(c.params, 1000, 50_000),
          cursor: str(c.params, "page_token"),
          filter: str(c.params, "filter"),
          lifecycle: viewType(c.params.view_type),
        });
        return { experiments: page.items.map(toMlflowExperiment), ...(page.nextCursor ? { next_page_token: page.nextCursor } : {}) };
      },
    }),
  ),
  {
    method: "POST",
    path: "/experiments/update",
    write: true,
    handle: async (c) => {
      const e = await experimentOf(c, experimentId(c));
      const name = str(c.params, "new_name");
      if (name !== undefined) await updateExperiment(c.db, c.actor, c.project.id, e.id, { name });
      return {};
    },
  },
  ...(["delete", "restore"] as const).map(
    (op): MlflowRoute => ({
      method: "POST",
      path: `/experiments/${op}`,
      write: true,
      handle: async (c) => {
        const e = await experimentOf(c, experimentId(c));
        await setExperimentLifecycle(c.db, c.actor, c.project.id, e.id, op === "delete" ? "deleted" : "active");
        return {};
      },
    }),
  ),
  {
    method: "POST",
    path: "/experiments/set-experiment-tag",
    write: true,
    handle: async (c) => {
      const e = await experimentOf(c, experimentId(c));
      await setExperimentTag(c.db, c.project.id, e.id, str(c.params, "key", true), str(c.params, "value") ?? "");
      return {};
    },
  },
];

/** Log through the one batch path (all or nothing, params immutable, latest metrics kept). */
const logTo = (c: MlflowContext, input: Parameters<typeof logBatch>[3]) => logBatch(c.db, c.project.id, runIdOf(c.params), input);

const RUN_ROUTES: MlflowRoute[] = [
  {
    method: "POST",
    path: "/runs/create",
    write: true,
    handle: async (c) => {
      const e = await experimentOf(c, str(c.params, "experiment_id") ?? "0", true);
      const run = await createRun(c.db, c.actor, c.project.id, {
        experimentId: e.id,
        name: str(c.params, "run_name"),
        startTime: int64(c.params, "start_time"),
        tags: keyValues(c.params.tags, "tags", "last"),
        userName: str(c.params, "user_id"),
      });
      return { run: toMlflowRun(run, []) };
    },
  },
  {
    method: "GET",
    path: "/runs/get",
    handle: async (c) => {
      const run = await getRunDetail(c.db, c.project.id, runIdOf(c.params));
      return { run: toMlflowRun(run, run.metrics) };
    },
  },
  {
    method: "POST",
    path: "/runs/update",
    write: true,
    handle: async (c) => {
      const status = str(c.params, "status");
      const run = await updateRun(c.db, c.project.id, runIdOf(c.params), {
        status: status as never,
        endTime: int64(c.params, "end_time"),
        name: str(c.params, "run_name"),
      });
      return { run_info: toMlflowRunInfo(run) };
    },
  },
  ...(["delete", "restore"] as const).map(
    (op): MlflowRoute => ({
      method: "POST",
      path: `/runs/${op}`,
      write: true,
      handle: async (c) => {
        await setRunLifecycle(c.db, c.actor, c.project.id, runIdOf(c.params), op === "delete" ? "deleted" : "active");
        return {};
      },
    }),
  ),
  {
    method: "POST",
    path: "/runs/search",
    handle: async (c) => {
      const ids = c.params.experiment_ids;
      const list = Array.isArray(ids) ? ids : ids === undefined ? [] : [ids];
      if (!list.length) throw new DomainError("BAD_REQUEST", "Missing value for required parameter 'experiment_ids'.", "experiment_ids");
      const experiments = await Promise.all(list.map((id) => experimentOf(c, String(id))));
      const page = await searchRuns(c.db, c.project.id, {
        experimentIds: experiments.map((e) => e.id),
        filter: str(c.params, "filter"),
        orderBy: firstOrderBy(c.params.order_by),
        lifecycle: viewType(c.params.run_view_type),
        cursor: str(c.params, "page_token"),
        limit: maxResults(c.params, 1000, 50_000),
      });
      const metrics = await latestMetrics(
        c.db,
        page.items.map((r) => r.id),
      );
      return {
        runs: page.items.map((r) => toMlflowRun(r, metrics.get(r.id) ?? [])),
        ...(page.nextCursor ? { next_page_token: page.nextCursor } : {}),
      };
    },
  },
  {
    method: "POST",
    path: "/runs/log-metric",
    write: true,
    handle: async (c) => {
      const [point] = metricPoints([c.params]);
      await logTo(c, { metrics: point ? [point] : [] });
      return {};
    },
  },
  {
    method: "POST",
    path: "/runs/log-parameter",
    write: true,
    handle: async (c) => {
      const params = keyValues([{ key: str(c.params, "key", true), value: c.params.value ?? "" }], "params", "refuse");
      await logTo(c, { params });
      return {};
    },
  },
  {
    method: "POST",
    path: "/runs/log-batch",
    write: true,
    handle: async (c) => {
      await logTo(c, {
        metrics: metricPoints(c.params.metrics),
        params: keyValues(c.params.params, "params", "refuse"),
        tags: keyValues(c.params.tags, "tags", "last"),
      });
      return {};
    },
  },
  {
    method: "POST",
    path: "/runs/set-tag",
    write: true,
    handle: async (c) => {
      await logTo(c, { tags: keyValues([{ key: str(c.params, "key", true), value: c.params.value ?? "" }], "tags", "last") });
      return {};
    },
  },
  {
    method: "POST",
    path: "/runs/delete-tag",
    write: true,
    handle: async (c) => {
      await deleteRunTag(c.db, c.project.id, runIdOf(c.params), str(c.params, "key", true));
      return {};
    },
  },
  // Dataset inputs and logged-model records are accepted for client compatibility, not stored.
  ...["/runs/log-inputs", "/runs/log-model"].map(
    (path): MlflowRoute => ({
      method: "POST",
      path,
      write: true,
      handle: async (c) => {
        await getRun(c.db, c.project.id, runIdOf(c.params));
        return {};
      },
    }),
  ),
  {
    method: "GET",
    path: "/metrics/get-history",
    handle: async (c) => {
      const key = str(c.params, "metric_key", true);
      const limit = c.params.max_results === undefined ? undefined : maxResults(c.params, 25_000, 100_000);
      const h = await metricHistory(c.db, c.project.id, runIdOf(c.params), key, { cursor: str(c.params, "page_token"), limit });
      const metrics = h.steps.map((step, i) => ({ key, value: h.values[i], timestamp: h.timestamps[i], step }));
      return { metrics, ...(h.nextCursor ? { next_page_token: h.nextCursor } : {}) };
    },
  },
];

/** Every MLflow tracking route: experiments, runs, metrics, then the model registry's (mlflow-registry.ts). */
export const MLFLOW_ROUTES: MlflowRoute[] = [...EXPERIMENT_ROUTES, ...RUN_ROUTES, ...MLFLOW_REGISTRY_ROUTES];

/** A GET's query string as params: one value as a string, a repeated key as a list. */
function queryParams(url: URL): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of new Set(url.searchParams.keys())) {
    if (k === "project") continue;
    const all = url.searchParams.getAll(k);
    out[k] = all.length > 1 ? all : all[0];
  }
  return out;
}

/** Any error as MLflow's `{"error_code", "message"}`; 5xx details stay in the log. */
export function mlflowErrorOf(err: unknown): Response {
  if (err instanceof DomainError) return mlflowError(mlflowCodeOf(err.code), err.message);
  logger.error({ err }, "mlflow request failed");
  return mlflowError("INTERNAL_ERROR", "Internal server error");
}

/** MLflow's tracking REST API (`/api/2.0/mlflow/...`) and artifact proxy (`/api/2.0/mlflow-artifacts/...`). */
export async function handleMlflow(req: Request): Promise<Response> {
  const url = new URL(req.url);
  try {
    if (url.pathname.startsWith("/api/2.0/mlflow-artifacts/")) return await handleMlflowArtifacts(req, url);
    const path = url.pathname.replace(/^\/api\/2\.0\/mlflow/, "").replace(/\/+$/, "");
    const candidates = MLFLOW_ROUTES.filter((r) => r.path === path);
    if (!candidates.length) return mlflowError("ENDPOINT_NOT_FOUND", `No endpoint ${req.method} ${url.pathname}`);
    const route = candidates.find((r) => r.method === req.method);
    if (!route) return mlflowError("ENDPOINT_NOT_FOUND", `${req.method} is not allowed for ${url.pathname}`, 405);
    return await serveMlflowRoute(route, req);
  } catch (err) {
    return mlflowErrorOf(err);
  }
}

/** One MLflow route, once the route table (or handleMlflow) picked it: project, role, params, answer. */
export async function serveMlflowRoute(route: MlflowRoute, req: Request): Promise<Response> {
  try {
    const url = new URL(req.url);
    const { db, principal, project } = await scopedAccess(req);
    if (route.write && !atLeast(project.role, "engineer"))
      throw new DomainError("FORBIDDEN", `You act as ${project.role} here; this needs engineer or higher`);
    const params = req.method === "GET" ? queryParams(url) : await readJsonObject(req);
    const out = await route.handle({ db, principal, actor: actorOf(principal), project, req, url, params });
    if (out instanceof Response) return out;
    return new Response(JSON.stringify(out ?? {}), { headers: { "content-type": "application/json" } });
  } catch (err) {
    return mlflowErrorOf(err);
  }
}
