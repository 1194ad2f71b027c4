import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { handleTrpc } from "../../server/http/trpc";
import { handleV1 } from "../../server/http/v1";
import {
  clearInstanceSettingsCache,
  createUser,
  principalFromApiKey,
  principalFromSession,
  SYSTEM_ACTOR,
  signIn,
} from "../../server/workspace";
import { callerFor, makeKey, makeProject, makeUser, PASSWORD, req } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";

let d: TestDatabase;
/** The first user of the fresh database: an instance admin. */
let admin: Awaited<ReturnType<typeof makeUser>>;
beforeAll(async () => {
  d = await freshRuntimeDatabase();
  admin = await makeUser(d.db);
});
afterAll(() => d.drop());

describe("instance admins", () => {
  it("makes the first user of a fresh instance an admin, and later users not", async () => {
    expect(admin.principal).toMatchObject({ kind: "user", isAdmin: true });
    const later = await makeUser(d.db);
    expect(later.principal).toMatchObject({ kind: "user", isAdmin: false });
    expect(await callerFor(d.db, later.principal).workspace.auth.me()).toMatchObject({ isAdmin: false });
  });

  it("refuses the instance rung to non-admins (403) and to keys, and serves admins", async () => {
    const { project, owner } = await makeProject(d.db);
    const { principal: keyPrincipal } = await makeKey(d.db, project.id, owner.user.id, "owner");
    const api = callerFor(d.db, owner.principal);
    await expect(api.workspace.instance.settings.get()).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: "This needs an instance admin",
    });
    await expect(api.workspace.instance.users.list({})).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(api.workspace.instance.users.disable({ userId: admin.user.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(callerFor(d.db, keyPrincipal).workspace.instance.settings.get()).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(callerFor(d.db, null).workspace.instance.settings.get()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    const users = await callerFor(d.db, admin.principal).workspace.instance.users.list({ limit: 200 });
    expect(users.items.map((u) => u.email)).toContain(owner.user.email);
  });

  it("validates the egress allow-list naming the field, and stores it normalized", async () => {
    const api = callerFor(d.db, admin.principal).workspace.instance.settings;
    await expect(api.set({ key: "egress.allow", value: ["10.0.0.0/33"] })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("10.0.0.0/33"),
      // the input's field, as the schema's own refusals name it: the console shows it under the list
      cause: expect.objectContaining({ field: "value" }),
    });
    await expect(api.set({ key: "egress.allow", value: ["not-a-cidr"] })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    const out = await api.set({ key: "egress.allow", value: ["10.0.0.0/8", "FD00::/8", "10.0.0.0/8"] });
    expect(out.egressAllow).toEqual(["10.0.0.0/8", "fd00::/8"]);
    expect((await api.get()).egressAllow).toEqual(["10.0.0.0/8", "fd00::/8"]);
  });

  it("keeps at least one admin, and lets an admin make and unmake others", async () => {
    const other = await makeUser(d.db);
    const api = callerFor(d.db, admin.principal).workspace.instance.users;
    expect(await api.setAdmin({ userId: other.user.id, isAdmin: true })).toMatchObject({ isAdmin: true });
    expect(await principalFromSession(d.db, other.token)).toMatchObject({ isAdmin: true });
    expect(await api.setAdmin({ userId: other.user.id, isAdmin: false })).toMatchObject({ isAdmin: false });
    await expect(api.setAdmin({ userId: admin.user.id, isAdmin: false })).rejects.toMatchObject({ code: "CONFLICT" });
  });
});

describe("project creation", () => {
  it("lets anyone create projects by default, and only admins when restricted (403 saying who may)", async () => {
    const user = await makeUser(d.db);
    const api = callerFor(d.db, user.principal);
    await api.workspace.projects.create({ name: "Mine" });
    await callerFor(d.db, admin.principal).workspace.instance.settings.set({ key: "projects.creation", value: "admins" });
    try {
      await expect(api.workspace.projects.create({ name: "Another" })).rejects.toMatchObject({
        code: "FORBIDDEN",
        message: expect.stringContaining("Only instance admins may create projects"),
      });
      expect(await callerFor(d.db, admin.principal).workspace.projects.create({ name: "Admin's" })).toMatchObject({ slug: "admin-s" });
    } finally {
      await callerFor(d.db, admin.principal).workspace.instance.settings.set({ key: "projects.creation", value: "anyone" });
      clearInstanceSettingsCache();
    }
  });
});

describe("disabling a user", () => {
  it("stops their session and their keys at once (401), even a key cached a moment before, and says who did it", async () => {
    const { project, owner } = await makeProject(d.db);
    const { key } = await makeKey(d.db, project.id, owner.user.id, "owner");
    const path = `/api/v1/projects/${project.slug}`;
    expect((await handleV1(req(path, { key }))).status).toBe(200); // now in the key cache
    expect((await handleV1(req(path, { cookie: owner.token }))).status).toBe(200);

    await callerFor(d.db, admin.principal).workspace.instance.users.disable({ userId: owner.user.id });

    expect((await handleV1(req(path, { key }))).status).toBe(401);
    expect((await handleV1(req(path, { cookie: owner.token }))).status).toBe(401);
    await expect(signIn(d.db, { email: owner.user.email, password: PASSWORD, ip: "192.0.2.77" })).rejects.toMatchObject({
      code: "UNAUTHORIZED",
      message: "Invalid email or password",
    });
    const [entry] = await d.db.select().from(schema.auditLogs).where(eq(schema.auditLogs.action, "workspace.user.disable"));
    expect(entry).toMatchObject({ actorUserId: admin.user.id, targetId: owner.user.id });
    const listed = await callerFor(d.db, admin.principal).workspace.instance.users.list({ limit: 200 });
    expect(listed.items.find((u) => u.id === owner.user.id)).toMatchObject({ disabledByEmail: admin.user.email });

    await callerFor(d.db, admin.principal).workspace.instance.users.enable({ userId: owner.user.id });
    expect((await handleV1(req(path, { key }))).status).toBe(200);
    const again = await signIn(d.db, { email: owner.user.email, password: PASSWORD, ip: "192.0.2.78" });
    expect((await handleV1(req(path, { cookie: again.token }))).status).toBe(200);
  });

  it("stops the public (widget) keys a disabled user created", async () => {
    const { project, owner } = await makeProject(d.db);
    const { key } = await makeKey(d.db, project.id, owner.user.id, "owner", "public");
    expect(await principalFromApiKey(d.db, key)).toMatchObject({ kind: "publicKey" });
    await callerFor(d.db, admin.principal).workspace.instance.users.disable({ userId: owner.user.id });
    expect(await principalFromApiKey(d.db, key)).toBeNull();
  });

  it("does not let an admin disable themselves", async () => {
    await expect(callerFor(d.db, admin.principal).workspace.instance.users.disable({ userId: admin.user.id })).rejects.toMatchObject({
      code: "CONFLICT",
    });
  });
});

describe("session cookies", () => {
  it("are Secure when the request came over https, on sign-in and on sign-out everywhere", async () => {
    const { user } = await makeUser(d.db);
    const post = (path: string, body: unknown, cookie?: string) =>
      handleTrpc(
        new Request(`https://keel.test/api/trpc/${path}`, {
          method: "POST",
          headers: { host: "keel.test", origin: "https://keel.test", "content-type": "application/json", ...(cookie ? { cookie } : {}) },
          body: JSON.stringify({ json: body }),
        }),
      );
    const res = await post("workspace.auth.signIn", { email: user.email, password: PASSWORD });
    expect(res.status).toBe(200);
    const set = res.headers.get("set-cookie") ?? "";
    expect(set).toContain("; Secure");
    const out = await post("workspace.auth.signOutEverywhere", undefined, set.split(";")[0]);
    expect(out.status).toBe(200);
    expect(out.headers.get("set-cookie")).toMatch(/Max-Age=0.*; Secure/);
  });
});

describe("sessions", () => {
  it("ends a session idle longer than KEEL_SESSION_IDLE_HOURS, and moves last_seen_at at most once a minute", async () => {
    const { token, user } = await makeUser(d.db);
    const s = schema.sessions;
    const seen = async () => (await d.db.select({ t: s.lastSeenAt }).from(s).where(eq(s.userId, user.id)))[0]?.t.getTime() ?? 0;
    // within the minute: no write
    await d.db
      .update(s)
      .set({ lastSeenAt: new Date(Date.now() - 30_000) })
      .where(eq(s.userId, user.id));
    const t0 = await seen();
    expect(await principalFromSession(d.db, token)).not.toBeNull();
    expect(await seen()).toBe(t0);
    // older than a minute: moved to now
    await d.db
      .update(s)
      .set({ lastSeenAt: new Date(Date.now() - 5 * 60_000) })
      .where(eq(s.userId, user.id));
    expect(await principalFromSession(d.db, token)).not.toBeNull();
    expect(Date.now() - (await seen())).toBeLessThan(10_000);
    // idle for 25 hours (default limit 24): refused, though its absolute lifetime is 14 days
    await d.db
      .update(s)
      .set({ lastSeenAt: new Date(Date.now() - 25 * 3600_000) })
      .where(eq(s.userId, user.id));
    expect(await principalFromSession(d.db, token)).toBeNull();
    expect((await handleV1(req("/api/v1/me", { cookie: token }))).status).toBe(401);
  });

  it("signs out everywhere: every session of the user ends", async () => {
    const { token, user, principal } = await makeUser(d.db);
    const second = await signIn(d.db, { email: user.email, password: PASSWORD, ip: "192.0.2.80" });
    const resHeaders = new Headers();
    const out = await callerFor(d.db, principal, { sessionToken: token, resHeaders }).workspace.auth.signOutEverywhere();
    expect(out.sessionsEnded).toBe(2);
    expect(resHeaders.get("set-cookie")).toContain("Max-Age=0");
    expect(await principalFromSession(d.db, token)).toBeNull();
    expect(await principalFromSession(d.db, second.token)).toBeNull();
  });

  it("changes a password with the current one; other sessions end, this one stays", async () => {
    const { token, user, principal } = await makeUser(d.db);
    const other = await signIn(d.db, { email: user.email, password: PASSWORD, ip: "192.0.2.81" });
    const api = callerFor(d.db, principal, { sessionToken: token }).workspace.auth;
    await expect(api.changePassword({ currentPassword: "wrong-one", newPassword: "a-new-password-1" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      cause: expect.objectContaining({ field: "currentPassword" }),
    });
    await expect(api.changePassword({ currentPassword: PASSWORD, newPassword: "short" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect(await api.changePassword({ currentPassword: PASSWORD, newPassword: "a-new-password-1" })).toEqual({ sessionsEnded: 1 });
    expect(await principalFromSession(d.db, token)).not.toBeNull();
    expect(await principalFromSession(d.db, other.token)).toBeNull();
    await expect(signIn(d.db, { email: user.email, password: PASSWORD, ip: "192.0.2.82" })).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    expect((await signIn(d.db, { email: user.email, password: "a-new-password-1", ip: "192.0.2.82" })).user.id).toBe(user.id);
  });

  it("lets an instance admin reset a password: generated once, sessions ended", async () => {
    const u = await createUser(d.db, SYSTEM_ACTOR, { email: "reset-me@example.com", password: PASSWORD });
    const s = await signIn(d.db, { email: u.email, password: PASSWORD, ip: "192.0.2.83" });
    const out = await callerFor(d.db, admin.principal).workspace.instance.users.resetPassword({ email: u.email });
    expect(out.password).toMatch(/^[A-Za-z0-9_-]{18}$/);
    expect(await principalFromSession(d.db, s.token)).toBeNull();
    expect((await signIn(d.db, { email: u.email, password: out.password ?? "", ip: "192.0.2.83" })).user.id).toBe(u.id);
  });
});
