import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callerFor, makeMember, makeProject, makeUser } from "../factories/workspace";
import { freshDatabase, type TestDatabase } from "../helpers/db";

let d: TestDatabase;
beforeAll(async () => {
  d = await freshDatabase();
});
afterAll(() => d.drop());

describe("members and roles", () => {
  it("lets an owner add, re-role and remove members, recording each in the audit log", async () => {
    const { project, owner } = await makeProject(d.db);
    const other = await makeUser(d.db);
    const api = callerFor(d.db, owner.principal);
    const { invitation } = await api.workspace.members.add({
      projectId: project.id,
      email: other.user.email.toUpperCase(),
      role: "engineer",
    });
    const token = invitation.url.split("/invite/")[1] ?? "";
    const joined = await callerFor(d.db, other.principal).workspace.invitations.accept({ token });
    expect(joined).toMatchObject({ projectId: project.id, role: "engineer" });
    const m = (await api.workspace.members.list({ projectId: project.id })).items.find((x) => x.userId === other.user.id);
    expect(m?.role).toBe("engineer");
    await api.workspace.members.updateRole({ projectId: project.id, memberId: m?.id ?? "", role: "annotator" });
    await api.workspace.members.remove({ projectId: project.id, memberId: m?.id ?? "" });
    const audit = await api.workspace.audit.list({ projectId: project.id, limit: 10 });
    const actions = audit.items.map((a) => a.action);
    expect(actions.slice(0, 2)).toEqual(["workspace.member.remove", "workspace.member.role"]);
    // written in one transaction, possibly within the same millisecond: order between them is not defined
    expect(actions.slice(2, 4).sort()).toEqual(["workspace.invitation.accept", "workspace.member.add"]);
    expect(actions.slice(4)).toEqual(["workspace.invitation.create", "workspace.project.create"]);
    const role = audit.items[1];
    expect(role?.before).toEqual({ role: "engineer" });
    expect(role?.after).toEqual({ role: "annotator" });
    expect(role?.actorEmail).toBe(owner.user.email);
  });

  it("forbids a viewer any write (403) but lets them read", async () => {
    const { project } = await makeProject(d.db);
    const viewer = await makeMember(d.db, project.id, "viewer");
    const api = callerFor(d.db, viewer.principal);
    expect((await api.workspace.members.list({ projectId: project.id })).items).toHaveLength(2);
    await expect(api.workspace.members.add({ projectId: project.id, email: "x@example.com", role: "viewer" })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(api.workspace.keys.create({ projectId: project.id, name: "k", kind: "secret" })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
  });

  it("never lets an admin grant owner, and keeps at least one owner", async () => {
    const { project, owner } = await makeProject(d.db);
    const admin = await makeMember(d.db, project.id, "admin");
    const other = await makeUser(d.db);
    await expect(
      callerFor(d.db, admin.principal).workspace.members.add({ projectId: project.id, email: other.user.email, role: "owner" }),
    ).rejects.toMatchObject({ code: "FORBIDDEN", message: "A admin cannot grant the owner role" });
    const api = callerFor(d.db, owner.principal);
    const list = await api.workspace.members.list({ projectId: project.id });
    const ownerRow = list.items.find((m) => m.userId === owner.user.id);
    await expect(
      api.workspace.members.updateRole({ projectId: project.id, memberId: ownerRow?.id ?? "", role: "admin" }),
    ).rejects.toMatchObject({
      code: "CONFLICT",
      message: "A project keeps at least one owner",
    });
  });

  it("invites an unknown email, and rejects a duplicate member and a bad role, naming the field", async () => {
    const { project, owner } = await makeProject(d.db);
    const api = callerFor(d.db, owner.principal);
    const ghost = await api.workspace.members.add({ projectId: project.id, email: "ghost@example.com", role: "viewer" });
    expect(ghost.invitation.url).toMatch(/\/invite\/[A-Za-z0-9_-]{43}$/);
    await expect(api.workspace.members.add({ projectId: project.id, email: owner.user.email, role: "viewer" })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    await expect(api.workspace.members.add({ projectId: project.id, email: "a@b.co", role: "god" as never })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
  });

  it("answers NOT_FOUND for a member id of another project", async () => {
    const a = await makeProject(d.db);
    const b = await makeProject(d.db);
    const bMember = await makeMember(d.db, b.project.id, "viewer");
    const bList = await callerFor(d.db, b.owner.principal).workspace.members.list({ projectId: b.project.id });
    const foreign = bList.items.find((m) => m.userId === bMember.user.id);
    await expect(
      callerFor(d.db, a.owner.principal).workspace.members.remove({ projectId: a.project.id, memberId: foreign?.id ?? "" }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
