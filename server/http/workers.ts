import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { z } from "zod";
import { artifactStore } from "../core/artifacts";
import { DomainError, notFound, parseOrThrow } from "../core/errors";
import { logger } from "../core/logger";
import { versionFiles } from "../registry";
import {
  appendReport,
  claimIn,
  completeJob,
  failJob,
  heartbeatIn,
  type Lease,
  leaseBase,
  leaseExamples,
  ownWorker,
  registerRemoteWorker,
  registerWorkerIn,
  remoteClaim,
  remoteHeartbeat,
  startJob,
  WORKER_LOST_AFTER_MS,
} from "../tuning";
import { SYSTEM_ACTOR } from "../workspace";
import type { WorkerContext } from "./entry";
import { json } from "./json";
import { stagedUpload } from "./registry";
import { readJsonObject } from "./request";

/**
 * The remote worker protocol's handlers (/api/v1/workers/...; the routes are in routes-workers.ts).
 * A lease is `jobs/:jobId/attempts/:attempt` of one of the token's workers: every call about a job
 * names the attempt it holds, so a worker presumed lost (its job handed on) is refused with a 409.
 */

const HEARTBEAT_MS = 2000;

export const reportIn = z
  .object({
    lines: z.array(z.object({ line: z.string().max(100_000), stream: z.enum(["worker", "stdout", "stderr"]) }).strict()).max(20_000),
    points: z
      .array(z.object({ key: z.string().min(1).max(250), value: z.number(), step: z.number().int(), timestamp: z.number().int() }).strict())
      .max(20_000),
    progress: z
      .object({ fraction: z.number().min(0).max(1), message: z.string().max(500).optional() })
      .strict()
      .nullish(),
  })
  .strict();
export const failIn = z.object({ kind: z.enum(["failed", "cancelled", "timeout", "shutdown"]), message: z.string().max(100_000) }).strict();
export const resultMetaIn = z
  .object({
    metrics: z.record(z.string(), z.number()),
    task: z.string().min(1).max(100),
    format: z.enum(["transformers.js", "onnx", "files", "keel-head"]).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

/** The lease a job path names, the worker checked to be the token's own (404 otherwise). */
async function leaseOf(c: WorkerContext): Promise<Lease> {
  const attempt = Number(c.params.attempt);
  if (!Number.isInteger(attempt) || attempt < 1) throw new DomainError("BAD_REQUEST", "attempt must be a positive integer", "attempt");
  if (!/^[0-9a-f-]{36}$/i.test(c.params.jobId ?? "")) throw notFound(`tuning job ${c.params.jobId}`);
  const me = await ownWorker(c.db, c.worker, c.params.workerId ?? "");
  return { jobId: c.params.jobId as string, workerId: me.id, attempt };
}

export async function handleRegister(req: Request, c: WorkerContext): Promise<Response> {
  const input = parseOrThrow(registerWorkerIn, await readJsonObject(req));
  const workerId = await registerRemoteWorker(c.db, c.worker, input);
  return json({ workerId, heartbeatMs: HEARTBEAT_MS, lostAfterMs: WORKER_LOST_AFTER_MS }, 201);
}

export async function handleClaim(req: Request, c: WorkerContext): Promise<Response> {
  const { waitS } = parseOrThrow(claimIn, await readJsonObject(req));
  const got = await remoteClaim(c.db, c.worker, c.params.workerId ?? "", waitS, req.signal);
  return got ? json(got) : new Response(null, { status: 204 });
}

export async function handleHeartbeat(req: Request, c: WorkerContext): Promise<Response> {
  const { job, stopped } = parseOrThrow(heartbeatIn, await readJsonObject(req));
  return json(await remoteHeartbeat(c.db, c.worker, c.params.workerId ?? "", job, stopped));
}

export async function handleStart(_req: Request, c: WorkerContext): Promise<Response> {
  const started = await startJob(c.db, SYSTEM_ACTOR, await leaseOf(c));
  if (!started) throw new DomainError("CONFLICT", "the job is no longer this worker's (its lease expired and was handed on)");
  return json(started);
}

export async function handleReport(req: Request, c: WorkerContext): Promise<Response> {
  const lease = await leaseOf(c);
  await appendReport(c.db, lease, parseOrThrow(reportIn, await readJsonObject(req)));
  return json({ ok: true });
}

export async function handleFail(req: Request, c: WorkerContext): Promise<Response> {
  const lease = await leaseOf(c);
  return json(await failJob(c.db, lease, parseOrThrow(failIn, await readJsonObject(req))));
}

export async function handleBaseFiles(_req: Request, c: WorkerContext): Promise<Response> {
  const base = await leaseBase(c.db, await leaseOf(c));
  return json({ base, files: await versionFiles(c.db, base.id) });
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` of `size`: the inclusive range, null for the whole, "unsatisfiable" (a 416). */
export function rangeOf(header: string | null, size: number): { start: number; end: number } | "unsatisfiable" | null {
  if (!header) return null;
  const m = header.match(/^bytes=(\d*)-(\d*)$/);
  if (!m || (m[1] === "" && m[2] === "")) throw new DomainError("BAD_REQUEST", `range ${header}: give one bytes=START-END range`, "range");
  const start = m[1] === "" ? Math.max(0, size - Number(m[2])) : Number(m[1]);
  const end = m[1] === "" || m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  return start >= size || start > end ? "unsatisfiable" : { start, end };
}

/** Bytes [start, end] of a stream, whatever store it comes from (the rest is not read). */
/** A body with its sha256 (of the whole) and `Range` support: 206 for a range, 200 for all of it. */
/** `open(range)` reads the inclusive range natively (an S3 ranged GET, a file read from an offset), or the whole. */
function ranged(
  req: Request,
  size: number,
  sha256: string,
  open: (range?: { start: number; end: number }) => Readable,
  type: string,
): Response {
  const range = rangeOf(req.headers.get("range"), size);
  const headers: Record<string, string> = {
    "x-content-sha256": sha256,
    etag: `"${sha256}"`,
    "accept-ranges": "bytes",
    "content-type": type,
  };
  if (range === "unsatisfiable")
    return json({ error: { code: "RANGE_NOT_SATISFIABLE", message: `the range is outside the ${size} bytes`, field: "range" } }, 416, {
      "content-range": `bytes */${size}`,
    });
  if (!range) return new Response(Readable.toWeb(open()) as ReadableStream, { headers: { ...headers, "content-length": String(size) } });
  const { start, end } = range;
  return new Response(Readable.toWeb(open({ start, end })) as ReadableStream, {
    status: 206,
    headers: { ...headers, "content-length": String(end - start + 1), "content-range": `bytes ${start}-${end}/${size}` },
  });
}

export async function handleBaseFile(req: Request, c: WorkerContext): Promise<Response> {
  const base = await leaseBase(c.db, await leaseOf(c));
  const file = (await versionFiles(c.db, base.id)).find((f) => f.path === c.params.path);
  if (!file) throw notFound(`file ${c.params.path} of ${base.model} v${base.version}`);
  return ranged(req, file.size, file.sha256, (r) => artifactStore().open(file.sha256, r), "application/octet-stream");
}

/** The job's examples as JSON lines (`{text, label, split, messages?}`), with their sha256. */
export async function handleExamples(req: Request, c: WorkerContext): Promise<Response> {
  const examples = await leaseExamples(c.db, await leaseOf(c));
  const body = Buffer.from(examples.map((e) => `${JSON.stringify(e)}\n`).join(""));
  const sha = createHash("sha256").update(body).digest("hex");
  return ranged(req, body.length, sha, (r) => Readable.from([r ? body.subarray(r.start, r.end + 1) : body]), "application/x-ndjson");
}

/**
 * The result: a multipart upload as the registry takes it (`file` parts named by path, one `sha256`
 * part each, a `meta` part with metrics and task), registered as a new version when every file
 * matched its sha256 and the lease still holds (400 / 409 otherwise, nothing registered). The eval
 * run and promotion run here after the answer; sent again, the first version is returned (200).
 */
export async function handleResult(req: Request, c: WorkerContext): Promise<Response> {
  const lease = await leaseOf(c);
  const { staged, meta } = await stagedUpload(req, { requireSha: true });
  const store = artifactStore();
  try {
    const out = parseOrThrow(resultMetaIn, meta ?? {}, "meta");
    for (const s of staged) await store.commit(s.blob);
    const files = staged.map((s) => ({ path: s.path, sha256: s.blob.sha256, size: s.blob.size }));
    const { registered, after } = await completeJob(c.db, SYSTEM_ACTOR, lease, files, out);
    void after().catch((err) => logger.warn({ err: String(err), jobId: lease.jobId }, "after a remote job: eval or promotion failed"));
    const { replay, ...version } = registered;
    return json({ version }, replay ? 200 : 201);
  } finally {
    await store.discard(staged.map((s) => s.blob));
  }
}
