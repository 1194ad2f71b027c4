import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineJob, enqueue } from "../../server/core/queue";
import { handleV1 } from "../../server/http/v1";
import { callerFor, makeKey, makeMember, makeProject, req } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";

let d: TestDatabase;
beforeAll(async () => {
  d = await freshRuntimeDatabase();
});
afterAll(() => d.drop());

const later = defineJob({ name: "test.later", schema: z.object({}), maxAttempts: 1, timeoutMs: 1000, handle: async () => null });

describe("jobs through the API", () => {
  it("lists a project's jobs, shows one, and cancels it with an audit entry", async () => {
    const { project, owner } = await makeProject(d.db);
    const { key } = await makeKey(d.db, project.id, owner.user.id, "owner");
    const job = await enqueue(d.db, later, {}, { projectId: project.id, runAt: new Date(Date.now() + 3_600_000) });
    const list = await handleV1(req(`/api/v1/projects/${project.slug}/jobs?status=queued`, { key }));
    expect(list.status).toBe(200);
    expect(((await list.json()) as { items: { id: string }[] }).items.map((j) => j.id)).toEqual([job.id]);
    const cancel = await handleV1(req(`/api/v1/projects/${project.slug}/jobs/${job.id}/cancel`, { method: "POST", key }));
    expect(cancel.status).toBe(200);
    expect(await cancel.json()).toMatchObject({ id: job.id, status: "cancelled" });
    const audit = await callerFor(d.db, owner.principal).workspace.audit.list({ projectId: project.id, limit: 1 });
    expect(audit.items[0]).toMatchObject({
      action: "jobs.job.cancel",
      targetId: job.id,
      before: { status: "queued" },
      after: { status: "cancelled" },
    });
  });

  it("hides another project's job (404) and refuses a viewer's cancel (403)", async () => {
    const a = await makeProject(d.db);
    const b = await makeProject(d.db);
    const job = await enqueue(d.db, later, {}, { projectId: b.project.id, runAt: new Date(Date.now() + 3_600_000) });
    const { key } = await makeKey(d.db, a.project.id, a.owner.user.id, "owner");
    expect((await handleV1(req(`/api/v1/projects/${a.project.slug}/jobs/${job.id}`, { key }))).status).toBe(404);
    const viewer = await makeMember(d.db, b.project.id, "viewer");
    await expect(callerFor(d.db, viewer.principal).jobs.cancel({ projectId: b.project.id, jobId: job.id })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    expect((await callerFor(d.db, viewer.principal).jobs.get({ projectId: b.project.id, jobId: job.id })).status).toBe("queued");
  });
});
