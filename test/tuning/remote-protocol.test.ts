import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import type { WorkerCapabilities } from "../../db/schema";
import { addVersion, parseDataset } from "../../server/datasets";
import { serveApi } from "../../server/http/node";
import { registerBundled } from "../../server/registry";
import { createJob, createPool, createWorkerToken, reapLostWorkers, revokeWorkerToken } from "../../server/tuning";
import { SYSTEM_ACTOR } from "../../server/workspace";
import { makeKey, makeProject } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";
import { waitFor } from "../helpers/wait";

/**
 * The remote worker protocol over real HTTP (node:http on port 0, fetch): tokens (401s), claims
 * (once with two claimers, scoped to the token's pool), leases (an expired one handed on, the late
 * worker refused), downloads (sha256, Range) and the result upload (sha256-checked, idempotent).
 */
let d: TestDatabase;
let server: http.Server;
let url = "";
const j = schema.tuningJobs;
const CAPS: WorkerCapabilities = { cpus: 2, memoryMb: 4096, gpus: [], cuda: null, trainers: ["head"] };

beforeAll(async () => {
  d = await freshRuntimeDatabase();
  server = http.createServer((rq, res) => {
    const served = serveApi(rq, res, new URL(rq.url ?? "/", "http://localhost").pathname);
    if (!served) return void res.writeHead(404).end();
    served.catch((err: unknown) => res.writeHead(500).end(String(err)));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await d?.drop();
});

/** A project with the bundled models and a tiny labelled dataset, and a token whose pool is that project. */
async function project() {
  const p = await makeProject(d.db);
  await registerBundled(d.db, SYSTEM_ACTOR, p.project.id, path.resolve("models"));
  const rows = ["good", "great", "fine", "bad", "awful", "poor"].flatMap((word, i) =>
    ["train", "train", "test"].map((split, k) =>
      JSON.stringify({ input: `${word} ${k}`, references: [i < 3 ? "positive" : "negative"], metadata: { split } }),
    ),
  );
  await addVersion(d.db, SYSTEM_ACTOR, p.project.id, "tiny", parseDataset(Buffer.from(rows.join("\n")), "jsonl"), {
    kind: "upload",
    format: "jsonl",
    filename: "tiny.jsonl",
  });
  const pool = await createPool(d.db, SYSTEM_ACTOR, { name: `pool-${p.project.slug}`, projects: [p.project.slug] });
  const { token } = await createWorkerToken(d.db, SYSTEM_ACTOR, { pool: pool.name });
  const launch = () =>
    createJob(d.db, SYSTEM_ACTOR, p.project.id, { method: "head", base: { model: "tiny-bert-embed" }, dataset: { name: "tiny" } });
  return { ...p, token, launch };
}

async function call(token: string | null, method: string, p: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}${p}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined && !(body instanceof FormData) ? { "content-type": "application/json" } : {}),
      ...headers,
    },
    body: body instanceof FormData ? body : body !== undefined ? JSON.stringify(body) : undefined,
  });
  const type = res.headers.get("content-type") ?? "";
  const data = type.includes("json") ? ((await res.json()) as Record<string, any>) : null;
  return { status: res.status, data, res };
}
const register = async (token: string, name = "gpu-box") =>
  (await call(token, "POST", "/api/v1/workers/register", { name, host: name, pid: 1, capabilities: CAPS })).data?.workerId as string;
type LeaseOut = { jobId: string; workerId: string; attempt: number };
const claimOn = async (token: string, workerId: string, waitS = 0) => {
  const r = await call(token, "POST", `/api/v1/workers/${workerId}/claim`, { waitS });
  return r.status === 204 ? null : (r.data?.lease as LeaseOut);
};
const leasePath = (l: LeaseOut) => `/api/v1/workers/${l.workerId}/jobs/${l.jobId}/attempts/${l.attempt}`;
const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");
function resultForm(files: Record<string, string>, shas?: string[]) {
  const form = new FormData();
  form.append("meta", JSON.stringify({ metrics: { test_accuracy: 0.5 }, task: "text-classification", format: "files" }));
  Object.entries(files).forEach(([name, text], i) => {
    form.append("file", new Blob([text]), name);
    form.append("sha256", shas?.[i] ?? sha(text));
  });
  return form;
}
const versionsOf = async (projectId: string) =>
  (
    await d.db.execute<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM model_versions v JOIN registered_models m ON m.id = v.model_id WHERE m.project_id = ${projectId}`,
    )
  )[0]?.n;

describe("remote worker protocol", () => {
  it("refuses a missing, wrong, revoked or non-worker credential with 401", async () => {
    const p = await project();
    const sk = (await makeKey(d.db, p.project.id, p.owner.user.id, "owner")).key;
    const body = { name: "x", host: "x", pid: 1, capabilities: CAPS };
    for (const token of [null, "wk_not-a-real-token-0123456789abcdef", sk, p.owner.token])
      expect((await call(token, "POST", "/api/v1/workers/register", body)).status).toBe(401);
    const workerId = await register(p.token);
    expect(workerId).toMatch(/^[0-9a-f-]{36}$/);
    const listed = await d.db.select().from(schema.workerTokens);
    await revokeWorkerToken(d.db, SYSTEM_ACTOR, listed.find((t) => p.token.startsWith(t.prefix))?.id as string);
    const refused = await call(p.token, "POST", `/api/v1/workers/${workerId}/claim`, { waitS: 0 });
    expect(refused.status).toBe(401);
    expect(refused.data?.error.message).toMatch(/wk_/);
    // a token sees only its own workers
    const other = await project();
    expect((await call(other.token, "POST", `/api/v1/workers/${workerId}/heartbeat`, {})).status).toBe(404);
  });

  it("hands a job to one of two claimers waiting on it at once, and offers none outside the token's pool", async () => {
    const p = await project();
    const outsider = await project();
    const [a, b, o] = [await register(p.token, "a"), await register(p.token, "b"), await register(outsider.token, "o")];
    const job = await p.launch();
    const [ca, cb, co] = await Promise.all([claimOn(p.token, a, 2), claimOn(p.token, b, 2), claimOn(outsider.token, o, 1)]);
    const won = [ca, cb].filter(Boolean);
    expect(won).toHaveLength(1);
    expect(won[0]).toMatchObject({ jobId: job.id, attempt: 1 });
    expect(co).toBeNull(); // the other pool's worker waited its second and got nothing
    const [row] = await d.db.select().from(j).where(eq(j.id, job.id));
    expect(row).toMatchObject({ status: "assigned", workerId: won[0]?.workerId, attempt: 1 });
    // the outsider never sees it, even named directly
    expect((await call(outsider.token, "POST", `${leasePath({ ...(won[0] as LeaseOut), workerId: o })}/start`, {})).status).toBe(409);
    await call(p.token, "POST", `${leasePath(won[0] as LeaseOut)}/fail`, { kind: "cancelled", message: "test over" });
  });

  it("serves the base model's files and the examples with their sha256 and Range", async () => {
    const p = await project();
    const w = await register(p.token);
    await p.launch();
    const lease = (await claimOn(p.token, w, 2)) as LeaseOut;
    const started = await call(p.token, "POST", `${leasePath(lease)}/start`, {});
    expect(started.status).toBe(200);
    expect(started.data?.base).toMatchObject({ model: "tiny-bert-embed", version: 1, format: "transformers.js" });
    const { data } = await call(p.token, "GET", `${leasePath(lease)}/base`);
    const file = ((data?.files ?? []) as { path: string; sha256: string; size: number }[]).find((f) => f.path.endsWith("config.json"));
    expect(file).toBeTruthy();
    const whole = await fetch(`${url}${leasePath(lease)}/base/${file?.path}`, { headers: { authorization: `Bearer ${p.token}` } });
    const bytes = Buffer.from(await whole.arrayBuffer());
    expect(whole.headers.get("x-content-sha256")).toBe(file?.sha256);
    expect(sha(bytes)).toBe(file?.sha256);
    const part = await fetch(`${url}${leasePath(lease)}/base/${file?.path}`, {
      headers: { authorization: `Bearer ${p.token}`, range: "bytes=5-14" },
    });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 5-14/${bytes.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(5, 15))).toBe(true);
    const ex = await fetch(`${url}${leasePath(lease)}/examples`, { headers: { authorization: `Bearer ${p.token}` } });
    const text = await ex.text();
    expect(ex.headers.get("x-content-sha256")).toBe(sha(text));
    expect(text.trim().split("\n")).toHaveLength(18);
    expect(JSON.parse(text.split("\n")[0] as string)).toMatchObject({ text: "good 0", label: "positive", split: "train" });
    await call(p.token, "POST", `${leasePath(lease)}/fail`, { kind: "cancelled", message: "test over" });
  });

  it("hands an expired lease to another worker, refuses the late worker, and registers a result once", async () => {
    const p = await project();
    const [late, next] = [await register(p.token, "late"), await register(p.token, "next")];
    const job = await p.launch();
    const first = (await claimOn(p.token, late, 2)) as LeaseOut;
    expect((await call(p.token, "POST", `${leasePath(first)}/start`, {})).status).toBe(200);
    // the late worker goes silent: its heartbeat is older than the lost-after limit, and the reaper runs
    await d.db
      .update(schema.tuningWorkers)
      .set({ heartbeatAt: new Date(Date.now() - 60_000) })
      .where(eq(schema.tuningWorkers.id, late));
    expect((await reapLostWorkers(d.db)).requeued).toBe(1);
    const second = (await claimOn(p.token, next, 2)) as LeaseOut;
    expect(second).toMatchObject({ jobId: job.id, workerId: next, attempt: 2 });
    expect((await call(p.token, "POST", `${leasePath(second)}/start`, {})).status).toBe(200);

    // the late worker comes back: told its job is lost, and every write refused
    const beat = await call(p.token, "POST", `/api/v1/workers/${late}/heartbeat`, { job: { id: job.id, attempt: 1 } });
    expect(beat.data).toEqual({ job: { state: "lost" } });
    const before = await versionsOf(p.project.id);
    const refused = await call(p.token, "POST", `${leasePath(first)}/result`, resultForm({ "model.bin": "late bytes" }));
    expect(refused.status).toBe(409);
    expect(refused.data?.error.message).toMatch(/presumed lost/);
    expect(
      (await call(p.token, "POST", `${leasePath(first)}/report`, { lines: [{ line: "x", stream: "worker" }], points: [] })).status,
    ).toBe(409);
    expect((await call(p.token, "POST", `${leasePath(first)}/fail`, { kind: "failed", message: "late" })).status).toBe(409);

    // a sha256 that does not match the bytes: 400 naming it, nothing registered, the job still running
    const bad = await call(p.token, "POST", `${leasePath(second)}/result`, resultForm({ "model.bin": "real bytes" }, ["0".repeat(64)]));
    expect(bad.status).toBe(400);
    expect(bad.data?.error).toMatchObject({ code: "BAD_REQUEST", field: "sha256.0" });
    expect(await versionsOf(p.project.id)).toBe(before);
    expect((await d.db.select().from(j).where(eq(j.id, job.id)))[0]?.status).toBe("running");

    // the lease holder's result: one version with lineage; sent again (a lost answer), the same version
    const report = await call(p.token, "POST", `${leasePath(second)}/report`, {
      lines: [{ line: "epoch 1", stream: "stdout" }],
      points: [{ key: "loss", value: 0.5, step: 1, timestamp: Date.now() }],
      progress: { fraction: 0.5 },
    });
    expect(report.status).toBe(200);
    const ok = await call(p.token, "POST", `${leasePath(second)}/result`, resultForm({ "model.bin": "real bytes" }));
    expect(ok.status).toBe(201);
    const again = await call(p.token, "POST", `${leasePath(second)}/result`, resultForm({ "model.bin": "real bytes" }));
    expect(again.status).toBe(200);
    expect(again.data?.version).toEqual(ok.data?.version);
    expect(await versionsOf(p.project.id)).toBe((before ?? 0) + 1);
    const [done] = await d.db.select().from(j).where(eq(j.id, job.id));
    expect(done).toMatchObject({ status: "succeeded", workerId: next, attempt: 2, resultVersionId: ok.data?.version.id });
    const [v] = await d.db
      .select()
      .from(schema.modelVersions)
      .where(eq(schema.modelVersions.id, done?.resultVersionId as string));
    expect(v).toMatchObject({
      tuningJobId: job.id,
      datasetVersionId: job.datasetVersionId,
      parentVersionId: job.baseVersionId,
      runId: done?.runId,
    });
    // a failure sent after success changes nothing (idempotent end)
    expect((await call(p.token, "POST", `${leasePath(second)}/fail`, { kind: "failed", message: "again" })).data).toEqual({
      status: "succeeded",
    });
    const logs = await d.db.select().from(schema.tuningJobLogs).where(eq(schema.tuningJobLogs.jobId, job.id));
    expect(logs.map((l) => l.line)).toContain("epoch 1");
    // the steps after success (an eval run of a "files" version fails and is logged) settle the job
    await waitFor("the job to settle", async () => (await d.db.select().from(j).where(eq(j.id, job.id)))[0]?.settledAt);
  });

  it("names what is wrong in a worker's bad input (400)", async () => {
    const p = await project();
    const bad = await call(p.token, "POST", "/api/v1/workers/register", {
      name: "x",
      host: "x",
      pid: 1,
      capabilities: { ...CAPS, trainers: ["magic"] },
    });
    expect(bad.status).toBe(400);
    expect(bad.data?.error.field).toMatch(/capabilities\.trainers/);
    const w = await register(p.token);
    const wait = await call(p.token, "POST", `/api/v1/workers/${w}/claim`, { waitS: 600 });
    expect(wait.status).toBe(400);
    expect(wait.data?.error.field).toBe("waitS");
  });
});
