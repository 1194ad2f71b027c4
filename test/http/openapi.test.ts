import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { dispatch } from "../../server/http/dispatch";
import { procedureAccess, type RouteEntry } from "../../server/http/entry";
import { inputSchema, openApiDocument } from "../../server/http/openapi";
import { fieldTypes, queryInput } from "../../server/http/routes";
import { findRoute, ROUTE_TABLE } from "../../server/http/table";
import { BASE } from "../factories/workspace";

type Doc = { paths: Record<string, Record<string, { "x-keel-role"?: unknown; "x-keel-procedure"?: string }>> };
const doc = openApiDocument(ROUTE_TABLE) as unknown as Doc;
const docPath = (p: string) => p.replace(/[:*](\w+)/g, "{$1}");

describe("the route table", () => {
  it("declares each method and path once", () => {
    const keys = ROUTE_TABLE.map((e) => `${e.method} ${e.path}`);
    expect(keys.length).toBeGreaterThan(100);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("covers every public surface the issue names", () => {
    for (const [method, path] of [
      ["GET", "/api/v1/me"],
      ["POST", "/api/v1/chat/completions"],
      ["POST", "/api/v1/ingest"],
      ["POST", "/api/v1/otel/v1/traces"],
      ["GET", "/api/v1/projects/p/traces/export"],
      ["POST", "/api/2.0/mlflow/runs/create"],
      ["PUT", "/api/2.0/mlflow-artifacts/artifacts/1/2/artifacts/model.bin"],
      ["GET", "/api/health"],
      ["GET", "/api/metrics"],
      ["GET", "/widget.js"],
      ["GET", "/api/v1/openapi.json"],
      ["PATCH", "/api/v1/drift/monitors/m1"],
    ]) {
      const hit = findRoute(method as string, path as string);
      expect(hit && "entry" in hit, `${method} ${path}`).toBe(true);
    }
    expect(findRoute("PUT", "/api/v1/drift/monitors/m1")).toEqual({ allow: ["GET", "PATCH", "DELETE"], errors: "keel" });
    expect(findRoute("GET", "/api/v1/nothing-here")).toBeNull();
    expect(findRoute("GET", "/api/v1/projects/%E0%A4%A")).toBeNull();
    // HEAD is served as GET (a load balancer's health check)
    const head = findRoute("HEAD", "/api/health");
    expect(head && "entry" in head && head.entry.method).toBe("GET");
  });

  it("coerces query strings to the types the procedure's input declares", () => {
    const entry = ROUTE_TABLE.find((e) => e.kind === "procedure" && e.procedure === "workspace.invitations.list");
    expect(entry, "invitations list route").toBeTruthy();
    const types = fieldTypes(inputSchema(entry as RouteEntry) as { properties?: Record<string, unknown> });
    expect(types).toMatchObject({ pendingOnly: "boolean", limit: "integer" });
    const url = new URL("http://x/?pendingOnly=false&limit=5&cursor=abc&project=demo");
    expect(queryInput(url, types)).toEqual({ pendingOnly: false, limit: 5, cursor: "abc" });
    // a value that does not fit stays text, for the schema to name
    expect(queryInput(new URL("http://x/?pendingOnly=maybe&limit=five"), types)).toEqual({ pendingOnly: "maybe", limit: "five" });
    // arrays: a comma list or repeated parameters
    expect(queryInput(new URL("http://x/?tags=a,b&tags=c"), { tags: "array" })).toEqual({ tags: ["a", "b", "c"] });
  });

  it("reads a procedure's auth and role from the procedure's own ladder and requireRole", () => {
    expect(procedureAccess("workspace.members.add")).toMatchObject({ auth: ["session", "secretKey"], role: "admin" });
    expect(procedureAccess("drift.monitors.create")).toMatchObject({ role: "engineer" });
    expect(procedureAccess("drift.monitors.list")).toMatchObject({ role: "viewer" });
    expect(procedureAccess("workspace.auth.me")).toMatchObject({ auth: ["session", "secretKey"], role: null });
    expect(procedureAccess("workspace.projects.create")).toMatchObject({ auth: ["session"], role: null });
    expect(() => procedureAccess("workspace.nope")).toThrow(/no tRPC procedure/);
    const entry = ROUTE_TABLE.find((e) => e.kind === "procedure" && e.procedure === "workspace.keys.create");
    expect(entry).toMatchObject({ role: "engineer", status: 201, errors: "keel", request: "json" });
  });
});

describe("the dispatcher", () => {
  it("answers a wrong method in the shape its routes declare", async () => {
    const keel = await dispatch(new Request(`${BASE}/api/v1/drift/monitors/m1`, { method: "PUT" }));
    expect(keel.status).toBe(405);
    expect(keel.headers.get("allow")).toBe("GET, PATCH, DELETE");
    expect(((await keel.json()) as { error: { code: string } }).error.code).toBe("METHOD_NOT_SUPPORTED");
    const openai = await dispatch(new Request(`${BASE}/api/v1/chat/completions`));
    expect(openai.status).toBe(405);
    expect(((await openai.json()) as { error: { type: string } }).error.type).toBe("invalid_request_error");
    const mlflow = await dispatch(new Request(`${BASE}/api/2.0/mlflow/runs/log-batch`));
    expect(mlflow.status).toBe(405);
    expect(((await mlflow.json()) as { error_code: string }).error_code).toBe("ENDPOINT_NOT_FOUND");
    const unknown = await dispatch(new Request(`${BASE}/api/2.0/mlflow/nope`));
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error_code: string }).error_code).toBe("ENDPOINT_NOT_FOUND");
  });
});

describe("the OpenAPI document", () => {
  it("is valid OpenAPI 3.1", async () => {
    const res = await new Validator().validate(doc as unknown as Parameters<Validator["validate"]>[0]);
    expect(res.errors ?? []).toEqual([]);
    expect(res.valid).toBe(true);
    expect((doc as unknown as { openapi: string }).openapi).toBe("3.1.0");
  });

  it("lists every route of the table, and nothing else", () => {
    for (const e of ROUTE_TABLE) expect(doc.paths[docPath(e.path)]?.[e.method.toLowerCase()], `${e.method} ${e.path}`).toBeDefined();
    const operations = Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0);
    expect(operations).toBe(ROUTE_TABLE.length);
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((o) => (o as { operationId: string }).operationId));
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.paths["/api/v1/projects/{projectId}/members"]?.post?.["x-keel-role"]).toBe("admin");
    expect(doc.paths["/api/v1/drift/monitors/{monitor}"]?.patch?.["x-keel-procedure"]).toBe("drift.monitors.update");
  });

  it("is served at GET /api/v1/openapi.json", async () => {
    const res = await dispatch(new Request(`${BASE}/api/v1/openapi.json`));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    const served = (await res.json()) as Doc;
    expect(Object.keys(served.paths)).toEqual(Object.keys(doc.paths));
    expect((await dispatch(new Request(`${BASE}/api/v1/openapi.json`, { method: "POST" }))).status).toBe(405);
  });
});
