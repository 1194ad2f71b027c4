import { DomainError } from "../core/errors";
import { GatewayError, type GatewayResult, playgroundCall } from "../routing";
import type { PrincipalOf, ProjectContext } from "./entry";
import { errorResult, gatewayResponse } from "./gateway";
import { readJson } from "./request";

/**
 * `POST /api/v1/projects/:projectId/playground`: the console's playground, a signed-in member's
 * gateway call (server/routing/service-playground.ts). Answered as the gateway answers: OpenAI's
 * JSON, or SSE chunks when `stream` is true, with `x-keel-trace-id` and a router's
 * `x-keel-route-target` / `x-keel-route-reason`; errors in OpenAI's shape, `param` naming the field.
 */
export async function handlePlayground(req: Request, { db, principal, project, sub }: ProjectContext<PrincipalOf<"session">>) {
  let result: GatewayResult;
  try {
    let body: unknown;
    try {
      body = await readJson(req);
    } catch (err) {
      throw new GatewayError(err instanceof DomainError && err.code === "PAYLOAD_TOO_LARGE" ? 413 : 400, (err as Error).message);
    }
    result = await playgroundCall({ db, projectId: project.id, signal: req.signal }, body, { userId: principal.userId });
  } catch (err) {
    result = errorResult(err, sub);
  }
  return gatewayResponse(result);
}
