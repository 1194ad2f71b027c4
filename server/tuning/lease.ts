import { and, eq, inArray } from "drizzle-orm";
import { type Db, type DbOrTx, schema } from "../../db/client";
import { DomainError } from "../core/errors";
import { createRun, ensureExperiment, type FileRef, logBatch, updateRun } from "../registry";
import type { Actor } from "../workspace";
import { loadExamples } from "./data";
import type { TuningJob } from "./jobs";
import { type BaseRef, baseOf, evaluateAndPromote, type OutputMeta, type Registered, registerFiles } from "./result";

/**
 * The server's side of a job lease: what a worker holding a claimed job may do with it, whichever
 * way it talks (the database control plane calls these directly, the HTTP one through
 * /api/v1/workers/...). Every write is guarded by the worker and the attempt it holds, so a worker
 * whose lease expired and was handed on changes nothing (today's "presumed lost" rule).
 */

const j = schema.tuningJobs;

/** Who holds a job: the worker and its attempt number (the claim's). */
export interface Lease {
  jobId: string;
  workerId: string;
  attempt: number;
}

export interface ReportLine {
  line: string;
  stream: "worker" | "stdout" | "stderr";
}
export interface ReportPoint {
  key: string;
  value: number;
  step: number;
  timestamp: number;
}
/** One batch of a running job's output: log lines, metric points, the latest progress. */
export interface JobReport {
  lines: ReportLine[];
  points: ReportPoint[];
  progress?: { fraction: number; message?: string } | null;
}

/** The job, if this lease still holds it (any status: logs after success are its own); else null. */
async function held(db: DbOrTx, lease: Lease): Promise<TuningJob | null> {
  const [row] = await db
    .select()
    .from(j)
    .where(and(eq(j.id, lease.jobId), eq(j.workerId, lease.workerId), eq(j.attempt, lease.attempt)));
  return row ?? null;
}

const lostError = (lease: Lease) =>
  new DomainError("CONFLICT", `tuning job ${lease.jobId} is no longer held by worker ${lease.workerId} on attempt ${lease.attempt}`);

/**
 * assigned -> running, and the job's run (an experiment run named job-N) made on the first attempt.
 * Null when the lease is gone already (requeued between claim and start).
 */
export async function startJob(db: Db, actor: Actor, lease: Lease): Promise<{ job: TuningJob; runId: string; base: BaseRef } | null> {
  const [claimed] = await db
    .select({ startedAt: j.startedAt })
    .from(j)
    .where(and(eq(j.id, lease.jobId), eq(j.workerId, lease.workerId), eq(j.attempt, lease.attempt)));
  if (!claimed) return null;
  const [job] = await db
    .update(j)
    .set({ status: "running", startedAt: claimed.startedAt ?? new Date(), error: null })
    .where(
      and(eq(j.id, lease.jobId), eq(j.workerId, lease.workerId), eq(j.attempt, lease.attempt), inArray(j.status, ["assigned", "running"])),
    )
    .returning();
  if (!job) return null;
  const base = await baseOf(db, job.baseVersionId);
  let runId = job.runId;
  if (!runId) {
    const experiment = await ensureExperiment(db, actor, job.projectId, `tuning/${job.outputModel}`);
    const run = await createRun(db, actor, job.projectId, {
      experimentId: experiment.id,
      name: `job-${job.number}`,
      params: Object.fromEntries(
        Object.entries({ ...job.hyperparameters, method: job.method, seed: job.seed }).map(([k, v]) => [k, String(v)]),
      ),
      tags: { "keel.tuning_job": job.id, "keel.base": `${base.model}:${base.version}` },
    });
    runId = run.id;
    await db.update(j).set({ runId }).where(eq(j.id, job.id));
  }
  return { job: { ...job, runId }, runId, base };
}

/** Write a batch of logs, metric points and progress; a 409 when the lease is gone. */
export async function appendReport(db: DbOrTx, lease: Lease, report: JobReport): Promise<void> {
  const job = await held(db, lease);
  if (!job) throw lostError(lease);
  if (report.lines.length)
    await db
      .insert(schema.tuningJobLogs)
      .values(report.lines.map((x) => ({ jobId: job.id, attempt: lease.attempt, stream: x.stream, line: x.line.slice(0, 10_000) })));
  if (report.points.length && job.runId) await logBatch(db, job.projectId, job.runId, { metrics: report.points });
  if (report.progress && job.status === "running") {
    const { fraction, message } = report.progress;
    await db
      .update(j)
      .set({ progress: { fraction: Math.max(0, Math.min(1, fraction)), ...(message ? { message } : {}) } })
      .where(eq(j.id, job.id));
  }
}

/**
 * What a running job's worker should do: stop for a cancel, stop because the lease went elsewhere
 * (requeued, so another worker may hold it), or go on (null; also after its own success, while the
 * eval run and promotion follow).
 */
export async function leaseState(db: DbOrTx, lease: Lease): Promise<"cancel" | "lost" | null> {
  const job = await held(db, lease);
  if (!job) return "lost";
  return job.cancelRequestedAt && (job.status === "running" || job.status === "assigned") ? "cancel" : null;
}

/** The examples the job trains on (the server reads the dataset version; a remote worker downloads them). */
export async function leaseExamples(db: DbOrTx, lease: Lease) {
  const job = await held(db, lease);
  if (!job) throw lostError(lease);
  return loadExamples(db, job.projectId, job.datasetVersionId, job.fields, job.seed);
}

/** The base version's files, for a worker that holds the job. */
export async function leaseBase(db: DbOrTx, lease: Lease): Promise<BaseRef> {
  const job = await held(db, lease);
  if (!job) throw lostError(lease);
  return baseOf(db, job.baseVersionId);
}

/**
 * Success: the stored files registered as a new version (refused when the lease is gone), then the
 * eval run and the promotion request, logged as the job's worker lines. `after` false: the caller runs
 * those itself (the HTTP answer does not wait for an eval).
 */
export async function completeJob(
  db: Db,
  actor: Actor,
  lease: Lease,
  files: FileRef[],
  out: OutputMeta,
  opts: { signal?: AbortSignal; say?: (line: string) => void } = {},
): Promise<{ registered: Registered; after: () => Promise<void> }> {
  const [before] = await db.select({ runId: j.runId }).from(j).where(eq(j.id, lease.jobId));
  const registered = await registerFiles(db, actor, lease, before?.runId ?? null, files, out);
  const say =
    opts.say ??
    ((line: string) =>
      void db
        .insert(schema.tuningJobLogs)
        .values({ jobId: lease.jobId, attempt: lease.attempt, stream: "worker", line })
        .catch(() => {}));
  const after = async () => {
    if (registered.replay) return;
    say(`registered ${registered.model} v${registered.version}`);
    const [job] = await db.select().from(j).where(eq(j.id, lease.jobId));
    if (!job) return;
    const examples = await loadExamples(db, job.projectId, job.datasetVersionId, job.fields, job.seed);
    await evaluateAndPromote({
      db,
      actor,
      job,
      version: registered,
      task: out.task,
      examples,
      say,
      signal: opts.signal ?? new AbortController().signal,
    });
    if (job.runId) await updateRun(db, job.projectId, job.runId, { status: "FINISHED", endTime: Date.now() });
  };
  return { registered, after };
}

/** How a job ended without a result. `shutdown`: its worker stops (requeued while attempts remain); `lost`: nothing to write. */
export interface JobOutcome {
  kind: "failed" | "cancelled" | "timeout" | "shutdown";
  message: string;
}

/**
 * Record a failure, a cancel or a shutdown, guarded by the lease: idempotent (a job already ended
 * by this lease stays as it is) and refused (409) when the lease went to another worker.
 */
export async function failJob(db: DbOrTx, lease: Lease, outcome: JobOutcome): Promise<{ status: string }> {
  const job = await held(db, lease);
  if (!job) throw lostError(lease);
  if (job.status !== "running" && job.status !== "assigned") return { status: job.status };
  const now = new Date();
  const guard = and(
    eq(j.id, lease.jobId),
    eq(j.workerId, lease.workerId),
    eq(j.attempt, lease.attempt),
    inArray(j.status, ["assigned", "running"]),
  );
  let set: Partial<TuningJob>;
  if (outcome.kind === "shutdown")
    // back to the queue, for this or another worker (the attempt counts)
    set =
      job.attempt < job.maxAttempts ? { status: "queued", workerId: null } : { status: "failed", error: outcome.message, finishedAt: now };
  else if (outcome.kind === "cancelled") set = { status: "cancelled", error: null, finishedAt: now };
  else set = { status: "failed", error: outcome.message, finishedAt: now };
  const [row] = await db.update(j).set(set).where(guard).returning({ status: j.status });
  if (job.runId)
    await updateRun(db, job.projectId, job.runId, {
      status: outcome.kind === "cancelled" ? "KILLED" : "FAILED",
      endTime: Date.now(),
    }).catch(() => {});
  return { status: row?.status ?? job.status };
}
