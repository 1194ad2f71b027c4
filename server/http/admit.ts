import { DomainError } from "../core/errors";
import type { WorkerPrincipal } from "../tuning";
import { atLeast, type Principal, type Role } from "../workspace";
import type { AuthKind, MinRole, PrincipalOf } from "./entry";

/**
 * Who an endpoint admits, as its route entry declares it. The one check of a caller's kind and role:
 * the dispatcher's auth step (handler-call.ts) and the gateway's node-native path (gateway.ts) both
 * call it, so the two cannot disagree.
 */
export interface Access<A extends AuthKind = AuthKind> {
  auth: readonly A[];
  role: MinRole;
}

const KIND: Record<Principal["kind"], AuthKind> = { user: "session", secretKey: "secretKey", publicKey: "publicKey" };
const NAME: Record<Principal["kind"], string> = {
  user: "a signed-in session",
  secretKey: "a secret key (sk_)",
  publicKey: "a public key (pk_)",
};
const BEARER: Partial<Record<AuthKind, string>> = { secretKey: "sk_...", publicKey: "pk_...", workerToken: "wk_..." };

/** A widget's public key rates and reads nothing: where an entry admits it at all, it acts as an annotator. */
const PUBLIC_KEY_ROLE: Role = "annotator";

/** "Sign in or send Authorization: Bearer sk_...", from the kinds an entry takes. */
function credentialsFor(auth: readonly AuthKind[]): string {
  const bearers = auth.flatMap((a) => BEARER[a] ?? []).join(" or ");
  const send = `send Authorization: Bearer ${bearers}`;
  if (!auth.includes("session")) return `S${send.slice(1)}`;
  return bearers ? `Sign in or ${send}` : "Sign in";
}

/** The caller, if the entry takes its kind: 401 without credentials, 403 for a kind it does not take. */
export function admit<A extends AuthKind>(need: Access<A>, principal: Principal | null): PrincipalOf<A> {
  const auth: readonly AuthKind[] = need.auth;
  if (!principal) throw new DomainError("UNAUTHORIZED", credentialsFor(auth));
  if (!auth.includes(KIND[principal.kind])) {
    const takes = auth.flatMap((a) => (a === "session" ? NAME.user : a === "secretKey" || a === "publicKey" ? NAME[a] : []));
    throw new DomainError("FORBIDDEN", `This endpoint takes ${takes.join(" or ")}, not ${NAME[principal.kind]}`);
  }
  return principal as PrincipalOf<A>; // its kind is one `auth` lists
}

/** A remote worker's token, resolved by the auth step: 401 when it is missing, unknown or revoked. */
export function admitWorker(worker: WorkerPrincipal | null): WorkerPrincipal {
  if (!worker) throw new DomainError("UNAUTHORIZED", "Send Authorization: Bearer wk_... (a worker token that is not revoked)");
  return worker;
}

/**
 * The entry's least role against the one the caller holds: its role in the project, or a key's own
 * where the entry has no project (a user holds none there; handlerRoute refuses such a declaration).
 */
export function checkRole(need: MinRole, principal: Principal, projectRole?: Role): void {
  if (need === null) return;
  if (need === "instanceAdmin") {
    if (principal.kind !== "user" || !principal.isAdmin) throw new DomainError("FORBIDDEN", "This needs an instance admin");
    return;
  }
  const have = projectRole ?? (principal.kind === "secretKey" ? principal.role : principal.kind === "publicKey" ? PUBLIC_KEY_ROLE : null);
  if (!have || !atLeast(have, need))
    throw new DomainError("FORBIDDEN", `This needs the ${need} role or higher; you are ${have ?? "not a member"}`);
}

/** Kind and role of a caller on a project-less entry (ingest, the gateway): the principal, admitted. */
export function admitCaller<A extends AuthKind>(need: Access<A>, principal: Principal | null): PrincipalOf<A> {
  const admitted = admit(need, principal);
  checkRole(need.role, admitted);
  return admitted;
}

/**
 * The project a project-less path (`/api/v1/runs/...`, `/api/2.0/mlflow/...`, `/api/v1/registry/...`)
 * acts on: a key's own; for a signed-in user `?project=` or the `x-keel-project` header (slug or id).
 */
export function projectRefOf(principal: Principal, req: Request, url: URL): string {
  const ref =
    principal.kind === "user" ? (url.searchParams.get("project") ?? req.headers.get("x-keel-project") ?? "") : principal.projectId;
  if (!ref)
    throw new DomainError(
      "BAD_REQUEST",
      "Name the project: ?project=SLUG or the x-keel-project header (or use a project's secret key)",
      "project",
    );
  return ref;
}
