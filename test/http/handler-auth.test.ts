import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dispatch } from "../../server/http/dispatch";
import { handlerRoute } from "../../server/http/entry";
import { BASE, makeKey, makeProject, req } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";

/**
 * The dispatcher's one auth step for handler entries (server/http/handler-call.ts): the caller's
 * kind, the project and the role, checked from the entry's declaration before its handler runs.
 */
let d: TestDatabase;
let slug: string;
let cookie: string;
let owner: string;
let viewer: string;
let pub: string;
beforeAll(async () => {
  d = await freshRuntimeDatabase();
  const p = await makeProject(d.db);
  slug = p.project.slug;
  cookie = p.owner.token;
  owner = (await makeKey(d.db, p.project.id, p.owner.user.id, "owner")).key;
  viewer = (await makeKey(d.db, p.project.id, p.owner.user.id, "viewer")).key;
  pub = (await makeKey(d.db, p.project.id, p.owner.user.id, "owner", "public")).key;
});
afterAll(() => d.drop());

type KeelError = { error: { code: string; message: string; field?: string } };
const errorOf = async (res: Response) => ((await res.json()) as KeelError).error;

describe("the auth step of handler entries", () => {
  it("refuses a kind the entry does not take, naming what it takes", async () => {
    const session = await dispatch(req("/api/v1/ingest", { method: "POST", cookie, origin: BASE, json: { batch: [] } }));
    expect(session.status).toBe(403);
    expect(await errorOf(session)).toEqual({
      code: "FORBIDDEN",
      message: "This endpoint takes a secret key (sk_), not a signed-in session",
    });
    const anon = await dispatch(req("/api/v1/ingest", { method: "POST", json: { batch: [] } }));
    expect(await errorOf(anon)).toEqual({ code: "UNAUTHORIZED", message: "Send Authorization: Bearer sk_..." });
  });

  it("checks the role in one format, a key's own role where the entry has no project", async () => {
    const ingest = await dispatch(req("/api/v1/ingest", { method: "POST", key: viewer, json: { batch: [] } }));
    expect(ingest.status).toBe(403);
    expect((await errorOf(ingest)).message).toBe("This needs the engineer role or higher; you are viewer");
    const mlflow = await dispatch(req("/api/2.0/mlflow/experiments/create", { method: "POST", key: viewer, json: { name: "e" } }));
    expect(mlflow.status).toBe(403);
    expect(await mlflow.json()).toEqual({
      error_code: "PERMISSION_DENIED",
      message: "This needs the engineer role or higher; you are viewer",
    });
  });

  it("resolves a project-less path's project from a user's ?project=, or asks for it", async () => {
    const listed = await dispatch(req(`/api/v1/experiments?project=${slug}`, { cookie }));
    expect(listed.status).toBe(200);
    const unnamed = await dispatch(req("/api/v1/experiments", { cookie }));
    expect(unnamed.status).toBe(400);
    expect((await errorOf(unnamed)).field).toBe("project");
    expect((await dispatch(req("/api/v1/experiments?project=nope", { cookie }))).status).toBe(404);
  });

  it("keeps the widget's CORS headers on a refusal, so a browser can read it", async () => {
    const origin = "https://app.example.com";
    const anon = await dispatch(req("/api/v1/ratings", { method: "POST", key: `pk_${"a".repeat(43)}`, origin, json: {} }));
    expect(anon.status).toBe(401);
    expect(anon.headers.get("access-control-allow-origin")).toBe(origin);
    const viewerRating = await dispatch(req("/api/v1/ratings", { method: "POST", key: viewer, json: {} }));
    expect(viewerRating.status).toBe(403);
  });

  it("answers the gateway's refusals in OpenAI's shape with invalid_api_key, and serves an admitted key", async () => {
    for (const [key, status] of [
      [undefined, 401],
      [pub, 403],
    ] as const) {
      const res = await dispatch(req("/api/v1/chat/completions", { method: "POST", key, json: {} }));
      expect(res.status).toBe(status);
      expect(((await res.json()) as { error: { code: string; type: string } }).error).toMatchObject({
        code: "invalid_api_key",
        type: "invalid_request_error",
      });
    }
    const models = await dispatch(req("/api/v1/models", { key: viewer }));
    expect(models.status).toBe(200);
  });

  it("refuses, when the table loads, a declaration the step could not serve", () => {
    const base = { method: "GET", summary: "t", role: null, request: "none", response: "json", errors: "keel" } as const;
    const ok = async () => new Response(null);
    expect(() => handlerRoute({ ...base, path: "/api/v1/x", auth: ["secretKey"], project: "path", handle: ok })).toThrow(/:projectId/);
    expect(() => handlerRoute({ ...base, path: "/api/v1/x", auth: ["session"], role: "viewer", handle: ok })).toThrow(/a project/);
    expect(() => handlerRoute({ ...base, path: "/api/v1/x", auth: ["none", "secretKey"], handle: ok })).toThrow(/mixes/);
  });
});

describe("invitations over REST", () => {
  it("lists and revokes a project's invitations, admins only", async () => {
    const created = await dispatch(
      req(`/api/v1/projects/${slug}/members`, { method: "POST", key: owner, json: { email: "new@example.com", role: "viewer" } }),
    );
    expect(created.status).toBe(201);
    const { invitation } = (await created.json()) as { invitation: { id: string } };
    const list = async () => {
      const res = await dispatch(req(`/api/v1/projects/${slug}/invitations`, { key: owner }));
      expect(res.status).toBe(200);
      return ((await res.json()) as { items: { id: string; email: string }[] }).items;
    };
    expect(await list()).toEqual([expect.objectContaining({ id: invitation.id, email: "new@example.com" })]);
    const revoked = await dispatch(req(`/api/v1/projects/${slug}/invitations/${invitation.id}`, { method: "DELETE", key: owner }));
    expect(revoked.status).toBe(200);
    expect(await revoked.json()).toEqual({ id: invitation.id, status: "revoked" });
    expect(await list()).toEqual([]);
    expect((await dispatch(req(`/api/v1/projects/${slug}/invitations`, { key: viewer }))).status).toBe(403);
  });
});
