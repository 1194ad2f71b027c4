import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { createProject, SYSTEM_ACTOR } from "../../server/workspace";
import { callerFor, makeKey, makeProject, makeUser } from "../factories/workspace";
import { freshDatabase, type TestDatabase } from "../helpers/db";

let d: TestDatabase;
beforeAll(async () => {
  d = await freshDatabase();
});
afterAll(() => d.drop());

describe("projects", () => {
  it("creates a project owned by its creator, reachable by slug or id", async () => {
    const { principal } = await makeUser(d.db);
    const api = callerFor(d.db, principal);
    const p = await api.workspace.projects.create({ name: "Search Quality!" });
    expect(p.slug).toBe("search-quality");
    expect((await api.workspace.projects.get({ projectId: p.slug })).role).toBe("owner");
    expect((await api.workspace.projects.get({ projectId: p.id })).id).toBe(p.id);
  });

  it("refuses a taken slug with CONFLICT naming the field, and writes nothing", async () => {
    const { principal, user } = await makeUser(d.db);
    const api = callerFor(d.db, principal);
    await api.workspace.projects.create({ name: "One", slug: "taken-slug" });
    const before = await d.db.select().from(schema.auditLogs);
    await expect(api.workspace.projects.create({ name: "Two", slug: "taken-slug" })).rejects.toMatchObject({
      code: "CONFLICT",
      message: "A project with slug taken-slug already exists",
    });
    const memberships = await d.db.select().from(schema.memberships).where(eq(schema.memberships.userId, user.id));
    expect(memberships).toHaveLength(1);
    expect(await d.db.select().from(schema.auditLogs)).toHaveLength(before.length);
  });

  it("rejects a malformed slug naming the field", async () => {
    const { principal } = await makeUser(d.db);
    await expect(callerFor(d.db, principal).workspace.projects.create({ name: "x", slug: "Bad Slug" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
  });

  it("refuses slugs that are app routes", async () => {
    const { principal } = await makeUser(d.db);
    const api = callerFor(d.db, principal);
    await expect(api.workspace.projects.create({ name: "API" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "slug api is reserved; choose another",
    });
    await expect(api.workspace.projects.create({ name: "x", slug: "sign-in" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("answers NOT_FOUND, not FORBIDDEN, for a project the caller is not in", async () => {
    const { project } = await makeProject(d.db);
    const outsider = await makeUser(d.db);
    const api = callerFor(d.db, outsider.principal);
    await expect(api.workspace.projects.get({ projectId: project.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(api.workspace.members.list({ projectId: project.slug })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("pages the caller's projects with a keyset cursor: every project once, newest first", async () => {
    const { principal, user } = await makeUser(d.db);
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await createProject(d.db, SYSTEM_ACTOR, { name: `Paged ${i}`, ownerUserId: user.id })).id);
    const api = callerFor(d.db, principal);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await api.workspace.projects.list({ limit: 2, cursor });
      seen.push(...page.items.map((p) => p.id));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...made].reverse());
  });

  it("rejects a forged cursor naming the field", async () => {
    const { principal } = await makeUser(d.db);
    await expect(callerFor(d.db, principal).workspace.projects.list({ limit: 2, cursor: "bm90LWEtY3Vyc29y" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "cursor is not a cursor returned by this list",
    });
  });

  it("lets only signed-in users (not keys) create projects", async () => {
    const { project, owner } = await makeProject(d.db);
    const { principal } = await makeKey(d.db, project.id, owner.user.id, "owner");
    await expect(callerFor(d.db, principal).workspace.projects.create({ name: "by key" })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
