import { type ProcedureEntry, type ProcedureOptions, procedureRoute } from "./entry";

/**
 * `/api/v1/prompts/...`: the registry's prompt procedures under REST paths, project from the secret key
 * (or a signed-in user's `?project=`). A label move answers as a model alias move: 200, 202 pending
 * approval, 412 a failed gate.
 */
const N = "/api/v1/prompts/:name";
const r = (method: Exclude<ProcedureEntry["method"], "OPTIONS">, path: string, procedure: string, opts: ProcedureOptions = {}) =>
  procedureRoute(method, path, procedure, { project: "key", ...opts });
const pendingIs202 = (res: unknown) => ((res as { status?: string }).status === "pending" ? 202 : 200);

/**
 * Apps fetch prompts at run time: 60 s matches Langfuse SDKs' default cache TTL, so a label move reaches
 * a caching client within a minute; after that a revalidation with If-None-Match costs a 304.
 */
const FETCH_MAX_AGE_S = 60;

export const PROMPT_ROUTES: ProcedureEntry[] = [
  r("GET", "/api/v1/prompts", "registry.prompts.list", {
    summary: "Prompts, each with its labels, tags and latest version (?tag= keeps those carrying it)",
  }),
  r("POST", "/api/v1/prompts", "registry.prompts.create", {
    status: 201,
    statusOf: (res) => ((res as { pending?: unknown[] }).pending?.length ? 202 : 201),
    summary: "Create a prompt or its next version (prompt: text, or messages), with labels (202 when one awaits approval)",
  }),
  r("GET", N, "registry.prompts.get", {
    cache: { maxAge: FETCH_MAX_AGE_S },
    summary: "A prompt version by ?label= or ?version= (neither: production), with ETag and Cache-Control",
  }),
  r("POST", `${N}/render`, "registry.prompts.render", { summary: "A prompt version with its {{variables}} filled" }),
  r("GET", `${N}/history`, "registry.prompts.history", { summary: "A prompt's label moves, newest first" }),
  r("PUT", `${N}/labels/:label`, "registry.prompts.moveLabel", {
    statusOf: pendingIs202,
    summary: "Point a label at a version (202 when it awaits approval)",
  }),
  r("PUT", `${N}/tags`, "registry.prompts.setTags", {
    summary: "Replace a prompt's tags (shared by all its versions) without a new version",
  }),
  r("POST", `${N}/labels/:label/rollback`, "registry.prompts.rollbackLabel", { summary: "Move a label back to its previous version" }),
];
