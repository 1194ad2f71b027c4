import os from "node:os";
import path from "node:path";
import { and, eq, getTableColumns, like, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import type { WorkerCapabilities } from "../../db/schema";
import { enqueue } from "../../server/core/queue";
import { startWorker, type WorkerHandle } from "../../server/core/worker";
import { addVersion, parseDataset } from "../../server/datasets";
import { registerBundled } from "../../server/registry";
import { type AgentHandle, claim, createJob, getJob, startTuningAgent, tuningReapJob } from "../../server/tuning";
import { tuningJobOut } from "../../server/tuning/contract";
import { headTrainer } from "../../server/tuning/run-head";
import { SYSTEM_ACTOR } from "../../server/workspace";
import { callerFor, makeProject, makeUser } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";
import { waitFor } from "../helpers/wait";

/**
 * Lost tuning workers are reaped by the `tuning.reap` job (scheduled, and enqueued for the moment a
 * held job can be lost), never by other workers' heartbeats; the claim binds its trainer list; a
 * project sees what workers offer, not where they run; instance admins see everything.
 */
let d: TestDatabase;
let admin: Awaited<ReturnType<typeof makeUser>>;
let a: Awaited<ReturnType<typeof makeProject>>;
let b: Awaited<ReturnType<typeof makeProject>>;
let agent: AgentHandle | null = null;
let queue: WorkerHandle | null = null;

const w = schema.tuningWorkers;
const j = schema.tuningJobs;
const GPU_BOX: WorkerCapabilities = {
  cpus: 32,
  memoryMb: 256_000,
  gpus: [{ name: "NVIDIA H100 80GB HBM3", memoryMb: 81_559 }],
  cuda: "12.4",
  driver: "550.54.15",
  torch: "2.5.1",
  trainers: ["head", "lora", "full"],
};
/** No worker here has this much GPU memory: such a job stays queued unless a test hands it out. */
const UNCLAIMABLE = { kind: "gpu", minGpuMemoryMb: 900_000 } as const;

async function seed(projectId: string) {
  await registerBundled(d.db, SYSTEM_ACTOR, projectId, path.resolve("models"));
  const rows = ["good", "great", "fine", "bad", "awful", "poor"].flatMap((word, i) =>
    ["train", "train", "test"].map((split, k) =>
      JSON.stringify({ input: `${word} ${k}`, references: [i < 3 ? "positive" : "negative"], metadata: { split } }),
    ),
  );
  await addVersion(d.db, SYSTEM_ACTOR, projectId, "tiny", parseDataset(Buffer.from(rows.join("\n")), "jsonl"), {
    kind: "upload",
    format: "jsonl",
    filename: "tiny.jsonl",
  });
}
const launch = (projectId: string, over: Record<string, unknown> = {}) =>
  createJob(d.db, SYSTEM_ACTOR, projectId, {
    method: "head",
    base: { model: "tiny-bert-embed" },
    dataset: { name: "tiny" },
    resources: UNCLAIMABLE,
    ...over,
  });
const fakeWorker = async (over: Partial<typeof w.$inferInsert> = {}) => {
  const [row] = await d.db
    .insert(w)
    .values({ name: "gpu-box-7:4242", host: "gpu-box-7", pid: 4242, capabilities: GPU_BOX, ...over })
    .returning();
  return row as typeof w.$inferSelect;
};
/** What a worker's claim and first beat leave: the job running on it, its row naming the job. */
const hold = async (jobId: string, workerId: string) => {
  await d.db.update(j).set({ status: "running", workerId, attempt: 1, startedAt: new Date() }).where(eq(j.id, jobId));
  await d.db.update(w).set({ currentJobId: jobId }).where(eq(w.id, workerId));
};
const row = async (id: string) => (await d.db.select().from(j).where(eq(j.id, id)))[0];
const logLines = async (id: string) =>
  (await d.db.select().from(schema.tuningJobLogs).where(eq(schema.tuningJobLogs.jobId, id))).map((l) => l.line);

beforeAll(async () => {
  d = await freshRuntimeDatabase();
  admin = await makeUser(d.db); // the first user of a fresh instance is its admin
  a = await makeProject(d.db);
  b = await makeProject(d.db);
  await seed(a.project.id);
  await seed(b.project.id);
});
afterAll(async () => {
  await agent?.stop();
  await queue?.stop();
  await d?.drop();
});

describe("tuning workers", () => {
  it("declares every tuning_jobs column in the job output schema (the output parse drops what it does not name)", () => {
    expect(Object.keys(tuningJobOut.shape).sort()).toEqual(Object.keys(getTableColumns(j)).sort());
  });

  it("answers api.tuning.* through their output schemas", async () => {
    const api = callerFor(d.db, a.owner.principal);
    const P = { projectId: a.project.id };
    const made = await api.tuning.create({
      ...P,
      method: "head",
      base: { model: "tiny-bert-embed" },
      dataset: { name: "tiny" },
      resources: UNCLAIMABLE,
    });
    expect(made).toMatchObject({
      status: "queued",
      method: "head",
      resources: UNCLAIMABLE,
      fields: { text: "input", label: "references" },
    });
    expect((await api.tuning.list(P)).map((x) => x.id)).toContain(made.id);
    expect(await api.tuning.get({ ...P, job: made.number })).toMatchObject({
      id: made.id,
      base: { model: "tiny-bert-embed", version: 1 },
      dataset: { name: "tiny", version: 1 },
      result: null,
      worker: null,
      waitReason: expect.stringMatching(/no worker is online|no online worker/),
    });
    expect(await api.tuning.logs({ ...P, job: made.id })).toEqual([]);
    expect(await api.tuning.cancel({ ...P, job: made.id })).toMatchObject({ status: "cancelled" });
    expect((await api.tuning.hyperparameters(P)).head.map((h) => h.name)).toContain("epochs");
  });

  it("claims only jobs whose method is in the worker's trainer list, bound as one parameter", async () => {
    const head = await launch(a.project.id, { resources: { kind: "cpu" } });
    const [lora] = await d.db
      .insert(j)
      .values({ ...head, id: undefined, number: head.number + 100, method: "lora", createdAt: new Date(Date.now() + 1000) })
      .returning();
    const me = await fakeWorker({ name: "claimer", host: "claimer-host" });
    const cpu = { gpus: [] };
    expect(await claim(d.db, me.id, { ...cpu, trainers: [] })).toBeNull();
    expect(await claim(d.db, me.id, { ...cpu, trainers: ["full"] })).toBeNull();
    // a trainer name is data, never SQL
    expect(await claim(d.db, me.id, { ...cpu, trainers: ["head'", "x') OR true OR ('", "lora]::text[] OR true --"] })).toBeNull();
    const first = await claim(d.db, me.id, { ...cpu, trainers: ["lora"] });
    expect(first).toMatchObject({ id: lora?.id, method: "lora", status: "assigned", workerId: me.id, attempt: 1 });
    const before = Date.now();
    const second = await claim(d.db, me.id, { ...cpu, trainers: ["lora", "head"] });
    expect(second).toMatchObject({ id: head.id, status: "assigned", attempt: 1 });

    // each claim enqueued the reap for the moment its worker could be lost: about 16 s on
    const reaps = await d.db.select().from(schema.jobs).where(like(schema.jobs.key, "tuning.reap@%"));
    expect(reaps.length).toBeGreaterThanOrEqual(1);
    // graphile-worker's own view of when each runs
    const runAts = await d.db.execute<{ run_at: string }>(
      sql`SELECT run_at::text FROM graphile_worker.jobs WHERE task_identifier = 'tuning.reap'`,
    );
    const latest = Math.max(...runAts.map((r) => Date.parse(r.run_at)));
    expect(latest - before).toBeGreaterThan(14_000);
    expect(latest - before).toBeLessThan(19_000);
    await d.db.update(j).set({ status: "cancelled", workerId: null }).where(eq(j.projectId, a.project.id));
    await d.db.update(w).set({ status: "stopped" }).where(eq(w.id, me.id));
    // those scheduled reaps are left unrun here: the next tests run their own
    await d.db.execute(sql`SELECT graphile_worker.remove_job(id::text) FROM jobs WHERE name = 'tuning.reap'`);
  });

  it("does not reap on heartbeats: a silent worker's job waits for the tuning.reap job, which requeues it", async () => {
    const silent = await fakeWorker({ heartbeatAt: new Date(Date.now() - 60_000) });
    const job = await launch(a.project.id);
    await hold(job.id, silent.id);
    // a live worker heartbeating every 100 ms (it cannot run the job: no such GPU)
    agent = await startTuningAgent({
      db: d.db,
      trainers: { head: headTrainer },
      capabilities: { gpus: [] },
      pollMs: 100,
      heartbeatMs: 100,
    });
    const [me] = await d.db.select().from(w).where(eq(w.id, agent.workerId));
    await waitFor(
      "ten heartbeats of the live worker",
      async () => {
        const [now] = await d.db
          .select()
          .from(w)
          .where(eq(w.id, agent?.workerId ?? ""));
        return (now?.heartbeatAt.getTime() ?? 0) - (me?.heartbeatAt.getTime() ?? 0) >= 1000;
      },
      10_000,
    );
    expect(await row(job.id)).toMatchObject({ status: "running", workerId: silent.id, attempt: 1 });
    expect((await d.db.select().from(w).where(eq(w.id, silent.id)))[0]?.status).toBe("online");
    expect(await logLines(job.id)).toEqual([]);

    // the reap runs as a job of the job system, as the schedule enqueues it
    queue = await startWorker({ url: d.url, jobs: [tuningReapJob], pollIntervalMs: 200 });
    const reap = await enqueue(d.db, tuningReapJob, {});
    const done = await waitFor("the reap job", async () => {
      const [r] = await d.db.select().from(schema.jobs).where(eq(schema.jobs.id, reap.id));
      return r?.status === "succeeded" ? r : null;
    });
    expect(done.result).toMatchObject({ lost: 1, requeued: 1, failed: 0 });
    expect(await row(job.id)).toMatchObject({ status: "queued", workerId: null, attempt: 1 });
    expect((await d.db.select().from(w).where(eq(w.id, silent.id)))[0]).toMatchObject({ status: "lost", currentJobId: null });
    expect(await logLines(job.id)).toEqual(["worker lost (no heartbeat); job requeued"]);
    await d.db.update(j).set({ status: "cancelled" }).where(eq(j.id, job.id));
  });

  it("requeues the job of a worker that goes silent after its claim, about 15 s on, by the reap its claim scheduled", async () => {
    const gone = await fakeWorker({ name: "soon-gone" });
    const job = await launch(a.project.id, { resources: { kind: "gpu", minGpuMemoryMb: 80_000 }, maxAttempts: 1 });
    const t0 = Date.now();
    const claimed = await claim(d.db, gone.id, GPU_BOX);
    expect(claimed?.id).toBe(job.id);
    // no minute schedule runs here (no schedules given to the worker): only the claim's own reap
    const ended = await waitFor(
      "the claim's reap to fail the job (its only attempt)",
      async () => ((await row(job.id))?.status === "failed" ? row(job.id) : null),
      30_000,
    );
    const after = Date.now() - t0;
    console.log(`[tuning] silent worker's job ended ${(after / 1000).toFixed(1)} s after its claim (lost after 15 s)`);
    expect(after).toBeGreaterThanOrEqual(15_000);
    expect(after).toBeLessThan(25_000);
    expect(ended?.error).toBe("worker lost on attempt 1 of 1");
    expect(await logLines(job.id)).toEqual(["worker lost (no heartbeat); no attempts left"]);
  });

  it("shows a project what workers offer, without host names, pids or other projects' jobs", async () => {
    const busyB = await fakeWorker();
    const jobB = await launch(b.project.id);
    await hold(jobB.id, busyB.id);
    const busyA = await fakeWorker({ name: "a-box:77", host: "a-box", pid: 77 });
    const jobA = await launch(a.project.id);
    await hold(jobA.id, busyA.id);

    const list = await callerFor(d.db, a.owner.principal).tuning.workers({ projectId: a.project.id });
    const text = JSON.stringify(list);
    for (const secret of ["gpu-box-7", "a-box", jobB.id, `${os.hostname()}:${process.pid}`]) expect(text).not.toContain(secret);
    for (const item of list)
      expect(Object.keys(item).sort()).toEqual(["busy", "capabilities", "currentJob", "heartbeatAt", "id", "name", "status"]);
    expect(list.find((x) => x.id === busyB.id)).toMatchObject({
      name: `worker ${busyB.id.slice(0, 8)}`,
      status: "online",
      busy: true,
      currentJob: null,
      capabilities: { trainers: ["head", "lora", "full"], gpus: [{ name: "NVIDIA H100 80GB HBM3", memoryMb: 81_559 }], cuda: "12.4" },
    });
    expect(list.find((x) => x.id === busyA.id)).toMatchObject({ busy: true, currentJob: { id: jobA.id, number: jobA.number } });
    expect(list.find((x) => x.id === agent?.workerId)).toMatchObject({
      status: "online",
      busy: false,
      capabilities: { trainers: ["head"] },
    });
    // silent since: lost, whether or not the reaper has marked it yet
    expect(list.filter((x) => x.status === "lost").length).toBeGreaterThanOrEqual(2);
    // the project's own job names its worker the same way
    expect((await getJob(d.db, a.project.id, jobA.id)).worker).toEqual({
      id: busyA.id,
      name: `worker ${busyA.id.slice(0, 8)}`,
      remote: false,
    });
    expect(JSON.stringify(await callerFor(d.db, b.owner.principal).tuning.workers({ projectId: b.project.id }))).not.toContain(jobA.id);
  });

  it("shows instance admins every worker with host, pid and the job and project it runs; others get a 403", async () => {
    await d.db.update(w).set({ heartbeatAt: new Date() }).where(eq(w.host, "gpu-box-7")); // as if it beat just now
    const all = await callerFor(d.db, admin.principal).tuning.allWorkers();
    const held = all.find((x) => x.currentJob?.project.id === b.project.id);
    expect(held).toMatchObject({
      name: "gpu-box-7:4242",
      pid: 4242,
      status: "online",
      currentJob: { project: { id: b.project.id, slug: b.project.slug } },
    });
    expect(all.find((x) => x.id === agent?.workerId)).toMatchObject({ pid: process.pid, status: "online" });
    for (const who of [a.owner, b.owner])
      await expect(callerFor(d.db, who.principal).tuning.allWorkers()).rejects.toMatchObject({
        code: "FORBIDDEN",
        message: "This needs an instance admin",
      });
    await expect(callerFor(d.db, null).tuning.allWorkers()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    const rows = await d.db
      .select()
      .from(j)
      .where(and(eq(j.projectId, b.project.id), eq(j.status, "running")));
    expect(rows).toHaveLength(1);
  });
});
