import { createHash } from "node:crypto";
import { DomainError } from "../core/errors";
import { getRuntime } from "../core/runtime";
import type { Context } from "../trpc/init";
import { createCaller } from "../trpc/root";
import { projectRefOf } from "./admit";
import { contextFromRequest } from "./context";
import type { ProcedureEntry } from "./entry";
import { json } from "./json";
import { inputSchema } from "./openapi";
import { readJsonObject } from "./request";
import { type FieldTypes, fieldTypes, type Params, queryInput } from "./routes";

/**
 * The project of a project-less path (`/api/v1/drift/...`, `/api/v1/registry/...`): a key's own, or a
 * signed-in user's `?project=` / `x-keel-project`. Only named here; the procedure's ladder checks
 * membership, once.
 */
function projectRef(ctx: Context, req: Request, url: URL): string {
  if (!ctx.principal) throw new DomainError("UNAUTHORIZED", "Sign in or send Authorization: Bearer sk_...");
  return projectRefOf(ctx.principal, req, url);
}

/** Each query entry's field types, from the same JSON Schema the OpenAPI document shows (computed once). */
const typesByEntry = new WeakMap<ProcedureEntry, FieldTypes>();
function queryTypes(entry: ProcedureEntry): FieldTypes {
  let types = typesByEntry.get(entry);
  if (!types) {
    types = fieldTypes(inputSchema(entry) as { properties?: Record<string, unknown> } | null);
    typesByEntry.set(entry, types);
  }
  return types;
}

const INT = /^\d{1,9}$/;
/** Path params as input fields: renamed and typed as the entry declares (the schema still checks them). */
function paramInput(entry: ProcedureEntry, params: Params): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(params)) {
    const rule = entry.params?.[name];
    const typed =
      rule?.coerce === "int"
        ? INT.test(value)
          ? Number(value)
          : Number.NaN
        : rule?.coerce === "ref" && INT.test(value)
          ? Number(value)
          : value;
    out[rule?.as ?? name] = typed;
  }
  return out;
}

type Call = (input: unknown) => Promise<unknown>;
/** `workspace.members.add` on a caller: its procedures are reached by their dotted path. */
const procedureOf = (caller: unknown, path: string): Call =>
  path.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], caller) as Call;

/**
 * Serve a procedure entry: read the body (every write's: size, strict UTF-8, the JSON rule, even
 * where the procedure takes none), authenticate, build the input from query or body, path params and
 * the project, and call the procedure through the ladder that checks its auth, role and schemas.
 * `body` and `context` are passed by a handler entry that had to read the body to choose its
 * procedure, past the auth step that authenticated the request (it is not authenticated twice).
 */
export async function serveProcedure(
  entry: ProcedureEntry,
  req: Request,
  url: URL,
  params: Params,
  body?: Record<string, unknown>,
  context?: Context,
): Promise<Response> {
  const read = body ?? (req.method === "POST" || req.method === "PATCH" || req.method === "PUT" ? await readJsonObject(req) : {});
  const ctx = context ?? (await contextFromRequest((await getRuntime()).db, req, new Headers()));
  const fed =
    entry.from === "query"
      ? queryInput(url, queryTypes(entry))
      : entry.from === "body"
        ? entry.bodyField
          ? { [entry.bodyField]: read }
          : read
        : {};
  const input = {
    ...fed,
    ...entry.fixed,
    ...paramInput(entry, params),
    ...(entry.project === "key" ? { projectId: projectRef(ctx, req, url) } : {}),
  };
  const result = await procedureOf(createCaller(ctx), entry.procedure)(entry.inputs.length ? input : undefined);
  const status = entry.statusOf?.(result) ?? entry.status;
  return entry.cache && req.method === "GET" ? cachedJson(req, result, status, entry.cache.maxAge) : json(result, status);
}

/** `If-None-Match` holds `tag` (or `*`): the comparison is weak, so `W/"x"` matches `"x"` (RFC 9110 13.1.2). */
const matches = (header: string | null, tag: string) =>
  !!header?.split(",").some((t) => t.trim() === "*" || t.trim().replace(/^W\//, "") === tag);

/** The answer with a strong ETag (sha256 of its JSON: equal bytes, equal tag), or 304 when the client holds it. */
function cachedJson(req: Request, result: unknown, status: number, maxAge: number): Response {
  const etag = `"${createHash("sha256").update(JSON.stringify(result)).digest("base64url")}"`;
  const headers = { etag, "cache-control": `private, max-age=${maxAge}` };
  if (matches(req.headers.get("if-none-match"), etag)) return new Response(null, { status: 304, headers });
  return json(result, status, headers);
}
