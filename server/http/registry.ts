import { DomainError } from "../core/errors";
import { jsonError } from "./json";

/** `/api/v1/registry/...` (models, versions, artifacts, aliases). `path` is after /api/v1. */
export async function handleRegistry(req: Request, path: string): Promise<Response> {
  return jsonError(new DomainError("NOT_FOUND", `No route ${req.method} /api/v1${path}`));
}
