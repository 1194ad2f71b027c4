import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleTrpc } from "../../server/http/trpc";
import { callerFor, makeKey, makeMember, makeProject, req, trpcError } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";

/** api.logs.traceModelVersion: the trace page shows "tiny-gpt2 v1" (a registry link) instead of a version's uuid. */
let d: TestDatabase;
beforeAll(async () => {
  d = await freshRuntimeDatabase();
});
afterAll(() => d.drop());

async function projectWithVersion(model: string) {
  const p = await makeProject(d.db);
  const api = callerFor(d.db, p.owner.principal);
  await api.registry.models.create({ projectId: p.project.id, name: model });
  await api.registry.versions.createFromUri({ projectId: p.project.id, model, uri: "s3://m/1" });
  const v2 = await api.registry.versions.createFromUri({ projectId: p.project.id, model, uri: "s3://m/2" });
  return { ...p, api, versionId: v2.id };
}

describe("api.logs.traceModelVersion", () => {
  it("names a version of the project by its model and number, for any member", async () => {
    const { project, versionId } = await projectWithVersion("tiny-gpt2");
    const viewer = callerFor(d.db, (await makeMember(d.db, project.id, "viewer")).principal);
    expect(await viewer.logs.traceModelVersion({ projectId: project.id, modelVersionId: versionId })).toEqual({
      id: versionId,
      model: "tiny-gpt2",
      version: 2,
    });
  });

  it("answers null for another project's version or one that does not exist", async () => {
    const theirs = await projectWithVersion("foreign");
    const mine = await makeProject(d.db);
    const api = callerFor(d.db, mine.owner.principal);
    expect(await api.logs.traceModelVersion({ projectId: mine.project.id, modelVersionId: theirs.versionId })).toBeNull();
    expect(
      await api.logs.traceModelVersion({ projectId: mine.project.id, modelVersionId: "00000000-0000-4000-8000-000000000000" }),
    ).toBeNull();
  });

  it("is a 400 naming modelVersionId for an id that is not a uuid, over HTTP", async () => {
    const p = await makeProject(d.db);
    const { key } = await makeKey(d.db, p.project.id, p.owner.user.id, "viewer");
    const input = encodeURIComponent(JSON.stringify({ json: { projectId: p.project.id, modelVersionId: "v1" } }));
    const res = await handleTrpc(req(`/api/trpc/logs.traceModelVersion?input=${input}`, { key }));
    expect(res.status).toBe(400);
    const error = trpcError(await res.json());
    expect(error).toMatchObject({ code: "BAD_REQUEST" });
    expect(`${error.field} ${error.message}`).toContain("modelVersionId");
  });

  it("is refused without credentials", async () => {
    const p = await makeProject(d.db);
    const input = encodeURIComponent(
      JSON.stringify({ json: { projectId: p.project.id, modelVersionId: "00000000-0000-4000-8000-000000000000" } }),
    );
    const res = await handleTrpc(req(`/api/trpc/logs.traceModelVersion?input=${input}`));
    expect(res.status).toBe(401);
  });
});
