import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { env } from "../../env";
import { handleTrpc } from "../../server/http/trpc";
import { handleV1 } from "../../server/http/v1";
import { BASE, makeKey, makeProject, req } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";

let d: TestDatabase;
let slug: string;
let key: string;
let token: string;
beforeAll(async () => {
  d = await freshRuntimeDatabase();
  const p = await makeProject(d.db);
  slug = p.project.slug;
  token = p.owner.token;
  key = (await makeKey(d.db, p.project.id, p.owner.user.id, "owner")).key;
});
afterAll(() => d.drop());

const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string; field?: string } }).error;

describe("public HTTP API: bad input", () => {
  it("answers malformed JSON with 400 saying so", async () => {
    const res = await handleV1(
      req(`/api/v1/projects/${slug}/keys`, { method: "POST", key, body: '{"name": "x",', headers: { "content-type": "application/json" } }),
    );
    expect(res.status).toBe(400);
    const e = await errorOf(res);
    expect(e.code).toBe("BAD_REQUEST");
    expect(e.message).toMatch(/^Malformed JSON body: /);
  });

  it("answers a JSON body that is not an object with 400", async () => {
    const res = await handleV1(req(`/api/v1/projects/${slug}/keys`, { method: "POST", key, json: ["name"] }));
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toBe("Request body must be a JSON object");
  });

  it("answers wrong types with 400 naming the field", async () => {
    const res = await handleV1(req(`/api/v1/projects/${slug}/keys`, { method: "POST", key, json: { name: 42 } }));
    expect(res.status).toBe(400);
    const e = await errorOf(res);
    expect(e.field).toBe("name");
    expect(e.message).toMatch(/^name: /);
    const kind = await handleV1(req(`/api/v1/projects/${slug}/keys`, { method: "POST", key, json: { name: "ok", kind: "weird" } }));
    expect((await errorOf(kind)).field).toBe("kind");
    const limit = await handleV1(req(`/api/v1/projects/${slug}/members?limit=abc`, { key }));
    expect(limit.status).toBe(400);
    expect((await errorOf(limit)).field).toBe("limit");
  });

  it("answers an oversized body with 413 on the HTTP API and on tRPC, by header and by stream", async () => {
    const big = JSON.stringify({ name: "x".repeat(env.KEEL_MAX_BODY_BYTES + 10) });
    const v1 = await handleV1(
      req(`/api/v1/projects/${slug}/keys`, { method: "POST", key, body: big, headers: { "content-length": String(big.length) } }),
    );
    expect(v1.status).toBe(413);
    expect((await errorOf(v1)).code).toBe("PAYLOAD_TOO_LARGE");
    // no content-length: the limit holds while reading the stream
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(big));
        c.close();
      },
    });
    const chunked = await handleV1(
      new Request(`${BASE}/api/v1/projects/${slug}/keys`, {
        method: "POST",
        body: stream,
        headers: { authorization: `Bearer ${key}` },
        duplex: "half",
      } as RequestInit),
    );
    expect(chunked.status).toBe(413);
    const trpc = await handleTrpc(req("/api/trpc/workspace.keys.create", { method: "POST", key, body: big }));
    expect(trpc.status).toBe(413);
  });

  it("answers an unknown route with 404 and a wrong method with 405", async () => {
    const nope = await handleV1(req("/api/v1/nothing-here", { key }));
    expect(nope.status).toBe(404);
    expect(await errorOf(nope)).toEqual({ code: "NOT_FOUND", message: "No route GET /api/v1/nothing-here" });
    const wrong = await handleV1(req(`/api/v1/projects/${slug}`, { method: "DELETE", key }));
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET");
  });

  it("answers a malformed id with 400 naming it, and a well-formed unknown id with 404", async () => {
    const bad = await handleV1(req(`/api/v1/projects/${slug}/jobs/not-a-uuid`, { key }));
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).field).toBe("jobId");
    const missing = await handleV1(req(`/api/v1/projects/${slug}/jobs/00000000-0000-4000-8000-000000000000`, { key }));
    expect(missing.status).toBe(404);
  });

  it("creates a key over HTTP with 201 and the plain key once", async () => {
    const res = await handleV1(req(`/api/v1/projects/${slug}/keys`, { method: "POST", key, json: { name: "from http" } }));
    expect(res.status).toBe(201);
    const body = (await res.json()) as { key: string; view: { name: string; kind: string } };
    expect(body.key).toMatch(/^sk_/);
    expect(body.view).toMatchObject({ name: "from http", kind: "secret" });
  });

  it("accepts cookie auth on the HTTP API, with the origin check on writes", async () => {
    expect((await handleV1(req(`/api/v1/projects/${slug}`, { cookie: token }))).status).toBe(200);
    const foreign = await handleV1(
      req(`/api/v1/projects/${slug}/keys`, { method: "POST", cookie: token, origin: "https://evil.example", json: { name: "x" } }),
    );
    expect(foreign.status).toBe(403);
    const same = await handleV1(req(`/api/v1/projects/${slug}/keys`, { method: "POST", cookie: token, origin: BASE, json: { name: "x" } }));
    expect(same.status).toBe(201);
  });
});
