import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dispatch } from "../../server/http/dispatch";
import type { ErrorShape, RouteEntry } from "../../server/http/entry";
import { openApiDocument } from "../../server/http/openapi";
import { ROUTE_TABLE } from "../../server/http/table";
import { makeKey, makeProject, req } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";

/**
 * Generated from the route table: one case per route and kind of bad input, each answered with the
 * route's declared error shape and status, and none of them writing a row.
 */
let d: TestDatabase;
let slug: string;
let owner: string;
let viewer: string;
let otherSlug: string;
beforeAll(async () => {
  d = await freshRuntimeDatabase();
  const p = await makeProject(d.db);
  slug = p.project.slug;
  owner = (await makeKey(d.db, p.project.id, p.owner.user.id, "owner")).key;
  viewer = (await makeKey(d.db, p.project.id, p.owner.user.id, "viewer")).key;
  otherSlug = (await makeProject(d.db)).project.slug;
});
afterAll(() => d.drop());

/** The route's path with its parameters filled: our own project, made-up ids elsewhere. */
const pathOf = (e: RouteEntry) =>
  e.path.replace(/:projectId/, () => slug).replace(/[:*](\w+)/g, (_, name: string) => (name === "path" ? "a/b.txt" : `x-${name}`));

const bodyOf = (e: RouteEntry, json: string) =>
  e.request === "json" ? { body: json, headers: { "content-type": "application/json" } } : e.request === "none" ? {} : { body: "x" };

/** Row counts of every table: a bad request must leave them as they were. */
async function rowCounts(): Promise<Record<string, number>> {
  const tables = await d.db.execute<{ t: string }>(
    sql`SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) AS t FROM information_schema.tables
        WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
  );
  const out: Record<string, number> = {};
  for (const { t } of tables) {
    const [row] = await d.db.execute<{ n: number }>(sql.raw(`SELECT count(*)::int AS n FROM ${t}`));
    out[t] = row?.n ?? -1;
  }
  return out;
}

async function expectShape(res: Response, shape: ErrorShape, status: number, code: { keel: string; mlflow: string }) {
  expect(res.status).toBe(status);
  const body = (await res.json()) as { error?: { code?: string; message?: string }; error_code?: string; message?: string };
  if (shape === "keel") expect(body.error?.code).toBe(code.keel);
  else if (shape === "mlflow") expect(body.error_code).toBe(code.mlflow);
  else expect(typeof body.error?.message).toBe("string");
}

/** A value of the schema's type, to fill the fields a case is not about. */
function plausible(schema: Record<string, unknown>): unknown {
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if (schema.const !== undefined) return schema.const;
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  return type === "string" ? "x" : type === "number" || type === "integer" ? 1 : type === "boolean" ? true : type === "array" ? [] : {};
}
/** A value that is not of the schema's type. */
const wrongFor = (schema: Record<string, unknown>): unknown => (schema.type === "string" || schema.enum ? 12345 : "not-the-type");

interface BodySchema {
  properties: Record<string, Record<string, unknown>>;
  required: string[];
}
/** The JSON body schema the OpenAPI document declares for an entry, when it is an object with required fields. */
function bodySchema(e: RouteEntry): BodySchema | null {
  const op = (openApi.paths as Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: unknown }> } }>>)[
    e.path.replace(/[:*](\w+)/g, "{$1}")
  ]?.[e.method.toLowerCase()];
  const schema = op?.requestBody?.content?.["application/json"]?.schema as Partial<BodySchema> | undefined;
  return schema?.properties && schema.required?.length ? (schema as BodySchema) : null;
}

const openApi = openApiDocument(ROUTE_TABLE);
const authed = ROUTE_TABLE.filter((e) => !e.auth.includes("none"));
const jsonBodies = ROUTE_TABLE.filter((e) => e.request === "json" && e.auth.includes("secretKey"));
const aboveViewer = ROUTE_TABLE.filter(
  (e) => e.auth.includes("secretKey") && e.role !== null && e.role !== "viewer" && e.role !== "instanceAdmin",
);
const wrongTypes = ROUTE_TABLE.filter((e) => e.kind === "procedure" && e.request === "json").flatMap((e) => {
  const schema = bodySchema(e);
  return schema ? schema.required.map((field) => ({ e, field, schema })) : [];
});
const projectPaths = ROUTE_TABLE.filter((e) => e.path.includes(":projectId") && e.auth.includes("secretKey"));
const OVERSIZED = "x".repeat(6 * 1024 * 1024); // over KEEL_MAX_BODY_BYTES and over ingest's 5 MB
const cases = authed.length + jsonBodies.length + aboveViewer.length + wrongTypes.length + projectPaths.length + jsonBodies.length;

describe(`bad input, generated from the route table (${cases} cases)`, () => {
  let before: Record<string, number>;
  beforeAll(async () => {
    before = await rowCounts();
  });
  afterAll(async () => {
    expect(await rowCounts()).toEqual(before);
  });

  it.each(authed.map((e) => [`${e.method} ${e.path}`, e] as const))("%s without credentials: 401", async (_, e) => {
    const res = await dispatch(req(pathOf(e), { method: e.method, ...bodyOf(e, "{}") }));
    await expectShape(res, e.errors, 401, { keel: "UNAUTHORIZED", mlflow: "UNAUTHENTICATED" });
  });

  it.each(jsonBodies.map((e) => [`${e.method} ${e.path}`, e] as const))("%s with a body that is not JSON: 400", async (_, e) => {
    const res = await dispatch(req(pathOf(e), { method: e.method, key: owner, ...bodyOf(e, '{"name": ') }));
    await expectShape(res, e.errors, 400, { keel: "BAD_REQUEST", mlflow: "INVALID_PARAMETER_VALUE" });
  });

  it.each(wrongTypes.map(({ e, field, schema }) => [`${e.method} ${e.path}: ${field}`, e, field, schema] as const))(
    "%s of the wrong type: 400 naming a field",
    async (_, e, field, schema) => {
      const body = Object.fromEntries(schema.required.map((f) => [f, plausible(schema.properties[f] ?? {})]));
      body[field] = wrongFor(schema.properties[field] ?? {});
      const res = await dispatch(req(pathOf(e), { method: e.method, key: owner, json: body }));
      expect(res.status).toBe(400);
      const error = ((await res.json()) as { error: { code: string; field?: string } }).error;
      expect(error.code).toBe("BAD_REQUEST");
      expect(error.field).toBeTruthy();
    },
  );

  it.each(jsonBodies.map((e) => [`${e.method} ${e.path}`, e] as const))("%s with a 6 MB body: 413", async (_, e) => {
    const res = await dispatch(
      req(pathOf(e), {
        method: e.method,
        key: owner,
        body: OVERSIZED,
        headers: { "content-type": "application/json", "content-length": String(OVERSIZED.length) },
      }),
    );
    await expectShape(res, e.errors, 413, { keel: "PAYLOAD_TOO_LARGE", mlflow: "RESOURCE_LIMIT_EXCEEDED" });
  });

  it.each(projectPaths.map((e) => [`${e.method} ${e.path}`, e] as const))("%s on another project: 404", async (_, e) => {
    const res = await dispatch(req(pathOf(e).replace(slug, otherSlug), { method: e.method, key: owner, ...bodyOf(e, "{}") }));
    await expectShape(res, e.errors, 404, { keel: "NOT_FOUND", mlflow: "RESOURCE_DOES_NOT_EXIST" });
  });

  it.each(aboveViewer.map((e) => [`${e.method} ${e.path} (needs ${e.role})`, e] as const))("%s with a viewer's key: 403", async (_, e) => {
    const res = await dispatch(req(pathOf(e), { method: e.method, key: viewer, ...bodyOf(e, "{}") }));
    await expectShape(res, e.errors, 403, { keel: "FORBIDDEN", mlflow: "PERMISSION_DENIED" });
  });
});
