import { ingestInput, ratingPost } from "../logs";
import { handleDatasetDownload, handleDatasetUpload } from "./datasets";
import { type HandlerEntry, handlerRoute as h } from "./entry";
import { GATEWAY_ENDPOINTS, handleGateway } from "./gateway";
import { handleExport, handleIngest, handleOtlpTraces, handleRatings } from "./logs";
import { handleMlflow, MLFLOW_ROUTES, serveMlflowRoute } from "./mlflow";
import { handleHealth, handleMetrics } from "./ops";
import { RUN_ROUTES, serveRunRoute } from "./runs";

/**
 * Endpoints served by their own handler: raw or streamed bodies, batch 207s, CORS for the widget,
 * OpenAI's and MLflow's error shapes. Each is declared in full (auth, role, bodies, error shape) so
 * the OpenAPI document lists it; the handler still does its own checks until it is moved onto the
 * dispatcher's steps.
 */
const keyed = ["session", "secretKey"] as const;

const LOGS: HandlerEntry[] = [
  h({
    method: "POST",
    path: "/api/v1/ingest",
    summary: "Log a batch of calls (up to 1,000 events or 5 MB): 207, one result per event",
    auth: ["secretKey"],
    role: "engineer",
    inputs: [ingestInput],
    request: "json",
    response: "json",
    errors: "keel",
    status: 207,
    handle: (req) => handleIngest(req),
  }),
  ...(["POST", "OPTIONS"] as const).map((method) =>
    h({
      method,
      path: "/api/v1/ratings",
      summary: method === "POST" ? "Rate a logged call (the widget's public key, or a secret key)" : "CORS preflight for the widget",
      auth: method === "POST" ? ["publicKey", "secretKey"] : ["none"],
      role: method === "POST" ? "annotator" : null,
      inputs: method === "POST" ? [ratingPost] : [],
      request: method === "POST" ? "json" : "none",
      response: method === "POST" ? "json" : "empty",
      errors: "keel",
      status: method === "POST" ? 201 : 204,
      handle: (req) => handleRatings(req),
    }),
  ),
  h({
    method: "POST",
    path: "/api/v1/otel/v1/traces",
    summary: "OTLP/HTTP JSON traces, logged as calls",
    auth: ["secretKey"],
    role: "engineer",
    request: "json",
    response: "json",
    errors: "keel",
    handle: (req) => handleOtlpTraces(req),
  }),
  h({
    method: "GET",
    path: "/api/v1/projects/:projectId/traces/export",
    summary: "Export logged calls as NDJSON or CSV, streamed",
    auth: keyed,
    role: "viewer",
    request: "none",
    response: "ndjson",
    errors: "keel",
    handle: (req, { params }) => handleExport(req, params.projectId ?? ""),
  }),
];

const DATASETS: HandlerEntry[] = [
  h({
    method: "POST",
    path: "/api/v1/projects/:projectId/datasets/:dataset/versions",
    summary: "Upload a dataset version (JSONL or CSV body)",
    auth: keyed,
    role: "engineer",
    request: "bytes",
    response: "json",
    errors: "keel",
    status: 201,
    handle: (req, { params }) => handleDatasetUpload(req, params.projectId ?? "", params.dataset ?? ""),
  }),
  h({
    method: "GET",
    path: "/api/v1/projects/:projectId/datasets/:dataset/versions/:version/download",
    summary: "Download a dataset version as JSONL",
    auth: keyed,
    role: "viewer",
    request: "none",
    response: "ndjson",
    errors: "keel",
    handle: (req, { params }) => handleDatasetDownload(req, params.projectId ?? "", params.dataset ?? "", params.version ?? ""),
  }),
];

/** The OpenAI-compatible gateway. node:http serves these Node-natively (node.ts) for speed; this entry serves `next dev`. */
const GATEWAY_SUMMARY: Record<string, string> = {
  "/chat/completions": "Chat completion (OpenAI-compatible; `stream: true` answers SSE)",
  "/completions": "Text completion (OpenAI-compatible; `stream: true` answers SSE)",
  "/embeddings": "Embeddings (OpenAI-compatible)",
  "/classifications": "Classification through a router",
  "/models": "Models and routers this key may call (OpenAI-compatible)",
};
const GATEWAY: HandlerEntry[] = GATEWAY_ENDPOINTS.map(({ path: sub, method }) =>
  h({
    method,
    path: `/api/v1${sub}`,
    tag: "gateway",
    summary: GATEWAY_SUMMARY[sub] ?? `Gateway ${sub}`,
    auth: ["secretKey"],
    role: "viewer",
    request: method === "POST" ? "json" : "none",
    response: sub === "/chat/completions" || sub === "/completions" ? "sse" : "json",
    errors: "openai",
    handle: (req) => handleGateway(req, sub),
  }),
);

/** Experiment tracking: project from the secret key or `?project=`. */
const RUNS: HandlerEntry[] = [
  ...RUN_ROUTES.map((r) =>
    h({
      method: r.method,
      path: `/api/v1${r.pattern}`,
      tag: "runs",
      summary: `Experiment tracking: ${r.method} ${r.pattern}`,
      auth: keyed,
      role: r.write ? "engineer" : "viewer",
      request: r.method === "PUT" ? "bytes" : r.method === "GET" ? "none" : "json",
      response: r.method === "GET" && r.pattern.includes("/artifacts/") ? "bytes" : "json",
      errors: "keel",
      handle: (req, { params }) => serveRunRoute(r, req, params),
    }),
  ),
];

const MLFLOW: HandlerEntry[] = [
  ...MLFLOW_ROUTES.map((r) =>
    h({
      method: r.method,
      path: `/api/2.0/mlflow${r.path}`,
      tag: "mlflow",
      summary: `MLflow tracking API: ${r.path.slice(1)}`,
      auth: keyed,
      role: r.write ? "engineer" : "viewer",
      request: r.method === "GET" ? "none" : "json",
      response: "json",
      errors: "mlflow",
      handle: (req) => serveMlflowRoute(r, req),
    }),
  ),
  ...(
    [
      ["GET", "/api/2.0/mlflow-artifacts/artifacts", "List one directory of a run's artifacts (?path=)", "none", "json"],
      ["GET", "/api/2.0/mlflow-artifacts/artifacts/*path", "Download a run artifact", "none", "bytes"],
      ["PUT", "/api/2.0/mlflow-artifacts/artifacts/*path", "Upload a run artifact (raw body, streamed)", "bytes", "json"],
    ] as const
  ).map(([method, path, summary, request, response]) =>
    h({
      method,
      path,
      tag: "mlflow",
      summary,
      auth: keyed,
      role: method === "PUT" ? "engineer" : "viewer",
      request,
      response,
      errors: "mlflow",
      handle: (req) => handleMlflow(req),
    }),
  ),
];

const OPS: HandlerEntry[] = [
  h({
    method: "GET",
    path: "/api/health",
    tag: "ops",
    summary: "200 when the database and queue answer, else 503",
    auth: ["none"],
    role: null,
    request: "none",
    response: "json",
    errors: "keel",
    handle: () => handleHealth(),
  }),
  h({
    method: "GET",
    path: "/api/metrics",
    tag: "ops",
    summary: "Prometheus metrics (needs KEEL_METRICS_TOKEN where one is set)",
    auth: ["metricsToken", "none"],
    role: null,
    request: "none",
    response: "text",
    errors: "keel",
    handle: (req) => handleMetrics(req),
  }),
];

export const HANDLER_ROUTES: HandlerEntry[] = [...LOGS, ...DATASETS, ...GATEWAY, ...RUNS, ...MLFLOW, ...OPS];
