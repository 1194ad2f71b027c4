import { z } from "zod";
import type { AuthKind, ErrorShape, RouteEntry } from "./entry";

/**
 * The OpenAPI 3.1 document of the route table: nothing here is written by hand per route, so a route
 * is documented exactly as it is served. Schemas are zod's own JSON Schema (draft 2020-12, which is
 * OpenAPI 3.1's dialect); what JSON cannot express (dates) is documented as it is sent (ISO strings).
 */
type Json = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: "input" | "output"): Json {
  try {
    const out = z.toJSONSchema(schema, {
      io,
      unrepresentable: "any",
      override: (ctx) => {
        const type = (ctx.zodSchema as { _zod?: { def?: { type?: string } } })._zod?.def?.type;
        if (type === "date") Object.assign(ctx.jsonSchema, { type: "string", format: "date-time" });
        if (type === "bigint") Object.assign(ctx.jsonSchema, { type: "integer" });
      },
    }) as Json;
    delete out.$schema;
    return out;
  } catch {
    return { description: "not expressible as JSON Schema" };
  }
}

/** The entry's input parts as one object schema (each part is an object in practice), or `allOf` when not. */
export function inputSchema(entry: RouteEntry): Json | null {
  if (!entry.inputs.length) return null;
  const parts = entry.inputs.map((s) => jsonSchema(s, "input"));
  if (!parts.every((p) => p.type === "object" && !p.allOf && !p.anyOf && !p.oneOf))
    return parts.length === 1 ? (parts[0] as Json) : { allOf: parts };
  const properties: Json = {};
  const required = new Set<string>();
  for (const p of parts) {
    Object.assign(properties, p.properties as Json);
    for (const r of (p.required as string[] | undefined) ?? []) required.add(r);
  }
  return { type: "object", properties, ...(required.size ? { required: [...required] } : {}) };
}

const without = (schema: Json, names: string[]): Json => {
  if (schema.type !== "object" || !schema.properties) return schema;
  const properties = Object.fromEntries(Object.entries(schema.properties as Json).filter(([k]) => !names.includes(k)));
  const required = ((schema.required as string[] | undefined) ?? []).filter((r) => !names.includes(r));
  const { required: _, ...rest } = schema;
  return { ...rest, properties, ...(required.length ? { required } : {}) };
};

const MEDIA: Record<string, string> = {
  json: "application/json",
  sse: "text/event-stream",
  ndjson: "application/x-ndjson",
  bytes: "application/octet-stream",
  text: "text/plain",
  javascript: "text/javascript",
  multipart: "multipart/form-data",
};

const ERROR_RESPONSE: Record<ErrorShape, string> = { keel: "KeelError", openai: "OpenAIError", mlflow: "MlflowError" };

function operation(entry: RouteEntry): Json {
  const pathParams = [...entry.path.matchAll(/[:*](\w+)/g)].map((m) => m[1] as string);
  const input = inputSchema(entry);
  // fields the path fills (renamed params too) or fixes are not the client's to send
  const filled =
    entry.kind === "procedure" ? [...Object.values(entry.params ?? {}).map((p) => p.as ?? ""), ...Object.keys(entry.fixed ?? {})] : [];
  const hidden = [...pathParams, ...filled, "projectId"];
  const parameters: Json[] = pathParams.map((name) => ({ name, in: "path", required: true, schema: { type: "string" } }));
  if (entry.project === "key")
    parameters.push({
      name: "project",
      in: "query",
      required: false,
      description: "the project (slug or id) when signed in; a secret key acts on its own project",
      schema: { type: "string" },
    });
  // a procedure's query input, or the options of a handler whose body is a file (not JSON)
  const queryFed = entry.kind === "procedure" ? entry.from === "query" : entry.request !== "json" && entry.request !== "none";
  if (queryFed && input?.properties) {
    const required = (input.required as string[] | undefined) ?? [];
    for (const [name, schema] of Object.entries(input.properties as Json))
      if (!hidden.includes(name)) parameters.push({ name, in: "query", required: required.includes(name), schema });
  }
  let requestBody: Json | undefined;
  if (entry.request === "json") {
    let schema: Json = input ? without(input, hidden) : { type: "object" };
    if (entry.kind === "procedure" && entry.bodyField) schema = ((input?.properties as Json | undefined)?.[entry.bodyField] as Json) ?? {};
    if (entry.kind === "procedure" && entry.from === "none") schema = { type: "object", description: "ignored" };
    requestBody = { required: false, content: { "application/json": { schema } } };
  } else if (entry.request !== "none") {
    requestBody = { required: true, content: { [MEDIA[entry.request] as string]: { schema: {} } } };
  }
  const media = MEDIA[entry.response];
  const success: Json = { description: entry.summary };
  if (media) success.content = { [media]: { schema: entry.output ? jsonSchema(entry.output, "output") : {} } };
  const cached = entry.kind === "procedure" && entry.cache ? entry.cache : null;
  if (cached)
    success.headers = {
      ETag: { description: "strong: a hash of the answer", schema: { type: "string" } },
      "Cache-Control": { schema: { type: "string", example: `private, max-age=${cached.maxAge}` } },
    };
  const auth = entry.auth.filter((a): a is Exclude<AuthKind, "none"> => a !== "none");
  return {
    operationId: `${entry.method.toLowerCase()}${entry.path.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? "").toUpperCase())}`,
    summary: entry.summary,
    tags: [entry.tag],
    ...(parameters.length ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses: {
      [String(entry.status)]: success,
      ...(cached ? { "304": { description: "Not modified: If-None-Match holds the answer's ETag" } } : {}),
      default: { $ref: `#/components/responses/${ERROR_RESPONSE[entry.errors]}` },
    },
    security: [...auth.map((a) => ({ [a]: [] })), ...(entry.auth.includes("none") ? [{}] : [])],
    "x-keel-auth": entry.auth,
    "x-keel-role": entry.role,
    "x-keel-body": { request: entry.request, response: entry.response },
    "x-keel-errors": entry.errors,
    ...(entry.kind === "procedure" ? { "x-keel-procedure": entry.procedure } : {}),
  };
}

const errorResponse = (description: string, schema: Json): Json => ({ description, content: { "application/json": { schema } } });
const str = { type: "string" };

/** The whole document, paths in table order (`:name` and `*name` become `{name}`). */
export function openApiDocument(routes: readonly RouteEntry[]): Json {
  const paths: Record<string, Json> = {};
  for (const entry of routes) {
    const path = entry.path.replace(/[:*](\w+)/g, "{$1}");
    paths[path] ??= {};
    (paths[path] as Json)[entry.method.toLowerCase()] = operation(entry);
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Keel HTTP API",
      version: "1",
      description: "Generated from Keel's route table (server/http/table.ts). x-keel-role is the least project role a call needs.",
    },
    servers: [{ url: "/" }],
    paths,
    components: {
      securitySchemes: {
        session: { type: "apiKey", in: "cookie", name: "keel_session", description: "a signed-in browser session" },
        secretKey: { type: "http", scheme: "bearer", bearerFormat: "sk_...", description: "a project's secret key" },
        publicKey: { type: "http", scheme: "bearer", bearerFormat: "pk_...", description: "a project's public key (widget)" },
        metricsToken: { type: "http", scheme: "bearer", description: "KEEL_METRICS_TOKEN, where the operator set one" },
        workerToken: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "wk_...",
          description: "a remote worker's token (keel workers token create)",
        },
      },
      responses: {
        KeelError: errorResponse("Keel's error shape; 5xx hides detail", {
          type: "object",
          required: ["error"],
          properties: { error: { type: "object", required: ["code", "message"], properties: { code: str, message: str, field: str } } },
        }),
        OpenAIError: errorResponse("OpenAI's error shape", {
          type: "object",
          required: ["error"],
          properties: { error: { type: "object", properties: { message: str, type: str, code: { type: ["string", "null"] } } } },
        }),
        MlflowError: errorResponse("MLflow's error shape", {
          type: "object",
          required: ["error_code", "message"],
          properties: { error_code: str, message: str },
        }),
      },
    },
  };
}
