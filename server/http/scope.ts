import type { Db } from "../../db/client";
import { DomainError } from "../core/errors";
import { getRuntime } from "../core/runtime";
import type { Context } from "../trpc/init";
import { type Principal, type ProjectAccess, projectAccess } from "../workspace";
import { contextFromRequest } from "./context";

/**
 * The project a project-less path (`/api/v1/registry/...`, `/api/v1/runs/...`, `/api/2.0/mlflow/...`)
 * acts on: a secret key's own project; for a signed-in user, `?project=` or the `x-keel-project`
 * header (slug or id).
 */
export async function scopedAccess(req: Request): Promise<{ db: Db; principal: Principal; project: ProjectAccess; ctx: Context }> {
  const { db } = await getRuntime();
  const ctx = await contextFromRequest(db, req, new Headers());
  const principal = ctx.principal;
  if (!principal) throw new DomainError("UNAUTHORIZED", "Sign in or send Authorization: Bearer sk_...");
  const ref =
    principal.kind === "secretKey"
      ? principal.projectId
      : (new URL(req.url).searchParams.get("project") ?? req.headers.get("x-keel-project") ?? "");
  if (!ref)
    throw new DomainError(
      "BAD_REQUEST",
      "Name the project: ?project=SLUG or the x-keel-project header (or use a project's secret key)",
      "project",
    );
  const project = await projectAccess(db, principal, ref);
  return { db, principal, project, ctx };
}
