import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { type DbOrTx, schema } from "../../db/client";
import { notFound } from "../core/errors";
import { logger } from "../core/logger";
import { claim } from "./claim";
import type { TuningJob } from "./jobs";
import { type Lease, leaseState } from "./lease";
import { reapLostWorkers } from "./reaper";
import type { WorkerPrincipal } from "./worker-tokens";

/**
 * The server's side of the remote worker protocol (/api/v1/workers/...): a `wk_` token registers
 * workers, and each request names one of its own workers (another token's worker is a 404). Claims
 * offer only jobs of the token's pool, through the one claim query every worker uses.
 */

const w = schema.tuningWorkers;

/** How long one claim request waits for a job at most (a long poll), and how often it looks meanwhile. */
export const CLAIM_WAIT_MAX_S = 25;
const CLAIM_LOOK_EVERY_MS = 500;

export const workerCapabilitiesIn = z
  .object({
    cpus: z.number().int().min(0).max(100_000),
    memoryMb: z.number().int().min(0),
    gpus: z.array(z.object({ name: z.string().max(200), memoryMb: z.number().int().min(0) }).strict()).max(64),
    cuda: z.string().max(40).nullable(),
    driver: z.string().max(40).nullish(),
    torch: z.string().max(40).nullish(),
    trainers: z.array(z.enum(["head", "lora", "full"])).min(1),
  })
  .strict();

export const registerWorkerIn = z
  .object({
    name: z.string().trim().min(1).max(200),
    host: z.string().trim().min(1).max(255),
    pid: z.number().int().min(0),
    capabilities: workerCapabilitiesIn,
  })
  .strict();

export const claimIn = z.object({ waitS: z.number().min(0).max(CLAIM_WAIT_MAX_S).default(CLAIM_WAIT_MAX_S) }).strict();
export const heartbeatIn = z
  .object({
    job: z
      .object({ id: z.string().uuid(), attempt: z.number().int().min(1) })
      .strict()
      .nullable()
      .default(null),
    /** the worker exits cleanly: marked stopped rather than lost */
    stopped: z.boolean().default(false),
  })
  .strict();

export async function registerRemoteWorker(db: DbOrTx, token: WorkerPrincipal, input: z.infer<typeof registerWorkerIn>): Promise<string> {
  const [me] = await db
    .insert(w)
    .values({ ...input, tokenId: token.tokenId })
    .returning({ id: w.id });
  if (!me) throw new Error("worker registration returned nothing");
  return me.id;
}

/** The token's own worker, or a 404 (another token's workers are not its business). */
export async function ownWorker(db: DbOrTx, token: WorkerPrincipal, workerId: string) {
  if (!/^[0-9a-f-]{36}$/i.test(workerId)) throw notFound(`worker ${workerId}`);
  const [row] = await db
    .select()
    .from(w)
    .where(and(eq(w.id, workerId), eq(w.tokenId, token.tokenId)));
  if (!row) throw notFound(`worker ${workerId}`);
  return row;
}

/** Alive, with the job it runs; the answer says whether that job was cancelled or its lease went elsewhere. */
export async function remoteHeartbeat(
  db: DbOrTx,
  token: WorkerPrincipal,
  workerId: string,
  job: { id: string; attempt: number } | null,
  stopped = false,
): Promise<{ job: { state: "running" | "cancel" | "lost" } | null }> {
  await ownWorker(db, token, workerId);
  await db
    .update(w)
    .set({ heartbeatAt: new Date(), status: stopped ? "stopped" : "online", currentJobId: stopped ? null : (job?.id ?? null) })
    .where(eq(w.id, workerId));
  if (!job) return { job: null };
  const state = await leaseState(db, { jobId: job.id, workerId, attempt: job.attempt });
  return { job: { state: state ?? "running" } };
}

/** How often (per process) a remote claim also looks for lost workers. */
const REAP_EVERY_MS = 5000;
let lastReap = 0;

/**
 * A web-only node (`KEEL_START_WORKER=0`) runs no job queue, so no `tuning.reap` job: with only
 * remote workers, a dead worker's job would never be requeued. The claims they poll with reap lost
 * workers themselves, at most every REAP_EVERY_MS per process (the reap is guarded, so a queue's reap
 * running too is harmless).
 */
async function reapWhileClaiming(db: DbOrTx): Promise<void> {
  if (Date.now() - lastReap < REAP_EVERY_MS) return;
  lastReap = Date.now();
  await reapLostWorkers(db).catch((err) => logger.warn({ err }, "reaping lost workers on a remote claim failed"));
}

/**
 * Wait up to `waitS` seconds for a job this worker may (its token's pool) and can (its trainers and
 * GPUs) run; each look also counts as a heartbeat, so a worker waiting on a claim is not lost.
 */
export async function remoteClaim(
  db: DbOrTx,
  token: WorkerPrincipal,
  workerId: string,
  waitS: number,
  signal?: AbortSignal,
): Promise<{ lease: Lease; job: TuningJob } | null> {
  const deadline = Date.now() + waitS * 1000;
  for (;;) {
    const me = await ownWorker(db, token, workerId);
    await db.update(w).set({ heartbeatAt: new Date(), status: "online" }).where(eq(w.id, workerId));
    await reapWhileClaiming(db);
    const job = await claim(db, workerId, me.capabilities, { projectIds: token.projectIds });
    if (job) {
      await db.update(w).set({ currentJobId: job.id }).where(eq(w.id, workerId));
      return { lease: { jobId: job.id, workerId, attempt: job.attempt }, job };
    }
    if (Date.now() + CLAIM_LOOK_EVERY_MS > deadline || signal?.aborted) return null;
    await new Promise((r) => setTimeout(r, CLAIM_LOOK_EVERY_MS));
  }
}
