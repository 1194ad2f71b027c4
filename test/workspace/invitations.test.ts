import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { handleTrpc } from "../../server/http/trpc";
import { handleV1 } from "../../server/http/v1";
import { createUser, principalFromSession, SYSTEM_ACTOR } from "../../server/workspace";
import { BASE, callerFor, makeKey, makeMember, makeProject, makeUser, PASSWORD, req } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";

let d: TestDatabase;
beforeAll(async () => {
  d = await freshRuntimeDatabase();
});
afterAll(() => d.drop());

const tokenOf = (url: string) => url.split("/invite/")[1] ?? "";

describe("invitations by link", () => {
  it("answers 201 with the same shape whether or not the address has an account", async () => {
    const { project, owner } = await makeProject(d.db);
    const { key } = await makeKey(d.db, project.id, owner.user.id, "owner");
    const existing = await makeUser(d.db);
    const invite = (email: string) =>
      handleV1(req(`/api/v1/projects/${project.slug}/members`, { method: "POST", key, json: { email, role: "viewer" } }));
    const a = await invite(existing.user.email);
    const b = await invite("nobody-has-this@example.com");
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    const ja = (await a.json()) as { invitation: { id: string; url: string; expiresAt: string } };
    const jb = (await b.json()) as { invitation: { id: string; url: string; expiresAt: string } };
    expect(Object.keys(ja)).toEqual(["invitation"]);
    expect(Object.keys(ja.invitation).sort()).toEqual(["expiresAt", "id", "url"]);
    expect(Object.keys(jb.invitation).sort()).toEqual(["expiresAt", "id", "url"]);
    expect(ja.invitation.url).toMatch(new RegExp(`^${BASE}/invite/[A-Za-z0-9_-]{43}$`));
    expect(jb.invitation.url).toMatch(new RegExp(`^${BASE}/invite/[A-Za-z0-9_-]{43}$`));
    // a week by default (KEEL_INVITATION_TTL_HOURS)
    const ttl = Date.parse(ja.invitation.expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(167 * 3600_000);
    expect(ttl).toBeLessThan(169 * 3600_000);
    // nothing joined yet; only the sha256 of the token is stored
    const members = await callerFor(d.db, owner.principal).workspace.members.list({ projectId: project.id });
    expect(members.items.map((m) => m.userId)).not.toContain(existing.user.id);
    const rows = await d.db.select().from(schema.invitations).where(eq(schema.invitations.projectId, project.id));
    expect(rows.map((r) => r.tokenHash)).not.toContain(tokenOf(ja.invitation.url));
  });

  it("lets the invited user accept once; another account and a used link are refused", async () => {
    const { project, owner } = await makeProject(d.db);
    const invited = await makeUser(d.db);
    const stranger = await makeUser(d.db);
    const { invitation } = await callerFor(d.db, owner.principal).workspace.members.add({
      projectId: project.id,
      email: invited.user.email,
      role: "engineer",
    });
    const token = tokenOf(invitation.url);
    const info = await callerFor(d.db, null).workspace.invitations.lookup({ token });
    expect(info).toMatchObject({ projectName: project.name, email: invited.user.email, role: "engineer", status: "pending" });
    await expect(callerFor(d.db, stranger.principal).workspace.invitations.accept({ token })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    const joined = await callerFor(d.db, invited.principal).workspace.invitations.accept({ token });
    expect(joined).toEqual({ projectId: project.id, slug: project.slug, role: "engineer" });
    expect(await callerFor(d.db, invited.principal).workspace.projects.get({ projectId: project.slug })).toMatchObject({
      role: "engineer",
    });
    await expect(callerFor(d.db, invited.principal).workspace.invitations.accept({ token })).rejects.toMatchObject({
      code: "CONFLICT",
      message: "This invitation was already used",
    });
    expect((await callerFor(d.db, null).workspace.invitations.lookup({ token })).status).toBe("accepted");
  });

  it("creates an account through the link (the only web sign-up), signed in at once", async () => {
    const { project, owner } = await makeProject(d.db);
    const { invitation } = await callerFor(d.db, owner.principal).workspace.members.add({
      projectId: project.id,
      email: "New.Person@Example.com",
      role: "annotator",
    });
    const token = tokenOf(invitation.url);
    const res = await handleTrpc(
      req("/api/trpc/workspace.invitations.signUp", { method: "POST", origin: BASE, json: { json: { token, password: "short" } } }),
    );
    expect(res.status).toBe(400);
    const ok = await handleTrpc(
      req("/api/trpc/workspace.invitations.signUp", {
        method: "POST",
        origin: BASE,
        json: { json: { token, password: "a-good-password", name: "New Person" } },
      }),
    );
    expect(ok.status).toBe(200);
    const cookie = ok.headers.get("set-cookie") ?? "";
    const session = cookie.split(";")[0]?.split("=")[1] ?? "";
    const principal = await principalFromSession(d.db, session);
    expect(principal).toMatchObject({ kind: "user", email: "new.person@example.com", isAdmin: false });
    if (!principal) throw new Error("no session");
    expect(await callerFor(d.db, principal).workspace.projects.get({ projectId: project.id })).toMatchObject({ role: "annotator" });
  });

  it("refuses signing up through a link for an address that has an account (sign in instead)", async () => {
    const { project, owner } = await makeProject(d.db);
    const u = await createUser(d.db, SYSTEM_ACTOR, { email: "has-account@example.com", password: PASSWORD });
    const { invitation } = await callerFor(d.db, owner.principal).workspace.members.add({
      projectId: project.id,
      email: u.email,
      role: "viewer",
    });
    await expect(
      callerFor(d.db, null).workspace.invitations.signUp({ token: tokenOf(invitation.url), password: "attacker-password" }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("refuses expired and revoked links clearly, and lists only pending ones to admins", async () => {
    const { project, owner } = await makeProject(d.db);
    const viewer = await makeMember(d.db, project.id, "viewer");
    const api = callerFor(d.db, owner.principal).workspace;
    const expired = await api.members.add({ projectId: project.id, email: "late@example.com", role: "viewer" });
    const revoked = await api.members.add({ projectId: project.id, email: "revoked@example.com", role: "viewer" });
    const pending = await api.members.add({ projectId: project.id, email: "pending@example.com", role: "viewer" });
    await d.db
      .update(schema.invitations)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(schema.invitations.id, expired.invitation.id));
    await api.invitations.revoke({ projectId: project.id, invitationId: revoked.invitation.id });
    const anon = callerFor(d.db, null).workspace.invitations;
    await expect(anon.signUp({ token: tokenOf(expired.invitation.url), password: "a-good-password" })).rejects.toMatchObject({
      code: "CONFLICT",
      message: "This invitation has expired; ask for a new one",
    });
    await expect(anon.signUp({ token: tokenOf(revoked.invitation.url), password: "a-good-password" })).rejects.toMatchObject({
      code: "CONFLICT",
      message: "This invitation was revoked; ask for a new one",
    });
    await expect(anon.lookup({ token: "x".repeat(43) })).rejects.toMatchObject({ code: "NOT_FOUND" });
    const list = await api.invitations.list({ projectId: project.id });
    expect(list.items.map((i) => i.id)).toEqual([pending.invitation.id]);
    const all = await api.invitations.list({ projectId: project.id, pendingOnly: false });
    expect(Object.fromEntries(all.items.map((i) => [i.email, i.status]))).toEqual({
      "late@example.com": "expired",
      "revoked@example.com": "revoked",
      "pending@example.com": "pending",
    });
    await expect(callerFor(d.db, viewer.principal).workspace.invitations.list({ projectId: project.id })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    // another project's invitation id is not found
    const other = await makeProject(d.db);
    await expect(
      callerFor(d.db, other.owner.principal).workspace.invitations.revoke({
        projectId: other.project.id,
        invitationId: pending.invitation.id,
      }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("replaces a pending link when the same address is invited again, and never grants above the inviter's role", async () => {
    const { project, owner } = await makeProject(d.db);
    const admin = await makeMember(d.db, project.id, "admin");
    const api = callerFor(d.db, owner.principal).workspace;
    const first = await api.members.add({ projectId: project.id, email: "twice@example.com", role: "viewer" });
    await api.members.add({ projectId: project.id, email: "twice@example.com", role: "engineer" });
    expect((await callerFor(d.db, null).workspace.invitations.lookup({ token: tokenOf(first.invitation.url) })).status).toBe("revoked");
    await expect(
      callerFor(d.db, admin.principal).workspace.members.add({ projectId: project.id, email: "boss@example.com", role: "owner" }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
