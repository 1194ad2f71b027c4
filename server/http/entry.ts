import type { z } from "zod";
import type { Db } from "../../db/client";
import {
  authedProcedure,
  type Context,
  instanceAdminProcedure,
  projectProcedure,
  publicProcedure,
  requiredRoles,
  userProcedure,
} from "../trpc/init";
import { appRouter } from "../trpc/root";
import type { WorkerPrincipal } from "../tuning";
import { type Actor, type Principal, type ProjectAccess, ROLES, type Role } from "../workspace";
import type { Params } from "./routes";

/**
 * One public HTTP endpoint, declared once. The dispatcher (dispatch.ts) serves it and the OpenAPI
 * document (openapi.ts) describes it from the same object, so the two cannot drift apart.
 */
export type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE" | "OPTIONS";
/**
 * `metricsToken`: the operator's KEEL_METRICS_TOKEN (only when configured). `workerToken`: a remote
 * worker's `wk_` token (/api/v1/workers/...), admitted alone: no session or key reaches those routes.
 */
export type AuthKind = "session" | "secretKey" | "publicKey" | "metricsToken" | "workerToken" | "none";
/** `ndjson`: a JSONL file as the raw body, read as a stream (the router evaluation upload). */
export type RequestBody = "none" | "json" | "bytes" | "ndjson" | "multipart";
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

/** Where an entry's project comes from: the path, or the key / a user's `?project=` (project-less paths), or nowhere. */
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
  /**
   * A GET whose answer clients may keep (procedure-call.ts): a strong `ETag` of the answer's bytes,
   * `If-None-Match` answered 304, and `Cache-Control: private, max-age=<maxAge seconds>`.
   */
  cache?: { maxAge: number };
}

/** What every handler gets: the parsed URL, the path params, `sub` (the path after `/api/v1`). */
export interface OpenContext {
  url: URL;
  params: Params;
  sub: string;
}
/** Past the auth step (handler-call.ts): the caller, of a kind the entry admits, its role checked where no project is. */
export interface CallerContext<P extends Principal = Principal> extends OpenContext {
  db: Db;
  principal: P;
  actor: Actor;
  /** the request's tRPC context, for a handler that hands the request over to a procedure */
  trpc: Context;
}
/** ...and the project resolved (membership checked once), the caller's role there checked against the entry's. */
export interface ProjectContext<P extends Principal = Principal> extends CallerContext<P> {
  project: ProjectAccess;
}
/** The principal an auth kind admits: `session` a user, each key kind its key. */
export type PrincipalOf<A extends AuthKind> = Extract<
  Principal,
  { kind: A extends "session" ? "user" : A extends "secretKey" | "publicKey" ? A : never }
>;
/** A remote worker's request, past the auth step: its token's principal (pool and all). */
export interface WorkerContext extends OpenContext {
  db: Db;
  worker: WorkerPrincipal;
}
/** A subtype of every context above, so a handler declared for any of them takes it; handlerRoute pairs entry and context. */
export type AnyContext = ProjectContext<never> & WorkerContext;

export interface HandlerEntry extends EntryBase {
  kind: "handler";
  /** where the auth step finds the project: the `:projectId` param, the key or `?project=`, or nowhere (none needed) */
  project: ProjectFrom;
  /** headers every error answer carries, the auth step's included (the widget's CORS: a browser reads a 401 only with them) */
  errorHeaders?: (req: Request) => Record<string, string>;
  handle: (req: Request, ctx: AnyContext) => Promise<Response>;
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
  cache?: ProcedureEntry["cache"];
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
    cache: opts.cache,
  };
}

type Handle<C> = (req: Request, ctx: C) => Promise<Response>;
type Declared<A extends AuthKind> = Omit<EntryBase, "auth" | "inputs" | "status" | "tag"> & {
  auth: readonly A[];
  inputs?: z.ZodType[];
  status?: number;
  tag?: string;
  errorHeaders?: HandlerEntry["errorHeaders"];
};

/** Kinds that need no principal: the metrics token is its handler's own check (ops.ts). */
export const isOpen = (auth: readonly AuthKind[]) => auth.every((a) => a === "none" || a === "metricsToken");

/**
 * An endpoint served by its own handler (raw bodies, streams, other error shapes), declared in full.
 * The handler gets the context its declaration earns: an open entry the URL and params; any other the
 * caller too (of the kinds `auth` lists); with `project` the project and the caller's role there.
 */
export function handlerRoute<A extends "none" | "metricsToken">(
  e: Declared<A> & { project?: "none"; handle: Handle<OpenContext> },
): HandlerEntry;
export function handlerRoute(e: Declared<"workerToken"> & { project?: "none"; handle: Handle<WorkerContext> }): HandlerEntry;
export function handlerRoute<A extends AuthKind>(
  e: Declared<A> & { project?: "none"; handle: Handle<CallerContext<PrincipalOf<A>>> },
): HandlerEntry;
export function handlerRoute<A extends AuthKind>(
  e: Declared<A> & { project: "path" | "key"; handle: Handle<ProjectContext<PrincipalOf<A>>> },
): HandlerEntry;
export function handlerRoute(e: Declared<AuthKind> & { project?: ProjectFrom; handle: Handle<AnyContext> }): HandlerEntry {
  const entry: HandlerEntry = {
    kind: "handler",
    inputs: [],
    status: 200,
    tag: e.path.split("/")[3] ?? "api",
    ...e,
    project: e.project ?? "none",
  };
  const problem = declarationProblem(entry);
  if (problem) throw new Error(`HTTP table: ${entry.method} ${entry.path} ${problem}`);
  return entry;
}

/** What the auth step could not serve as declared: caught when the table loads, not on a request. */
function declarationProblem(e: HandlerEntry): string | null {
  if (e.auth.includes("workerToken"))
    return e.auth.length === 1 && e.project === "none" && e.role === null ? null : "takes a worker token alone, with no project or role";
  const open = isOpen(e.auth);
  if (!open && e.auth.some((a) => a === "none" || a === "metricsToken")) return "mixes auth none with credentials";
  if (open && (e.project !== "none" || e.role !== null)) return "is open, so it can check no project or role";
  if ((e.project === "path") !== e.path.includes(":projectId")) return "takes its project from the path exactly when it has :projectId";
  // a user holds a role only in a project; a key holds its own
  if (e.project === "none" && e.role !== null && e.auth.includes("session")) return "needs a project for a signed-in user's role";
  return null;
}
