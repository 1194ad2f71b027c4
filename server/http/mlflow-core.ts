import type { Db } from "../../db/client";
import { DomainError } from "../core/errors";
import { logger } from "../core/logger";
import { mlflowShapes } from "../registry";
import type { Context } from "../trpc/init";
import type { Actor, Principal, ProjectAccess } from "../workspace";

/**
 * What an MLflow route handler gets and returns. Lives apart from mlflow.ts so route tables
 * (mlflow-registry.ts) can import it without an import cycle through the dispatcher.
 */
export interface MlflowContext {
  db: Db;
  principal: Principal;
  actor: Actor;
  /** the caller's project (a secret key's own; a user's ?project= or x-keel-project) */
  project: ProjectAccess;
  req: Request;
  url: URL;
  /** the request's tRPC context, for routes answered by a procedure (MLflow traces read Keel's) */
  trpc: Context;
  /**
   * the JSON body of a POST/PATCH/DELETE, or the query string of a GET (repeated keys as lists), with
   * the path's params over them (`/logged-models/:model_id` fills `model_id`, as MLflow's server does)
   */
  params: Record<string, unknown>;
}

export interface MlflowRoute {
  method: "GET" | "POST" | "PATCH" | "DELETE" | "PUT";
  /** after the prefix, e.g. `/runs/get`; `:name` is one path segment, given to the handler in params */
  path: string;
  /** `/api/2.0/mlflow` unless set (MLflow 3's trace API lives under `/api/3.0/mlflow`) */
  prefix?: "/api/2.0/mlflow" | "/api/3.0/mlflow";
  /** writes need the engineer role or higher (the route entry's role; the auth step checks it) */
  write?: boolean;
  /** a plain object is sent as 200 JSON; a Response as is */
  handle: (ctx: MlflowContext) => Promise<unknown>;
}

/** MLflow's error codes with the status its server answers with. */
export const MLFLOW_ERROR_STATUS: Record<string, number> = {
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  INVALID_PARAMETER_VALUE: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  BAD_REQUEST: 400,
  INVALID_STATE: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  RESOURCE_LIMIT_EXCEEDED: 413,
  REQUEST_LIMIT_EXCEEDED: 429,
  INTERNAL_ERROR: 500,
};

/** `{"error_code", "message"}` with MLflow's status for the code (500 for unknown codes). */
export function mlflowError(code: string, message: string, status = MLFLOW_ERROR_STATUS[code] ?? 500): Response {
  return new Response(JSON.stringify({ error_code: code, message }), { status, headers: { "content-type": "application/json" } });
}

/** Any error as MLflow's `{"error_code", "message"}`; 5xx details stay in the log. */
export function mlflowErrorOf(err: unknown): Response {
  if (err instanceof DomainError) return mlflowError(mlflowShapes.mlflowCodeOf(err.code), err.message);
  logger.error({ err }, "mlflow request failed");
  return mlflowError("INTERNAL_ERROR", "Internal server error");
}
