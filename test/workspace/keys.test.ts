import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { env } from "../../env";
import { handleTrpc } from "../../server/http/trpc";
import { handleV1 } from "../../server/http/v1";
import { clearKeyCache, principalFromApiKey } from "../../server/workspace/auth";
import { callerFor, makeKey, makeMember, makeProject, req } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";

let d: TestDatabase;
beforeAll(async () => {
  d = await freshRuntimeDatabase();
});
afterAll(() => d.drop());

describe("API keys", () => {
  it("shows a secret key once, stores only its hash, and authenticates the HTTP API with it", async () => {
    const { project, owner } = await makeProject(d.db);
    const created = await callerFor(d.db, owner.principal).workspace.keys.create({ projectId: project.id, name: "ci", kind: "secret" });
    expect(created.key).toMatch(/^sk_[A-Za-z0-9_-]{43}$/);
    const [row] = await d.db.select().from(schema.apiKeys).where(eq(schema.apiKeys.id, created.view.id));
    expect(JSON.stringify(row)).not.toContain(created.key);
    expect(row?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row?.lastUsedAt).toBeNull();

    const res = await handleV1(req(`/api/v1/projects/${project.slug}`, { key: created.key }));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: project.id, slug: project.slug, role: "owner" });
    const [used] = await d.db.select().from(schema.apiKeys).where(eq(schema.apiKeys.id, created.view.id));
    expect(used?.lastUsedAt).toBeInstanceOf(Date);
    // the key's list view never carries the key
    const list = await callerFor(d.db, owner.principal).workspace.keys.list({ projectId: project.id });
    expect(list.items.map((k) => k.prefix)).toContain(created.key.slice(0, 8));
  });

  it("authenticates tRPC with Authorization: Bearer sk_...", async () => {
    const { project, owner } = await makeProject(d.db);
    const { key } = await makeKey(d.db, project.id, owner.user.id, "owner");
    const input = encodeURIComponent(JSON.stringify({ json: { projectId: project.slug } }));
    const res = await handleTrpc(req(`/api/trpc/workspace.projects.get?input=${input}`, { key }));
    expect(res.status).toBe(200);
    expect(JSON.stringify(await res.json())).toContain(project.id);
  });

  it("answers 401 for a revoked key and for an unknown one", async () => {
    const { project, owner } = await makeProject(d.db);
    const { key, view } = await makeKey(d.db, project.id, owner.user.id, "owner");
    await callerFor(d.db, owner.principal).workspace.keys.revoke({ projectId: project.id, keyId: view.id });
    const revoked = await handleV1(req(`/api/v1/projects/${project.slug}`, { key }));
    expect(revoked.status).toBe(401);
    expect(await revoked.json()).toEqual({ error: { code: "UNAUTHORIZED", message: "Sign in or send Authorization: Bearer sk_..." } });
    const unknown = await handleV1(req(`/api/v1/projects/${project.slug}`, { key: `sk_${"a".repeat(43)}` }));
    expect(unknown.status).toBe(401);
  });

  it("reuses a resolved key for a few seconds: another process's revoke lands within KEEL_KEY_CACHE_SECONDS", async () => {
    const { project, owner } = await makeProject(d.db);
    const { key, view } = await makeKey(d.db, project.id, owner.user.id, "owner");
    expect(await principalFromApiKey(d.db, key)).toMatchObject({ kind: "secretKey" });
    // as if another web process revoked it: this process still has it cached ...
    await d.db.update(schema.apiKeys).set({ revokedAt: new Date() }).where(eq(schema.apiKeys.id, view.id));
    expect(env.KEEL_KEY_CACHE_SECONDS).toBeGreaterThan(0);
    expect(await principalFromApiKey(d.db, key)).toMatchObject({ kind: "secretKey" });
    // ... until the entry expires (or a write here clears it)
    clearKeyCache();
    expect(await principalFromApiKey(d.db, key)).toBeNull();
  });

  it("answers 404 for another project's id, even with a valid key", async () => {
    const a = await makeProject(d.db);
    const b = await makeProject(d.db);
    const { key } = await makeKey(d.db, a.project.id, a.owner.user.id, "owner");
    const res = await handleV1(req(`/api/v1/projects/${b.project.id}`, { key }));
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: "NOT_FOUND", message: "project not found" } });
  });

  it("caps a secret key at its creator's role, now and after the creator is demoted", async () => {
    const { project, owner } = await makeProject(d.db);
    const eng = await makeMember(d.db, project.id, "engineer");
    const { key } = await makeKey(d.db, project.id, eng.user.id, "engineer");
    const add = () =>
      handleV1(req(`/api/v1/projects/${project.slug}/members`, { method: "POST", key, json: { email: owner.user.email, role: "viewer" } }));
    expect((await add()).status).toBe(403);
    expect((await handleV1(req(`/api/v1/projects/${project.slug}/keys`, { key }))).status).toBe(200);
    const members = await callerFor(d.db, owner.principal).workspace.members.list({ projectId: project.id });
    const engRow = members.items.find((m) => m.userId === eng.user.id);
    await callerFor(d.db, owner.principal).workspace.members.updateRole({
      projectId: project.id,
      memberId: engRow?.id ?? "",
      role: "viewer",
    });
    expect((await handleV1(req(`/api/v1/projects/${project.slug}/keys`, { key }))).status).toBe(403);
    await callerFor(d.db, owner.principal).workspace.members.remove({ projectId: project.id, memberId: engRow?.id ?? "" });
    expect((await handleV1(req(`/api/v1/projects/${project.slug}`, { key }))).status).toBe(401);
  });

  it("limits a public key to the widget: 403 on the API; it needs origins", async () => {
    const { project, owner } = await makeProject(d.db);
    const api = callerFor(d.db, owner.principal);
    await expect(api.workspace.keys.create({ projectId: project.id, name: "widget", kind: "public" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "A public key needs at least one allowed origin",
    });
    await expect(
      api.workspace.keys.create({ projectId: project.id, name: "widget", kind: "public", origins: ["javascript:alert(1)"] }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    const pub = await api.workspace.keys.create({
      projectId: project.id,
      name: "widget",
      kind: "public",
      origins: ["https://shop.example.com/path"],
    });
    expect(pub.key).toMatch(/^pk_/);
    expect(pub.view.origins).toEqual(["https://shop.example.com"]);
    const res = await handleV1(req(`/api/v1/projects/${project.slug}`, { key: pub.key }));
    expect(res.status).toBe(403);
  });

  it("lets engineers revoke only their own keys; admins revoke any", async () => {
    const { project, owner } = await makeProject(d.db);
    const eng = await makeMember(d.db, project.id, "engineer");
    const ownerKey = await makeKey(d.db, project.id, owner.user.id, "owner");
    await expect(
      callerFor(d.db, eng.principal).workspace.keys.revoke({ projectId: project.id, keyId: ownerKey.view.id }),
    ).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    const engKey = await makeKey(d.db, project.id, eng.user.id, "engineer");
    const revoked = await callerFor(d.db, eng.principal).workspace.keys.revoke({ projectId: project.id, keyId: engKey.view.id });
    expect(revoked.revokedAt).toBeInstanceOf(Date);
  });
});
