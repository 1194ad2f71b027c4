import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleTrpc } from "../../server/http/trpc";
import { principalFromSession, signIn } from "../../server/workspace";
import { BASE, callerFor, makeUser, PASSWORD, req, trpcError } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";

let d: TestDatabase;
beforeAll(async () => {
  d = await freshRuntimeDatabase();
});
afterAll(() => d.drop());

const signInReq = (email: string, password: string, origin = BASE) =>
  req("/api/trpc/workspace.auth.signIn", { method: "POST", origin, json: { json: { email, password } } });

describe("sign-in", () => {
  it("sets an httpOnly SameSite session cookie that authenticates later requests", async () => {
    const { user } = await makeUser(d.db);
    const res = await handleTrpc(signInReq(user.email.toUpperCase(), PASSWORD));
    expect(res.status).toBe(200);
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^keel_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Lax");
    const token = cookie.split(";")[0]?.split("=")[1] ?? "";
    const me = await handleTrpc(req("/api/trpc/workspace.auth.me", { cookie: token }));
    expect(me.status).toBe(200);
    expect(JSON.stringify(await me.json())).toContain(user.email);
  });

  it("answers a wrong password and an unknown email with the same 401", async () => {
    const { user } = await makeUser(d.db);
    const wrong = await handleTrpc(signInReq(user.email, "not-the-password"));
    const unknown = await handleTrpc(signInReq("nobody-here@example.com", "not-the-password"));
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const a = trpcError(await wrong.json());
    expect(a.message).toBe("Invalid email or password");
    expect(trpcError(await unknown.json())).toEqual(a);
  });

  it("locks an (email, address) pair after repeated failures, even with the right password", async () => {
    const { user } = await makeUser(d.db);
    for (let i = 0; i < 10; i++) {
      await expect(signIn(d.db, { email: user.email, password: "wrong-password", ip: "192.0.2.9" })).rejects.toMatchObject({
        code: "UNAUTHORIZED",
      });
    }
    await expect(signIn(d.db, { email: user.email, password: PASSWORD, ip: "192.0.2.9" })).rejects.toMatchObject({
      code: "TOO_MANY_REQUESTS",
    });
  });

  it("does not let failures from other addresses lock the victim out of their own address", async () => {
    const { user } = await makeUser(d.db);
    // an attacker fails on purpose from many addresses, each below the per-address limit
    for (let i = 0; i < 30; i++) {
      await expect(signIn(d.db, { email: user.email, password: "wrong-password", ip: `203.0.113.${i}` })).rejects.toMatchObject({
        code: "UNAUTHORIZED",
      });
    }
    const ok = await signIn(d.db, { email: user.email, password: PASSWORD, ip: "198.51.100.50" });
    expect(ok.user.email).toBe(user.email);
  });

  it("rate-limits one client address across emails", async () => {
    for (let i = 0; i < 10; i++) {
      await expect(signIn(d.db, { email: `guess${i}@example.com`, password: "x", ip: "198.51.100.7" })).rejects.toMatchObject({
        code: "UNAUTHORIZED",
      });
    }
    const { user } = await makeUser(d.db);
    await expect(signIn(d.db, { email: user.email, password: PASSWORD, ip: "198.51.100.7" })).rejects.toMatchObject({
      code: "TOO_MANY_REQUESTS",
    });
  });

  it("signs out: the session stops working and the cookie is cleared", async () => {
    const { token, principal } = await makeUser(d.db);
    const resHeaders = new Headers();
    await callerFor(d.db, principal, { sessionToken: token, resHeaders }).workspace.auth.signOut();
    expect(resHeaders.get("set-cookie")).toContain("Max-Age=0");
    expect(await principalFromSession(d.db, token)).toBeNull();
  });

  it("refuses a cookie-authenticated write from another origin (CSRF) and one without Origin", async () => {
    const { user } = await makeUser(d.db);
    const evil = await handleTrpc(signInReq(user.email, PASSWORD, "https://evil.example"));
    expect(evil.status).toBe(403);
    const { token } = await makeUser(d.db);
    const noOrigin = await handleTrpc(
      req("/api/trpc/workspace.projects.create", { method: "POST", cookie: token, json: { json: { name: "x" } } }),
    );
    expect(noOrigin.status).toBe(403);
    expect(trpcError(await noOrigin.json()).message).toContain("missing Origin");
  });

  it("rejects unauthenticated calls with 401", async () => {
    const res = await handleTrpc(req("/api/trpc/workspace.auth.me"));
    expect(res.status).toBe(401);
  });
});
