import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callerFor, makeMember, makeProject } from "../factories/workspace";
import { freshDatabase, type TestDatabase } from "../helpers/db";

let d: TestDatabase;
beforeAll(async () => {
  d = await freshDatabase();
});
afterAll(() => d.drop());

describe("saved views", () => {
  it("are shared by the project's members, replaced by name, deleted by their creator or an admin", async () => {
    const { project, owner } = await makeProject(d.db);
    const ann = callerFor(d.db, (await makeMember(d.db, project.id, "annotator")).principal);
    const other = callerFor(d.db, (await makeMember(d.db, project.id, "annotator")).principal);
    const saved = await ann.logs.views.save({ projectId: project.slug, name: "errors", query: "status=error" });
    await ann.logs.views.save({ projectId: project.slug, name: "errors", query: "status=error&range=7d" });
    expect(await other.logs.views.list({ projectId: project.slug })).toMatchObject([
      { id: saved.id, name: "errors", query: "status=error&range=7d" },
    ]);
    await expect(other.logs.views.delete({ projectId: project.slug, id: saved.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await callerFor(d.db, owner.principal).logs.views.delete({ projectId: project.slug, id: saved.id });
    expect(await ann.logs.views.list({ projectId: project.slug })).toEqual([]);
  });

  it("refuses an empty name (naming the field) and viewers' writes", async () => {
    const { project } = await makeProject(d.db);
    const viewer = callerFor(d.db, (await makeMember(d.db, project.id, "viewer")).principal);
    await expect(viewer.logs.views.save({ projectId: project.id, name: "x", query: "" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    const ann = callerFor(d.db, (await makeMember(d.db, project.id, "annotator")).principal);
    await expect(ann.logs.views.save({ projectId: project.id, name: " ", query: "" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });
});
