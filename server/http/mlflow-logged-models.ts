import { DomainError } from "../core/errors";
import {
  createLoggedModel,
  DEFAULT_EXPERIMENT,
  deleteLoggedModel,
  directoryLevel,
  type Experiment,
  ensureExperiment,
  finalizeLoggedModel,
  getExperiment,
  getExperimentByName,
  getLoggedModel,
  type LoggedModel,
  listLoggedModelFiles,
  logBatch,
  loggedMetricValue,
  loggedModelStatusOf,
  logLoggedModelParams,
  mlflowShapes,
  parseLoggedModelOrder,
  recordLoggedModelMetrics,
  searchLoggedModels,
  setLoggedModelTags,
} from "../registry";
import type { MlflowContext, MlflowRoute } from "./mlflow-core";

const { keyValues, maxResults, runIdOf, str } = mlflowShapes;

/** MLflow's experiment id "0" (the Default experiment, where clients log when none is set). */
export async function experimentOf(c: MlflowContext, id: string, create = false): Promise<Experiment> {
  if (id !== "0") return getExperiment(c.db, c.project.id, id);
  if (create) return ensureExperiment(c.db, c.actor, c.project.id, DEFAULT_EXPERIMENT);
  return getExperimentByName(c.db, c.project.id, DEFAULT_EXPERIMENT);
}

type LogInput = Omit<Parameters<typeof logBatch>[3], "metrics"> & { metrics?: ReturnType<typeof mlflowShapes.metricPoints> };

/**
 * Log to a run through the one batch path (all or nothing, params immutable, latest metrics kept),
 * NaN and ±Infinity admitted as MLflow admits them. Metrics that name a logged model (MLflow 3's
 * `model_id`) are recorded on it in the same transaction: an unknown model writes nothing.
 */
export async function logToRun(c: MlflowContext, input: LogInput): Promise<void> {
  const runId = runIdOf(c.params);
  const forModels = (input.metrics ?? []).flatMap((m) => (m.modelId ? [{ ...m, modelId: m.modelId }] : []));
  if (!forModels.length) return logBatch(c.db, c.project.id, runId, input, { nonFinite: true });
  await c.db.transaction(async (tx) => {
    await logBatch(tx, c.project.id, runId, input, { nonFinite: true });
    await recordLoggedModelMetrics(tx, c.project.id, runId, forModels);
  });
}

const STATUS_NAME = { pending: "LOGGED_MODEL_PENDING", ready: "LOGGED_MODEL_READY", failed: "LOGGED_MODEL_UPLOAD_FAILED" } as const;
const pairs = (o: Record<string, string>) => Object.entries(o).map(([key, value]) => ({ key, value }));

/** A logged model as MLflow's LoggedModel (`{info, data}`; unset fields left out, as protobuf's JSON does). */
export function toMlflowLoggedModel(m: LoggedModel) {
  const info: Record<string, unknown> = {
    model_id: m.id,
    experiment_id: m.experimentId,
    name: m.name,
    creation_timestamp_ms: m.createdAt.getTime(),
    last_updated_timestamp_ms: m.updatedAt.getTime(),
    artifact_uri: m.artifactLocation,
    status: STATUS_NAME[m.status],
    tags: pairs(m.tags),
  };
  if (m.modelType) info.model_type = m.modelType;
  if (m.sourceRunId) info.source_run_id = m.sourceRunId;
  if (m.statusMessage) info.status_message = m.statusMessage;
  const metrics = m.metrics.map((x) => ({
    key: x.key,
    value: loggedMetricValue(x.value),
    timestamp: x.timestamp,
    step: x.step,
    model_id: m.id,
    ...(x.runId ? { run_id: x.runId } : {}),
    ...(x.datasetName ? { dataset_name: x.datasetName } : {}),
    ...(x.datasetDigest ? { dataset_digest: x.datasetDigest } : {}),
  }));
  return { info, data: { params: pairs(m.params), metrics } };
}

const modelIdOf = (c: MlflowContext) => str(c.params, "model_id", true);
const modelOut = (m: LoggedModel) => ({ model: toMlflowLoggedModel(m) });

/** MLflow 3's logged-model endpoints (under /api/2.0/mlflow, as MLflow serves them). */
export const MLFLOW_LOGGED_MODEL_ROUTES: MlflowRoute[] = [
  {
    method: "POST",
    path: "/logged-models",
    write: true,
    handle: async (c) => {
      const e = await experimentOf(c, str(c.params, "experiment_id", true), true);
      const m = await createLoggedModel(c.db, c.actor, c.project.id, {
        experimentId: e.id,
        name: str(c.params, "name"),
        modelType: str(c.params, "model_type"),
        sourceRunId: str(c.params, "source_run_id"),
        params: keyValues(c.params.params, "params", "refuse"),
        tags: keyValues(c.params.tags, "tags", "last"),
      });
      return modelOut(m);
    },
  },
  {
    method: "POST",
    path: "/logged-models/search",
    handle: async (c) => {
      const ids = c.params.experiment_ids;
      const list = Array.isArray(ids) ? ids : ids === undefined || ids === null ? [] : [ids];
      if (!list.length) throw new DomainError("BAD_REQUEST", "Missing value for required parameter 'experiment_ids'.", "experiment_ids");
      const experiments = await Promise.all(list.map((id) => experimentOf(c, String(id))));
      if (Array.isArray(c.params.datasets) && c.params.datasets.length)
        throw new DomainError("BAD_REQUEST", "Searching logged models by dataset is not supported; filter on metrics.<key>", "datasets");
      const page = await searchLoggedModels(c.db, c.project.id, {
        experimentIds: experiments.map((e) => e.id),
        filter: str(c.params, "filter"),
        order: parseLoggedModelOrder(c.params.order_by),
        cursor: str(c.params, "page_token"),
        limit: maxResults(c.params, 100, 1000),
      });
      return { models: page.items.map(toMlflowLoggedModel), ...(page.nextCursor ? { next_page_token: page.nextCursor } : {}) };
    },
  },
  {
    method: "GET",
    path: "/logged-models/:model_id",
    handle: async (c) => modelOut(await getLoggedModel(c.db, c.project.id, modelIdOf(c))),
  },
  {
    method: "PATCH",
    path: "/logged-models/:model_id",
    write: true,
    handle: async (c) => {
      const status = loggedModelStatusOf(c.params.status);
      if (status !== "ready" && status !== "failed")
        throw new DomainError(
          "BAD_REQUEST",
          `Invalid value ${JSON.stringify(c.params.status ?? null)} for parameter 'status': use LOGGED_MODEL_READY or LOGGED_MODEL_UPLOAD_FAILED`,
          "status",
        );
      return modelOut(await finalizeLoggedModel(c.db, c.project.id, modelIdOf(c), status, str(c.params, "status_message")));
    },
  },
  {
    method: "DELETE",
    path: "/logged-models/:model_id",
    write: true,
    handle: async (c) => {
      await deleteLoggedModel(c.db, c.actor, c.project.id, modelIdOf(c));
      return {};
    },
  },
  {
    method: "POST",
    path: "/logged-models/:model_id/params",
    write: true,
    handle: async (c) => {
      await logLoggedModelParams(c.db, c.project.id, modelIdOf(c), keyValues(c.params.params, "params", "refuse"));
      return {};
    },
  },
  {
    method: "PATCH",
    path: "/logged-models/:model_id/tags",
    write: true,
    handle: async (c) => {
      await setLoggedModelTags(c.db, c.project.id, modelIdOf(c), keyValues(c.params.tags, "tags", "last"));
      return {};
    },
  },
  {
    method: "DELETE",
    path: "/logged-models/:model_id/tags/:tag_key",
    write: true,
    handle: async (c) => {
      await setLoggedModelTags(c.db, c.project.id, modelIdOf(c), { [str(c.params, "tag_key", true)]: null });
      return {};
    },
  },
  {
    method: "GET",
    path: "/logged-models/:model_id/artifacts/directories",
    handle: async (c) => {
      const m = await getLoggedModel(c.db, c.project.id, modelIdOf(c));
      const dir = (str(c.params, "artifact_directory_path") ?? "").replace(/^\/+|\/+$/g, "");
      const level = directoryLevel(await listLoggedModelFiles(c.db, c.project.id, m.id, dir), dir);
      const files = level.map((e) => {
        const path = dir ? `${dir}/${e.name}` : e.name;
        return e.isDir ? { path, is_dir: true } : { path, is_dir: false, file_size: e.size };
      });
      return { root_uri: m.artifactLocation, files };
    },
  },
];
