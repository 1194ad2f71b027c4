import { DomainError } from "../core/errors";
import {
  checkRunArtifactPath,
  createExperiment,
  createRun,
  deleteRunTag,
  directoryLevel,
  getExperimentByName,
  getRun,
  getRunDetail,
  latestMetrics,
  listExperiments,
  listRunArtifacts,
  metricHistory,
  mlflowShapes,
  searchRuns,
  setExperimentLifecycle,
  setExperimentTag,
  setRunLifecycle,
  updateExperiment,
  updateRun,
} from "../registry";
import { type HandlerEntry, handlerRoute, type ProjectContext } from "./entry";
import { listMlflowArtifacts, serveMlflowArtifact } from "./mlflow-artifacts";
import type { MlflowContext, MlflowRoute } from "./mlflow-core";
import { mlflowJsonText, readMlflowJson } from "./mlflow-json";
import { experimentOf, logToRun, MLFLOW_LOGGED_MODEL_ROUTES } from "./mlflow-logged-models";
import { MLFLOW_REGISTRY_ROUTES } from "./mlflow-registry";
import { MLFLOW_TRACE_ROUTES } from "./mlflow-traces";

export { type MlflowContext, type MlflowRoute, mlflowError, mlflowErrorOf } from "./mlflow-core";

const {
  firstOrderBy,
  int64,
  keyValues,
  maxResults,
  metricPoints,
  runIdOf,
  str,
  toMlflowExperiment,
  toMlflowRun,
  toMlflowRunInfo,
  viewType,
} = mlflowShapes;

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
      await logToRun(c, { metrics: metricPoints([c.params], () => "") });
      return {};
    },
  },
  {
    method: "POST",
    path: "/runs/log-parameter",
    write: true,
    handle: async (c) => {
      const params = keyValues([{ key: str(c.params, "key", true), value: c.params.value ?? "" }], "params", "refuse");
      await logToRun(c, { params });
      return {};
    },
  },
  {
    method: "POST",
    path: "/runs/log-batch",
    write: true,
    handle: async (c) => {
      await logToRun(c, {
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
      await logToRun(c, { tags: keyValues([{ key: str(c.params, "key", true), value: c.params.value ?? "" }], "tags", "last") });
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
  // Dataset inputs, run outputs (MLflow 3's log_model names the logged model) and MLflow 2's
  // logged-model records are accepted for client compatibility, not stored.
  ...["/runs/log-inputs", "/runs/log-model", "/runs/outputs"].map(
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
  {
    method: "GET",
    path: "/artifacts/list",
    handle: async (c) => {
      const run = await getRun(c.db, c.project.id, runIdOf(c.params));
      const dir = str(c.params, "path") ?? "";
      if (dir) checkRunArtifactPath(dir);
      const level = directoryLevel(await listRunArtifacts(c.db, c.project.id, run.id, dir), dir);
      // paths from the run's artifact root, as MLflow's ListArtifacts answers them
      const files = level.map((e) => {
        const path = dir ? `${dir.replace(/\/+$/, "")}/${e.name}` : e.name;
        return e.isDir ? { path, is_dir: true } : { path, is_dir: false, file_size: e.size };
      });
      return { root_uri: toMlflowRunInfo(run).artifact_uri, files };
    },
  },
];

/**
 * Every MLflow route: experiments, runs, metrics, then the model registry's (mlflow-registry.ts),
 * MLflow 3's logged models (mlflow-logged-models.ts) and traces (mlflow-traces.ts, under /api/3.0).
 */
export const MLFLOW_ROUTES: MlflowRoute[] = [
  ...EXPERIMENT_ROUTES,
  ...RUN_ROUTES,
  ...MLFLOW_REGISTRY_ROUTES,
  ...MLFLOW_LOGGED_MODEL_ROUTES,
  ...MLFLOW_TRACE_ROUTES,
];

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

/**
 * One MLflow route, past the auth step (project, role): its params (the path's over the body's or
 * query's), its answer. Bodies may carry NaN and ±Infinity as MLflow's clients send them, and
 * answers write them as MLflow does ("NaN", "Infinity", "-Infinity"): see mlflow-json.ts.
 */
async function serveMlflowRoute(route: MlflowRoute, req: Request, c: ProjectContext): Promise<Response> {
  const params = { ...(req.method === "GET" ? queryParams(c.url) : await readMlflowJson(req)), ...c.params };
  const { db, principal, actor, project, url, trpc } = c;
  const out = await route.handle({ db, principal, actor, project, req, url, params, trpc });
  if (out instanceof Response) return out;
  return new Response(mlflowJsonText(out ?? {}), { headers: { "content-type": "application/json" } });
}

const keyed = ["session", "secretKey"] as const;

/** MLflow's tracking REST API and artifact proxy as route entries: project from the key or `?project=`, writes engineer. */
export const MLFLOW_TABLE: HandlerEntry[] = [
  ...MLFLOW_ROUTES.map((r) =>
    handlerRoute({
      method: r.method,
      path: `${r.prefix ?? "/api/2.0/mlflow"}${r.path}`,
      tag: "mlflow",
      summary: `MLflow ${r.prefix === "/api/3.0/mlflow" ? "3 " : ""}API: ${r.method} ${r.path.slice(1)}`,
      auth: keyed,
      role: r.write ? "engineer" : "viewer",
      project: "key",
      request: r.method === "GET" ? "none" : "json",
      response: "json",
      errors: "mlflow",
      handle: (req, c) => serveMlflowRoute(r, req, c),
    }),
  ),
  handlerRoute({
    method: "GET",
    path: "/api/2.0/mlflow-artifacts/artifacts",
    tag: "mlflow",
    summary: "List one directory of a run's artifacts (?path=)",
    auth: keyed,
    role: "viewer",
    project: "key",
    request: "none",
    response: "json",
    errors: "mlflow",
    handle: (_req, c) => listMlflowArtifacts(c),
  }),
  ...(
    [
      ["GET", "Download a run artifact", "none", "bytes"],
      ["PUT", "Upload a run artifact (raw body, streamed)", "bytes", "json"],
    ] as const
  ).map(([method, summary, request, response]) =>
    handlerRoute({
      method,
      path: "/api/2.0/mlflow-artifacts/artifacts/*path",
      tag: "mlflow",
      summary,
      auth: keyed,
      role: method === "PUT" ? "engineer" : "viewer",
      project: "key",
      request,
      response,
      errors: "mlflow",
      handle: (req, c) => serveMlflowArtifact(req, c),
    }),
  ),
];
