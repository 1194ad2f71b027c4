import { type HandlerEntry, handlerRoute, type ProcedureEntry, type ProcedureOptions, procedureRoute } from "./entry";
import { serveProcedure } from "./procedure-call";
import { handleVersionDownload, handleVersionFiles, handleVersionUpload } from "./registry";
import { readJsonObject } from "./request";

/**
 * `/api/v1/registry/...`: the registry procedures under REST paths, project from the secret key or
 * `?project=`. `:version` is a number, or an alias where the route says `ref`.
 */
const M = "/api/v1/registry/models/:model";
const A = "/api/v1/registry/approvals/:requestId";
const r = (method: Exclude<ProcedureEntry["method"], "OPTIONS">, path: string, procedure: string, opts: ProcedureOptions = {}) =>
  procedureRoute(method, path, procedure, { project: "key", ...opts });
const ref = { params: { version: { coerce: "ref" } } } as const;
const int = { params: { version: { coerce: "int" } } } as const;

const createFromRun = r("POST", `${M}/versions`, "registry.versions.createFromRun", { status: 201 });
const createFromUri = r("POST", `${M}/versions`, "registry.versions.createFromUri", { status: 201 });

/**
 * One path, three bodies: a multipart upload (streamed to the artifact store), or JSON naming a run
 * (`runId`) or a URI; each JSON form is its procedure, called with the request's context the auth
 * step built (the procedure's ladder checks membership again: the one path that pays it twice).
 */
const CREATE_VERSION: HandlerEntry = handlerRoute({
  method: "POST",
  path: `${M}/versions`,
  tag: "registry",
  summary: "Register a version: multipart upload (file, sha256, meta parts), or JSON with runId (from a run) or uri",
  auth: createFromUri.auth,
  role: createFromUri.role,
  project: "key",
  inputs: [],
  output: createFromUri.output,
  request: "json",
  response: "json",
  errors: "keel",
  status: 201,
  handle: async (req, c) => {
    if ((req.headers.get("content-type") ?? "").startsWith("multipart/form-data")) return handleVersionUpload(req, c);
    const body = await readJsonObject(req);
    return serveProcedure(body.runId !== undefined ? createFromRun : createFromUri, req, c.url, c.params, body, c.trpc);
  },
});

const PROCEDURES: ProcedureEntry[] = [
  r("GET", "/api/v1/registry/models", "registry.models.list", { summary: "Registered models" }),
  r("POST", "/api/v1/registry/models", "registry.models.create", { status: 201, summary: "Register a model" }),
  r("GET", M, "registry.models.get", { from: "none", summary: "A registered model" }),
  r("PATCH", M, "registry.models.update", { summary: "Change a registered model" }),
  r("GET", `${M}/versions`, "registry.versions.list", { summary: "A model's versions" }),
  r("GET", `${M}/versions/:version`, "registry.versions.get", { ...ref, from: "none", summary: "A version, by number or alias" }),
  r("PATCH", `${M}/versions/:version`, "registry.versions.update", { ...int, summary: "Change a version's metadata or status" }),
  r("GET", `${M}/versions/:version/lineage`, "registry.versions.lineage", { ...int, from: "none", summary: "A version's lineage" }),
  r("POST", `${M}/versions/:version/evals`, "registry.versions.linkEvalRun", { ...int, summary: "Link an eval run to a version" }),
  r("GET", `${M}/aliases`, "registry.aliases.list", { from: "none", summary: "A model's aliases" }),
  r("GET", `${M}/aliases/:alias`, "registry.versions.get", {
    from: "none",
    params: { alias: { as: "version" } },
    summary: "The version an alias points at",
  }),
  r("PUT", `${M}/aliases/:alias`, "registry.aliases.move", {
    statusOf: (res) => ((res as { status?: string }).status === "pending" ? 202 : 200),
    summary: "Point an alias at a version (202 when it awaits approval)",
  }),
  r("DELETE", `${M}/aliases/:alias`, "registry.aliases.delete", { from: "query", summary: "Delete an alias" }),
  r("POST", `${M}/aliases/:alias/rollback`, "registry.aliases.rollback", { summary: "Move an alias back to its previous version" }),
  r("GET", `${M}/aliases/:alias/history`, "registry.aliases.history", { summary: "An alias's moves" }),
  r("GET", `${M}/history`, "registry.aliases.history", { summary: "All alias moves of a model" }),
  r("GET", `${M}/policy`, "registry.approvals.policy", { from: "none", summary: "A model's approval policy" }),
  r("PUT", `${M}/policy`, "registry.approvals.setPolicy", { summary: "Set a model's approval policy" }),
  r("DELETE", `${M}/policy`, "registry.approvals.deletePolicy", { summary: "Remove a model's approval policy" }),
  r("GET", "/api/v1/registry/approvals", "registry.approvals.list", { summary: "Approval requests" }),
  r("GET", A, "registry.approvals.get", { from: "none", summary: "An approval request" }),
  ...(["approve", "reject"] as const).map((decision) =>
    r("POST", `${A}/${decision}`, "registry.approvals.vote", { fixed: { decision }, summary: `${decision} an approval request` }),
  ),
  r("POST", `${A}/cancel`, "registry.approvals.cancel", { from: "none", summary: "Cancel an approval request" }),
];

/** A version's files: served by registry.ts (streamed, ETag); the role is the registry reads' own. */
const ARTIFACTS: HandlerEntry[] = [
  handlerRoute({
    method: "GET",
    path: `${M}/versions/:version/artifacts`,
    tag: "registry",
    summary: "A version's files (path, sha256, size)",
    auth: createFromUri.auth,
    role: "viewer",
    project: "key",
    request: "none",
    response: "json",
    errors: "keel",
    handle: (_req, c) => handleVersionFiles(c),
  }),
  handlerRoute({
    method: "GET",
    path: `${M}/versions/:version/artifacts/*path`,
    tag: "registry",
    summary: "Download one file of a version, streamed, with its sha256 as ETag",
    auth: createFromUri.auth,
    role: "viewer",
    project: "key",
    request: "none",
    response: "bytes",
    errors: "keel",
    handle: handleVersionDownload,
  }),
];

export const REGISTRY_TABLE: (ProcedureEntry | HandlerEntry)[] = [
  ...PROCEDURES.slice(0, 5),
  CREATE_VERSION,
  ...PROCEDURES.slice(5),
  ...ARTIFACTS,
];
