import { DomainError, type ErrorCode } from "../core/errors";
import type { Experiment } from "./experiments";
import type { LatestMetric } from "./run-metrics";
import { RUN_NAME_TAG, type Run } from "./runs";

/**
 * Pure translation between Keel's experiment tracking and MLflow's REST shapes (mlflow/protos/
 * service.proto, JSON with snake_case names and int64 as numbers, as MLflow's server writes them).
 */

export interface MlflowKeyValue {
  key: string;
  value: string;
}
export interface MlflowExperiment {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: "active" | "deleted";
  last_update_time: number;
  creation_time: number;
  tags: MlflowKeyValue[];
}
export interface MlflowRunInfo {
  run_id: string;
  run_uuid: string;
  run_name: string;
  experiment_id: string;
  user_id: string;
  status: Run["status"];
  start_time: number;
  end_time?: number;
  artifact_uri: string;
  lifecycle_stage: "active" | "deleted";
}
export interface MlflowMetric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}
export interface MlflowRun {
  info: MlflowRunInfo;
  data: { metrics: MlflowMetric[]; params: MlflowKeyValue[]; tags: MlflowKeyValue[] };
  inputs: Record<string, never>;
}

const CODE_OF: Partial<Record<ErrorCode, string>> = {
  BAD_REQUEST: "INVALID_PARAMETER_VALUE",
  UNPROCESSABLE_CONTENT: "INVALID_PARAMETER_VALUE",
  NOT_FOUND: "RESOURCE_DOES_NOT_EXIST",
  CONFLICT: "RESOURCE_ALREADY_EXISTS",
  PRECONDITION_FAILED: "INVALID_STATE",
  UNAUTHORIZED: "UNAUTHENTICATED",
  FORBIDDEN: "PERMISSION_DENIED",
  PAYLOAD_TOO_LARGE: "RESOURCE_LIMIT_EXCEEDED",
  TOO_MANY_REQUESTS: "REQUEST_LIMIT_EXCEEDED",
};
export const mlflowCodeOf = (code: ErrorCode): string => CODE_OF[code] ?? "INTERNAL_ERROR";

export const experimentArtifactLocation = (experimentId: string) => `mlflow-artifacts:/${experimentId}`;
export const runArtifactUri = (experimentId: string, runId: string) => `mlflow-artifacts:/${experimentId}/${runId}/artifacts`;

const pairs = (o: Record<string, string>): MlflowKeyValue[] => Object.entries(o).map(([key, value]) => ({ key, value }));

export function toMlflowExperiment(e: Experiment): MlflowExperiment {
  return {
    experiment_id: e.id,
    name: e.name,
    artifact_location: experimentArtifactLocation(e.id),
    lifecycle_stage: e.lifecycleStage,
    last_update_time: e.updatedAt.getTime(),
    creation_time: e.createdAt.getTime(),
    tags: pairs(e.tags),
  };
}

export function toMlflowRunInfo(r: Run): MlflowRunInfo {
  const info: MlflowRunInfo = {
    run_id: r.id,
    run_uuid: r.id,
    run_name: r.name,
    experiment_id: r.experimentId,
    user_id: r.userName ?? "",
    status: r.status,
    start_time: r.startTime,
    artifact_uri: runArtifactUri(r.experimentId, r.id),
    lifecycle_stage: r.lifecycleStage,
  };
  if (r.endTime !== null) info.end_time = r.endTime;
  return info;
}

/** A run with its latest metrics; the name is also the `mlflow.runName` tag, as MLflow shows it. */
export function toMlflowRun(r: Run, metrics: readonly LatestMetric[]): MlflowRun {
  const list = metrics.map((m) => ({ key: m.key, value: m.value, timestamp: m.timestamp, step: m.step }));
  return {
    info: toMlflowRunInfo(r),
    data: { metrics: list, params: pairs(r.params), tags: pairs({ ...r.tags, [RUN_NAME_TAG]: r.name }) },
    inputs: {},
  };
}

/** A required (or optional) string field; MLflow names the field in its message. */
export function str(body: Record<string, unknown>, field: string, required: true): string;
export function str(body: Record<string, unknown>, field: string, required?: false): string | undefined;
export function str(body: Record<string, unknown>, field: string, required = false): string | undefined {
  const v = body[field];
  if (v === undefined || v === null || v === "") {
    if (required) throw new DomainError("BAD_REQUEST", `Missing value for required parameter '${field}'.`, field);
    return undefined;
  }
  if (typeof v !== "string")
    throw new DomainError("BAD_REQUEST", `Invalid value ${JSON.stringify(v)} for parameter '${field}': expected a string`, field);
  return v;
}

/** An int64 field: a number or a decimal string (protobuf JSON and query strings send either). */
export function int64(body: Record<string, unknown>, field: string): number | undefined {
  const v = body[field];
  if (v === undefined || v === null || v === "") return undefined;
  const n = typeof v === "number" ? v : typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n))
    throw new DomainError("BAD_REQUEST", `Invalid value ${JSON.stringify(v)} for parameter '${field}': expected an integer`, field);
  return n;
}

/** The run id of a request: `run_id`, or the deprecated `run_uuid`. */
export function runIdOf(body: Record<string, unknown>): string {
  const id = str(body, "run_id") ?? str(body, "run_uuid");
  if (!id) throw new DomainError("BAD_REQUEST", "Missing value for required parameter 'run_id'.", "run_id");
  return id;
}

/** Protobuf's JSON spelling of the doubles JSON cannot hold (MLflow sends and answers these). */
const NON_FINITE: Record<string, number> = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, "-Infinity": Number.NEGATIVE_INFINITY };

/**
 * A double: a JSON number, a decimal string, or "NaN" / "Infinity" / "-Infinity" as protobuf's JSON
 * mapping writes them. Anything else is a 400 naming the field (never silently NaN).
 */
export function double(v: unknown, field: string): number {
  if (typeof v === "number") return v;
  if (typeof v === "string") {
    const t = v.trim();
    if (t in NON_FINITE) return NON_FINITE[t] as number;
    if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return Number(t);
  }
  if (v === undefined || v === null || v === "")
    throw new DomainError("BAD_REQUEST", `Missing value for required parameter '${field}'.`, field);
  throw new DomainError("BAD_REQUEST", `Invalid value ${JSON.stringify(v)} for parameter '${field}': expected a number`, field);
}

/**
 * `[{key, value}]` to a record. Within one request a key given twice with different values is
 * refused (for params, as MLflow; for tags the last wins).
 */
export function keyValues(list: unknown, field: string, conflicting: "refuse" | "last"): Record<string, string> {
  if (list === undefined || list === null) return {};
  if (!Array.isArray(list)) throw new DomainError("BAD_REQUEST", `'${field}' must be a list of {key, value}`, field);
  const out: Record<string, string> = {};
  list.forEach((item, i) => {
    const o = (item ?? {}) as Record<string, unknown>;
    const key = o.key;
    const value = o.value ?? "";
    if (typeof key !== "string" || !key)
      throw new DomainError("BAD_REQUEST", `Missing value for required parameter '${field}[${i}].key'.`, `${field}.${i}.key`);
    const text = typeof value === "string" ? value : typeof value === "number" || typeof value === "boolean" ? String(value) : null;
    if (text === null) throw new DomainError("BAD_REQUEST", `${field} ${key}: value must be a string`, `${field}.${i}.value`);
    if (conflicting === "refuse" && key in out && out[key] !== text)
      throw new DomainError("BAD_REQUEST", `Duplicate ${field} key '${key}' with different values in one request`, `${field}.${i}`);
    out[key] = text;
  });
  return out;
}

/** An MLflow metric as sent (`model_id` and the dataset link are MLflow 3's logged-model fields). */
export interface MlflowMetricIn {
  key: string;
  value: number;
  step?: number;
  timestamp?: number;
  modelId?: string;
  datasetName?: string;
  datasetDigest?: string;
}

/**
 * MLflow metric objects to Keel points. Values may be NaN or ±Infinity (MLflow stores them; the
 * MLflow routes pass `nonFinite` to the service). `prefix` names the fields: `metrics[2].value`, or
 * the bare `value` of log-metric.
 */
export function metricPoints(list: unknown, prefix = (i: number) => `metrics[${i}].`): MlflowMetricIn[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new DomainError("BAD_REQUEST", "'metrics' must be a list of {key, value, timestamp, step}", "metrics");
  return list.map((item, i) => {
    const o = (item ?? {}) as Record<string, unknown>;
    const at = prefix(i);
    if (typeof o.key !== "string" || !o.key)
      throw new DomainError("BAD_REQUEST", `Missing value for required parameter '${at}key'.`, `${at}key`);
    const point: MlflowMetricIn = {
      key: o.key,
      value: double(o.value, `${at}value`),
      step: int64(o, "step"),
      timestamp: int64(o, "timestamp"),
    };
    const modelId = str(o, "model_id");
    if (modelId) point.modelId = modelId;
    const datasetName = str(o, "dataset_name");
    if (datasetName) point.datasetName = datasetName;
    const datasetDigest = str(o, "dataset_digest");
    if (datasetDigest) point.datasetDigest = datasetDigest;
    return point;
  });
}

/** ViewType: ACTIVE_ONLY (1, default), DELETED_ONLY (2), ALL (3), by name or number. */
export function viewType(v: unknown): "active" | "deleted" | "all" {
  if (v === undefined || v === null || v === "" || v === "ACTIVE_ONLY" || v === 1 || v === "1") return "active";
  if (v === "DELETED_ONLY" || v === 2 || v === "2") return "deleted";
  if (v === "ALL" || v === 3 || v === "3") return "all";
  throw new DomainError("BAD_REQUEST", `Invalid view type ${JSON.stringify(v)}: use ACTIVE_ONLY, DELETED_ONLY or ALL`, "view_type");
}

/** max_results within [1, cap], `fallback` when absent. */
export function maxResults(body: Record<string, unknown>, fallback: number, cap: number): number {
  const n = int64(body, "max_results") ?? fallback;
  if (n < 1 || n > cap)
    throw new DomainError("BAD_REQUEST", `Invalid value ${n} for parameter 'max_results': must be 1 to ${cap}`, "max_results");
  return n;
}

/** order_by as a list of strings (GET sends one string); Keel honours the first. */
export function firstOrderBy(v: unknown): string | undefined {
  const list = Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
  const first = list.find((x) => typeof x === "string" && x.trim());
  if (list.some((x) => typeof x !== "string")) throw new DomainError("BAD_REQUEST", "order_by must be a list of strings", "order_by");
  return first as string | undefined;
}
