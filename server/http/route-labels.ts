import { type RouteCatalog, routeGroup } from "../core/metrics";
import { appRouter } from "../trpc/root";

/**
 * The /api/v1 route patterns, for metric labels only (dispatch lives in v1.ts and the handlers it
 * calls). A path that matches none is labelled `unknown`, so a route missing here costs detail in
 * the metrics, never correctness; keep it in step when adding a route.
 */
const V1_PATTERNS = [
  "/me",
  "/ingest",
  "/ratings",
  "/otel/v1/traces",
  "/chat/completions",
  "/completions",
  "/embeddings",
  "/classifications",
  "/models",
  "/projects/:projectId",
  "/projects/:projectId/members",
  "/projects/:projectId/members/:memberId",
  "/projects/:projectId/keys",
  "/projects/:projectId/keys/:keyId",
  "/projects/:projectId/jobs",
  "/projects/:projectId/jobs/:jobId",
  "/projects/:projectId/jobs/:jobId/cancel",
  "/projects/:projectId/audit-logs",
  "/projects/:projectId/models/local",
  "/projects/:projectId/traces/export",
  "/projects/:projectId/datasets/:dataset/versions",
  "/projects/:projectId/datasets/:dataset/versions/:version/download",
  "/registry/approvals",
  "/registry/approvals/:id",
  "/registry/approvals/:id/cancel",
  "/registry/models",
  "/registry/models/:name",
  "/registry/models/:name/aliases",
  "/registry/models/:name/aliases/:alias",
  "/registry/models/:name/aliases/:alias/history",
  "/registry/models/:name/aliases/:alias/rollback",
  "/registry/models/:name/history",
  "/registry/models/:name/policy",
  "/registry/models/:name/versions",
  "/registry/models/:name/versions/:ref",
  "/registry/models/:name/versions/:ref/evals",
  "/registry/models/:name/versions/:ref/lineage",
  "/registry/models/:name/versions/:ref/artifacts",
  "/registry/models/:name/versions/:ref/artifacts/*path",
  "/experiments",
  "/experiments/:id",
  "/experiments/:id/runs",
  "/runs",
  "/runs/:id",
  "/runs/:id/log",
  "/runs/:id/artifacts",
  "/runs/:id/artifacts/*path",
  "/runs/:id/metrics/*key",
  "/drift/alerts",
  "/drift/alerts/:alertId/acknowledge",
  "/drift/monitors",
  "/drift/monitors/:monitor",
  "/drift/monitors/:monitor/rules",
  "/drift/monitors/:monitor/run",
  "/drift/monitors/:monitor/runs",
  "/drift/runs/:runId",
];

let catalog: RouteCatalog | null = null;

/** The procedures are read from the root router once: its `_def.procedures` keys are the dotted paths. */
export function routeCatalog(): RouteCatalog {
  catalog ??= {
    procedures: new Set(Object.keys((appRouter as unknown as { _def: { procedures: Record<string, unknown> } })._def.procedures)),
    v1Patterns: V1_PATTERNS,
  };
  return catalog;
}

/** The metric label of a request URL (path and query): see routeGroup. */
export const routeLabel = (url: string): string => routeGroup(url, routeCatalog());
