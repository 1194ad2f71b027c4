import type { z } from "zod";
import { authedProcedure, instanceAdminProcedure, projectProcedure, publicProcedure, requiredRoles, userProcedure } from "../trpc/init";
import { appRouter } from "../trpc/root";
import { ROLES, type Role } from "../workspace";
import type { Params } from "./routes";

/**
 * One public HTTP endpoint, declared once. The dispatcher (dispatch.ts) serves it and the OpenAPI
 * document (openapi.ts) describes it from the same object, so the two cannot drift apart.
 */
export type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE" | "OPTIONS";
/** `metricsToken`: the operator's KEEL_METRICS_TOKEN (only when configured). */
export type AuthKind = "session" | "secretKey" | "publicKey" | "metricsToken" | "none";
export type RequestBody = "none" | "json" | "bytes" | "multipart";
export type ResponseBody = "json" | "sse" | "ndjson" | "bytes" | "text" | "javascript" | "empty";
/** Keel's `{"error":{code,message,field?}}`, OpenAI's `{"error":{message,type,code}}`, MLflow's `{"error_code","message"}`. */
export type ErrorShape = "keel" | "openai" | "mlflow";
/** A project role, `instanceAdmin` (users.is_admin), or null: any caller the auth kinds admit. */
export type MinRole = Role | "instanceAdmin" | null;

interface EntryBase {
  method: Method;
  /** the full path; `:name` is one segment, `*name` the rest (at least one segment) */
  path: string;
  summary: string;
  tag: string;
  auth: readonly AuthKind[];
  role: MinRole;
  /** parts of the input, merged (a procedure's inputs are the ladder's `projectId` then its own) */
  inputs: readonly z.ZodType[];
  output?: z.ZodType;
  request: RequestBody;
  response: ResponseBody;
  errors: ErrorShape;
  /** the success status (a handler may answer others, e.g. 207 for a partial batch) */
  status: number;
}

/** Where a procedure's `projectId` comes from: the path, or the secret key / `?project=` (project-less paths). */
export type ProjectFrom = "path" | "key" | "none";

export interface ProcedureEntry extends EntryBase {
  kind: "procedure";
  /** the dotted tRPC path, e.g. `workspace.members.add` */
  procedure: string;
  project: ProjectFrom;
  /** what feeds the input besides path params: the query string, the JSON body, or nothing */
  from: "query" | "body" | "none";
  /** the body goes under this input field (`{ monitor, patch: body }`) instead of being spread */
  bodyField?: string;
  /** a status chosen by the result (an alias move awaiting approval is 202) */
  statusOf?: (result: unknown) => number;
  /** path params that fill another input field (`as`), or are numbers: `int`, or `ref` (digits a number, else an alias) */
  params?: Record<string, { as?: string; coerce?: "ref" | "int" }>;
  /** input fields the path fixes (`/approvals/:requestId/approve` is `decision: "approve"`) */
  fixed?: Record<string, unknown>;
}

export interface HandlerEntry extends EntryBase {
  kind: "handler";
  /** `sub` is the path after its prefix (`/api/v1`), as the older handlers expect */
  handle: (req: Request, at: { params: Params; sub: string }) => Promise<Response>;
}

export type RouteEntry = ProcedureEntry | HandlerEntry;

interface ProcedureDef {
  type: "query" | "mutation" | "subscription";
  inputs: z.ZodType[];
  output?: z.ZodType;
  middlewares: unknown[];
}
const procedures = (appRouter as unknown as { _def: { procedures: Record<string, { _def: ProcedureDef }> } })._def.procedures;
const middlewaresOf = (p: unknown) => (p as { _def: { middlewares: unknown[] } })._def.middlewares;
const startsWith = (all: unknown[], prefix: unknown[]) => prefix.every((m, i) => all[i] === m);

/**
 * Who may call a procedure, read from the ladder it was built on (its middleware list starts with the
 * ladder step's) and from the requireRole middleware it uses: the procedure's own checks, not a copy.
 */
export function procedureAccess(name: string): { auth: AuthKind[]; role: MinRole; def: ProcedureDef } {
  const proc = procedures[name];
  if (!proc) throw new Error(`HTTP table: no tRPC procedure ${name}`);
  const mws = proc._def.middlewares;
  const role = mws.map((m) => requiredRoles.get(m as object)).find(Boolean);
  const lowest = ROLES[ROLES.length - 1] as Role;
  const ladder: [unknown, AuthKind[], MinRole][] = [
    [instanceAdminProcedure, ["session"], "instanceAdmin"],
    [userProcedure, ["session"], null],
    [projectProcedure, ["session", "secretKey"], role ?? lowest],
    [authedProcedure, ["session", "secretKey"], role ?? null],
    [publicProcedure, ["none"], null],
  ];
  const step = ladder.find(([p]) => startsWith(mws, middlewaresOf(p)));
  if (!step) throw new Error(`HTTP table: ${name} is not built on the procedure ladder`);
  return { auth: step[1], role: step[2], def: proc._def };
}

export interface ProcedureOptions {
  summary?: string;
  status?: number;
  statusOf?: (result: unknown) => number;
  project?: ProjectFrom;
  from?: "query" | "body" | "none";
  bodyField?: string;
  params?: ProcedureEntry["params"];
  fixed?: Record<string, unknown>;
}

/** An endpoint that is a tRPC procedure: input, output, auth and role all come from the procedure. */
export function procedureRoute(
  method: Exclude<Method, "OPTIONS">,
  path: string,
  procedure: string,
  opts: ProcedureOptions = {},
): ProcedureEntry {
  const { auth, role, def } = procedureAccess(procedure);
  const from = opts.from ?? (method === "GET" ? "query" : method === "DELETE" ? "none" : "body");
  return {
    kind: "procedure",
    method,
    path,
    procedure,
    summary: opts.summary ?? `tRPC ${procedure}`,
    tag: procedure.split(".")[0] as string,
    auth,
    role,
    inputs: def.inputs,
    output: def.output,
    request: method === "GET" || method === "DELETE" ? "none" : "json",
    response: "json",
    errors: "keel",
    status: opts.status ?? 200,
    project: opts.project ?? (path.includes(":projectId") ? "path" : "none"),
    from,
    bodyField: opts.bodyField,
    statusOf: opts.statusOf,
    params: opts.params,
    fixed: opts.fixed,
  };
}

/** An endpoint served by its own handler (raw bodies, streams, other error shapes), declared in full. */
export function handlerRoute(
  e: Omit<HandlerEntry, "kind" | "inputs" | "status" | "tag"> & { inputs?: z.ZodType[]; status?: number; tag?: string },
): HandlerEntry {
  return { kind: "handler", inputs: [], status: 200, tag: e.path.split("/")[3] ?? "api", ...e };
}
