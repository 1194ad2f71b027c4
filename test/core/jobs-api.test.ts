import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { schema } from "../../db/client";
import { defineJob, enqueue } from "../../server/core/queue";
import { addVersion, parseDataset } from "../../server/datasets";
import { handleV1 } from "../../server/http/v1";
import { registerBundled } from "../../server/registry";
import { createJob } from "../../server/tuning";
import { SYSTEM_ACTOR } from "../../server/workspace";
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

describe("tuning jobs in the jobs list", () => {
  it("lists both kinds newest first, in one lifecycle, with a tuning job's error in full; gets and cancels either kind", async () => {
    const { project, owner } = await makeProject(d.db);
    const P = { projectId: project.id };
    await registerBundled(d.db, SYSTEM_ACTOR, project.id, path.resolve("models"));
    const rows = ["good", "great", "bad", "awful"].map((w, i) =>
      JSON.stringify({ input: w, references: [i < 2 ? "positive" : "negative"], metadata: { split: i % 2 ? "test" : "train" } }),
    );
    await addVersion(d.db, SYSTEM_ACTOR, project.id, "tiny", parseDataset(Buffer.from(rows.join("\n")), "jsonl"), {
      kind: "upload",
      format: "jsonl",
      filename: "tiny.jsonl",
    });
    // no worker runs in this file: the tuning jobs stay where the test puts them
    const tune = () =>
      createJob(d.db, SYSTEM_ACTOR, project.id, { method: "head", base: { model: "tiny-bert-embed" }, dataset: { name: "tiny" } });
    const failed = await tune();
    const error = [
      "failed: the trainer ran out of memory",
      "last log lines:",
      ...Array.from({ length: 40 }, (_, i) => `[stderr] line ${i} ${"x".repeat(80)}`),
    ].join("\n");
    expect(error.length).toBeGreaterThan(3000);
    await d.db
      .update(schema.tuningJobs)
      .set({ status: "failed", error, attempt: 3, finishedAt: new Date() })
      .where(eq(schema.tuningJobs.id, failed.id));
    const queued = await enqueue(d.db, later, {}, { projectId: project.id, runAt: new Date(Date.now() + 3_600_000) });
    const waiting = await tune();

    const api = callerFor(d.db, owner.principal);
    const all = await api.jobs.list(P);
    expect(all.items.map((j) => [j.kind, j.id, j.status])).toEqual([
      ["tuning", waiting.id, "queued"],
      ["queue", queued.id, "queued"],
      ["tuning", failed.id, "failed"],
    ]);
    const shown = all.items[2];
    expect(shown).toMatchObject({
      name: "tuning.head",
      lastError: error,
      attempts: 3,
      maxAttempts: 3,
      tuning: { number: failed.number, method: "head", status: "failed", outputModel: "tiny-bert-embed-head" },
    });
    expect(all.items[0]?.message).toMatch(/no worker is online/);
    expect(all.items[1]?.tuning).toBeNull();

    // filters: the common status covers both kinds; kind narrows to one
    expect((await api.jobs.list({ ...P, status: ["failed"] })).items.map((j) => j.id)).toEqual([failed.id]);
    expect((await api.jobs.list({ ...P, status: ["queued"], kind: "tuning" })).items.map((j) => j.id)).toEqual([waiting.id]);
    expect((await api.jobs.list({ ...P, kind: "queue" })).items.map((j) => j.id)).toEqual([queued.id]);
    // the cursor pages across kinds without losing or repeating a job
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await api.jobs.list({ ...P, limit: 1, cursor });
      seen.push(...page.items.map((j) => j.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(all.items.map((j) => j.id));

    expect(await api.jobs.get({ ...P, jobId: failed.id })).toMatchObject({ kind: "tuning", lastError: error });
    const cancelled = await api.jobs.cancel({ ...P, jobId: waiting.id });
    expect(cancelled).toMatchObject({ kind: "tuning", status: "cancelled", tuning: { status: "cancelled" } });
    const audit = await api.workspace.audit.list({ ...P, limit: 1 });
    expect(audit.items[0]).toMatchObject({ action: "tuning.job.cancel", targetId: waiting.id });

    // another project's tuning job is not found, as its queue jobs are not
    const other = await makeProject(d.db);
    await expect(callerFor(d.db, other.owner.principal).jobs.get({ projectId: other.project.id, jobId: failed.id })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    expect((await callerFor(d.db, other.owner.principal).jobs.list({ projectId: other.project.id })).items).toEqual([]);
  });
});
