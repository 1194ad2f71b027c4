import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteVersion, requestMove } from "../../server/registry";
import { type Principal, SYSTEM_ACTOR } from "../../server/workspace";
import { callerFor, makeKey, makeMember, makeProject } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";

/** Ids become names: the audit log names its targets and actors; alias history names who moved an alias. */
let d: TestDatabase;
let projectId: string;
let owner: Principal & { kind: "user" };

beforeAll(async () => {
  d = await freshRuntimeDatabase();
  const p = await makeProject(d.db);
  projectId = p.project.id;
  owner = p.owner.principal as Principal & { kind: "user" };
});
afterAll(async () => {
  await d?.drop();
});

describe("audit log names", () => {
  it("names models, versions, keys and members, keeps the id, and falls back to the recorded name of a deleted target", async () => {
    const api = callerFor(d.db, owner);
    const P = { projectId };
    const model = await api.registry.models.create({ ...P, name: "sentiment" });
    const v1 = await api.registry.versions.createFromUri({ ...P, model: "sentiment", uri: "s3://m/1" });
    const v2 = await api.registry.versions.createFromUri({ ...P, model: "sentiment", uri: "s3://m/2" });
    const key = await makeKey(d.db, projectId, owner.userId, "owner");
    // the key acts: its entries name the key and its creator
    await callerFor(d.db, key.principal).registry.versions.update({ ...P, model: "sentiment", version: 1, description: "first" });
    const member = await makeMember(d.db, projectId, "viewer");
    const membership = (await api.workspace.members.list({ ...P, limit: 50 })).items.find((m) => m.userId === member.user.id);
    await api.workspace.members.updateRole({ ...P, memberId: membership!.id, role: "annotator" });
    await deleteVersion(d.db, { userId: owner.userId, keyId: null }, projectId, "sentiment", 2);

    const items = (await api.workspace.audit.list({ ...P, limit: 50 })).items;
    const entry = (action: string, targetId: string) => items.find((e) => e.action === action && e.targetId === targetId);
    expect(entry("registry.model.create", model.id)?.targetName).toBe("sentiment");
    const update = entry("registry.version.update", v1.id);
    expect(update).toMatchObject({ targetName: "sentiment v1", actorKeyName: key.view.name, actorEmail: owner.email });
    expect(items.find((e) => e.targetType === "api_key")).toMatchObject({ targetId: key.view.id, targetName: key.view.name });
    expect(items.find((e) => e.action === "workspace.member.role")?.targetName).toBe(member.user.email);
    // the version row is gone; its delete entry recorded model and version
    expect(entry("registry.version.delete", v2.id)?.targetName).toBe("sentiment v2");
  });

  it("names no target of another project", async () => {
    const other = await makeProject(d.db);
    const foreign = await callerFor(d.db, other.owner.principal).registry.models.create({
      projectId: other.project.id,
      name: "secret-name",
    });
    const items = (await callerFor(d.db, owner).workspace.audit.list({ projectId, limit: 200 })).items;
    expect(items.some((e) => e.targetId === foreign.id || e.targetName === "secret-name")).toBe(false);
  });
});

describe("alias history names who moved it", () => {
  it("a member, a key with its creator, and cli for the command line", async () => {
    const api = callerFor(d.db, owner);
    const P = { projectId };
    await api.registry.models.create({ ...P, name: "router-small" });
    for (const uri of ["s3://r/1", "s3://r/2", "s3://r/3"]) await api.registry.versions.createFromUri({ ...P, model: "router-small", uri });
    await api.registry.aliases.move({ ...P, model: "router-small", alias: "production", version: 1 });
    const key = await makeKey(d.db, projectId, owner.userId, "engineer");
    await callerFor(d.db, key.principal).registry.aliases.move({ ...P, model: "router-small", alias: "production", version: 2 });
    // `keel models promote` acts as the system: no user, no key
    await requestMove(d.db, SYSTEM_ACTOR, projectId, { model: "router-small", alias: "production", version: 3 });

    const h = (await api.registry.aliases.history({ ...P, model: "router-small", limit: 10 })).items;
    expect(h.map((x) => [x.to, x.actor])).toEqual([
      [3, { kind: "cli", userName: null, userEmail: null, keyName: null }],
      [2, { kind: "key", userName: null, userEmail: owner.email, keyName: key.view.name }],
      [1, { kind: "member", userName: null, userEmail: owner.email, keyName: null }],
    ]);
  });
});
