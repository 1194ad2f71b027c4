import { exportRequest, ingestInput, ratingPost } from "../logs";
import { handleDatasetDownload, handleDatasetUpload } from "./datasets";
import { type HandlerEntry, handlerRoute as h } from "./entry";
import { GATEWAY_ACCESS, GATEWAY_ENDPOINTS, handleGateway } from "./gateway";
import { corsHeaders, handleExport, handleExportPost, handleIngest, handleRatings, ratingsPreflight } from "./logs";
import { MLFLOW_TABLE } from "./mlflow";
import { handleHealth, handleMetrics } from "./ops";
import { ROUTING_ROUTES } from "./routes-routing";
import { RUN_ROUTES } from "./runs";

/**
 * Endpoints served by their own handler: raw or streamed bodies, batch 207s, CORS for the widget,
 * OpenAI's and MLflow's error shapes. Each is declared in full (auth, role, project, bodies, error
 * shape): the dispatcher's auth step (handler-call.ts) checks caller, project and role from it, and
 * the OpenAPI document lists it.
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
    handle: handleIngest,
  }),
  h({
    method: "POST",
    path: "/api/v1/ratings",
    summary: "Rate a logged call (the widget's public key, or a secret key)",
    auth: ["publicKey", "secretKey"],
    role: "annotator",
    inputs: [ratingPost],
    request: "json",
    response: "json",
    errors: "keel",
    status: 201,
    errorHeaders: (req) => corsHeaders(req.headers.get("origin")),
    handle: handleRatings,
  }),
  h({
    method: "OPTIONS",
    path: "/api/v1/ratings",
    summary: "CORS preflight for the widget",
    auth: ["none"],
    role: null,
    request: "none",
    response: "empty",
    errors: "keel",
    status: 204,
    handle: ratingsPreflight,
  }),
  h({
    method: "GET",
    path: "/api/v1/projects/:projectId/traces/export",
    summary: "Export logged calls as NDJSON or CSV, streamed",
    auth: keyed,
    role: "viewer",
    project: "path",
    request: "none",
    response: "ndjson",
    errors: "keel",
    handle: (_req, c) => handleExport(c),
  }),
  h({
    method: "POST",
    path: "/api/v1/projects/:projectId/traces/export",
    summary: "Export logged calls as NDJSON or CSV, streamed: the filter in a JSON body (a selection's ids, too many for a URL)",
    auth: keyed,
    role: "viewer",
    project: "path",
    inputs: [exportRequest],
    request: "json",
    response: "ndjson",
    errors: "keel",
    handle: handleExportPost,
  }),
];

const DATASETS: HandlerEntry[] = [
  h({
    method: "POST",
    path: "/api/v1/projects/:projectId/datasets/:dataset/versions",
    summary: "Upload a dataset version (JSONL or CSV body)",
    auth: keyed,
    role: "engineer",
    project: "path",
    request: "bytes",
    response: "json",
    errors: "keel",
    status: 201,
    handle: handleDatasetUpload,
  }),
  h({
    method: "GET",
    path: "/api/v1/projects/:projectId/datasets/:dataset/versions/:version/download",
    summary: "Download a dataset version as JSONL",
    auth: keyed,
    role: "viewer",
    project: "path",
    request: "none",
    response: "ndjson",
    errors: "keel",
    handle: (_req, c) => handleDatasetDownload(c),
  }),
];

/** The OpenAI-compatible gateway. node:http serves these Node-natively (node.ts) for speed; this entry serves `next dev`. */
const GATEWAY_SUMMARY: Record<string, string> = {
  "/chat/completions": "Chat completion (OpenAI-compatible; `stream: true` answers SSE)",
  "/completions": "Text completion (OpenAI-compatible; `stream: true` answers SSE)",
  "/embeddings": "Embeddings (OpenAI-compatible)",
  "/classifications": "Classification through a router",
  "/responses": "Responses API (OpenAI-compatible), passed through to a provider deployment; `stream: true` answers SSE",
  "/models": "Models and routers this key may call (OpenAI-compatible)",
  "/models/*id": "One model or router by id, the rest of the path (OpenAI-compatible; 404 `model_not_found`)",
};
const GATEWAY: HandlerEntry[] = GATEWAY_ENDPOINTS.map(({ path: sub, method }) =>
  h({
    method,
    path: `/api/v1${sub}`,
    tag: "gateway",
    summary: GATEWAY_SUMMARY[sub] ?? `Gateway ${sub}`,
    ...GATEWAY_ACCESS,
    request: method === "POST" ? "json" : "none",
    response: sub === "/chat/completions" || sub === "/completions" || sub === "/responses" ? "sse" : "json",
    errors: "openai",
    handle: (req, c) => handleGateway(req, sub, c),
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
      project: "key",
      request: r.method === "PUT" ? "bytes" : r.method === "GET" ? "none" : "json",
      response: r.method === "GET" && r.pattern.includes("/artifacts/") ? "bytes" : "json",
      errors: "keel",
      handle: (req, c) => r.handle({ ...c, req }, c.params),
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

export const HANDLER_ROUTES: HandlerEntry[] = [...LOGS, ...DATASETS, ...ROUTING_ROUTES, ...GATEWAY, ...RUNS, ...MLFLOW_TABLE, ...OPS];
