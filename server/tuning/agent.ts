import { execFileSync } from "node:child_process";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { and, eq, sql } from "drizzle-orm";
import { type Db, schema } from "../../db/client";
import type { WorkerCapabilities } from "../../db/schema";
import { logger } from "../core/logger";
import { createRun, ensureExperiment, logBatch, updateRun, versionFiles } from "../registry";
import { materializeVersion } from "../serving";
import { type Actor, SYSTEM_ACTOR } from "../workspace";
import { loadExamples } from "./data";
import { type TuningJob, WORKER_LOST_AFTER_MS } from "./jobs";
import { type PythonRuntime, pythonRuntime } from "./python";
import { scheduleReap } from "./reaper";
import { baseOf, evaluateAndPromote, register, Stop } from "./result";
import type { Trainer } from "./trainer";

const j = schema.tuningJobs;
const w = schema.tuningWorkers;

export interface AgentOptions {
  db: Db;
  trainers: Record<string, Trainer>;
  name?: string;
  /** what this worker offers; detected when omitted */
  capabilities?: Partial<WorkerCapabilities>;
  pollMs?: number;
  heartbeatMs?: number;
}

export interface AgentHandle {
  workerId: string;
  /** stop claiming; a running job is stopped (it goes back to the queue) and the worker marked stopped */
  stop: () => Promise<void>;
}

/** `nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader,nounits` as GPUs and the driver. */
export function parseNvidiaSmi(out: string): { gpus: WorkerCapabilities["gpus"]; driver: string | null } {
  const gpus: WorkerCapabilities["gpus"] = [];
  let driver: string | null = null;
  for (const line of out.trim().split("\n")) {
    const [name, mem, version] = line.split(",").map((s) => s.trim());
    if (!name) continue;
    gpus.push({ name, memoryMb: Number(mem) || 0 });
    driver ??= version || null;
  }
  return { gpus, driver };
}

/**
 * This machine's CPUs, memory and the GPUs its trainers can use. GPU jobs run in the Python trainers,
 * so nvidia-smi's GPUs count only where their torch can use CUDA (`python`: what KEEL_PYTHON offers);
 * otherwise the worker offers none and says why, rather than claim GPU jobs its torch would fail.
 */
export function detectCapabilities(
  trainers: string[],
  python: PythonRuntime | null,
  smi: () => string = () =>
    execFileSync("nvidia-smi", ["--query-gpu=name,memory.total,driver_version", "--format=csv,noheader,nounits"], {
      encoding: "utf8",
      timeout: 5000,
      stdio: ["ignore", "pipe", "ignore"],
    }),
): WorkerCapabilities & { gpuNote: string | null } {
  let found: ReturnType<typeof parseNvidiaSmi> = { gpus: [], driver: null };
  try {
    found = parseNvidiaSmi(smi());
  } catch {
    // no NVIDIA GPU here
  }
  const usable = Boolean(python?.cuda);
  const gpuNote =
    found.gpus.length && !usable
      ? python
        ? `${found.gpus.length} GPU(s) found, but KEEL_PYTHON's torch ${python.torch} cannot use CUDA: no GPU jobs here`
        : `${found.gpus.length} GPU(s) found, but KEEL_PYTHON has no torch: no GPU jobs here`
      : null;
  return {
    cpus: os.cpus().length,
    memoryMb: Math.round(os.totalmem() / 2 ** 20),
    gpus: usable ? found.gpus : [],
    cuda: usable ? (python?.cuda ?? null) : null,
    driver: found.driver,
    torch: python?.torch ?? null,
    trainers,
    gpuNote,
  };
}

/**
 * A tuning worker: registers itself with its capabilities, heartbeats, claims only jobs it can run
 * (`FOR UPDATE SKIP LOCKED`, so a job runs once however many workers poll), runs the trainer with
 * cancel and a wall-time limit, streams logs and metrics, and registers the result as a new model
 * version whose lineage names the base version, dataset version, job and run. The heartbeat only
 * says "alive" (one UPDATE of its own row): finding workers whose heartbeat stopped is the
 * `tuning.reap` job's (./reaper.ts).
 */
export async function startTuningAgent(opts: AgentOptions): Promise<AgentHandle> {
  const { db } = opts;
  const names = Object.keys(opts.trainers);
  const python = names.some((t) => t !== "head") ? await pythonRuntime() : null;
  const { gpuNote, ...detected } = detectCapabilities(names, python);
  const caps: WorkerCapabilities = { ...detected, ...(opts.capabilities ?? {}) };
  const [me] = await db
    .insert(w)
    .values({ name: opts.name ?? `${os.hostname()}:${process.pid}`, host: os.hostname(), pid: process.pid, capabilities: caps })
    .returning();
  if (!me) throw new Error("worker registration returned nothing");
  const log = logger.child({ component: "tuning-agent", workerId: me.id });
  log.info({ capabilities: caps }, "tuning worker online");
  if (gpuNote && !opts.capabilities?.gpus) log.warn(gpuNote);
  const actor: Actor = SYSTEM_ACTOR;
  let current: { job: TuningJob; abort: AbortController } | null = null;
  let running: Promise<void> | null = null;
  let stopping = false;

  const beat = async () => {
    await db
      .update(w)
      .set({ heartbeatAt: new Date(), status: "online", currentJobId: current?.job.id ?? null })
      .where(eq(w.id, me.id));
  };
  const heartbeat = setInterval(
    () => void beat().catch((err) => log.warn({ err: String(err) }, "heartbeat failed")),
    opts.heartbeatMs ?? 2000,
  );

  const tick = async () => {
    if (stopping || running) return;
    const job = await claim(db, me.id, caps);
    if (!job) return;
    const abort = new AbortController();
    current = { job, abort };
    running = runClaimed(db, actor, me.id, job, opts.trainers, abort.signal)
      .catch((err) => log.error({ err, jobId: job.id }, "tuning job crashed the runner"))
      .finally(() => {
        current = null;
        running = null;
      });
  };
  const poll = setInterval(() => void tick().catch((err) => log.warn({ err: String(err) }, "claim failed")), opts.pollMs ?? 1000);
  void tick();

  return {
    workerId: me.id,
    stop: async () => {
      stopping = true;
      clearInterval(poll);
      clearInterval(heartbeat);
      current?.abort.abort(new Stop("worker shutting down", "shutdown"));
      await running;
      await db.update(w).set({ status: "stopped", currentJobId: null }).where(eq(w.id, me.id));
      log.info("tuning worker stopped");
    },
  };
}

/**
 * Take the oldest queued job this worker can run, if any. The trainer list is one bound array
 * parameter, so the statement is the same whatever a worker reports. The claim and the reap that
 * would find this worker lost commit together: a worker killed right after claiming still has its
 * job requeued (./reaper.ts).
 */
export async function claim(db: Db, workerId: string, caps: Pick<WorkerCapabilities, "trainers" | "gpus">): Promise<TuningJob | null> {
  const maxGpu = Math.max(0, ...caps.gpus.map((g) => g.memoryMb));
  return db.transaction(async (tx) => {
    const rows = await tx.execute<{ id: string }>(sql`
      UPDATE tuning_jobs SET status = 'assigned', worker_id = ${workerId}, attempt = attempt + 1, wait_reason = NULL
      WHERE id = (
        SELECT id FROM tuning_jobs
        WHERE status = 'queued' AND cancel_requested_at IS NULL
          AND method = ANY(${sql.param(caps.trainers)}::text[])
          AND (resources->>'kind' = 'cpu' OR (${caps.gpus.length > 0} AND coalesce((resources->>'minGpuMemoryMb')::int, 0) <= ${maxGpu}))
        ORDER BY created_at
        FOR UPDATE SKIP LOCKED
        LIMIT 1
      )
      RETURNING id`);
    const id = rows[0]?.id;
    if (!id) return null;
    await scheduleReap(tx, new Date(Date.now() + WORKER_LOST_AFTER_MS + 1000));
    const [job] = await tx.select().from(j).where(eq(j.id, id));
    return job ?? null;
  });
}

/** Run one claimed job to its end state. */
async function runClaimed(
  db: Db,
  actor: Actor,
  workerId: string,
  claimed: TuningJob,
  trainers: Record<string, Trainer>,
  shutdown: AbortSignal,
): Promise<void> {
  const jobId = claimed.id;
  const attempt = claimed.attempt;
  const [job] = await db
    .update(j)
    .set({ status: "running", startedAt: claimed.startedAt ?? new Date(), error: null })
    .where(and(eq(j.id, jobId), eq(j.workerId, workerId), eq(j.status, "assigned")))
    .returning();
  if (!job) return;

  // logs and metrics are buffered and written every 300 ms
  let lines: { line: string; stream: "worker" | "stdout" | "stderr" }[] = [];
  let points: { key: string; value: number; step: number; timestamp: number }[] = [];
  let runId: string | null = job.runId;
  const tail: string[] = [];
  const flush = async () => {
    const l = lines;
    const p = points;
    lines = [];
    points = [];
    if (l.length)
      await db.insert(schema.tuningJobLogs).values(l.map((x) => ({ jobId, attempt, stream: x.stream, line: x.line.slice(0, 10_000) })));
    if (p.length && runId) await logBatch(db, job.projectId, runId, { metrics: p });
  };
  let flushing: Promise<void> = Promise.resolve();
  const flusher = setInterval(() => {
    flushing = flushing.then(flush).catch((err) => logger.warn({ err: String(err), jobId }, "tuning log flush failed"));
  }, 300);
  const say = (line: string, stream: "worker" | "stdout" | "stderr" = "worker") => {
    lines.push({ line, stream });
    tail.push(`[${stream}] ${line}`);
    if (tail.length > 20) tail.shift();
  };

  const abort = new AbortController();
  const stopWith = (s: Stop) => !abort.signal.aborted && abort.abort(s);
  const onShutdown = () => stopWith(new Stop("worker shutting down", "shutdown"));
  shutdown.addEventListener("abort", onShutdown);
  const wall = setTimeout(
    () => stopWith(new Stop(`wall-time limit of ${job.wallTimeLimitS} s reached`, "timeout")),
    job.wallTimeLimitS * 1000,
  );
  const cancelPoll = setInterval(async () => {
    const [row] = await db.select({ c: j.cancelRequestedAt }).from(j).where(eq(j.id, jobId));
    if (row?.c) stopWith(new Stop("cancelled", "cancelled"));
  }, 500);
  const workDir = await fsp.mkdtemp(path.join(os.tmpdir(), `keel-tune-${job.number}-`));
  try {
    const trainer = trainers[job.method];
    if (!trainer) throw new Error(`this worker has no ${job.method} trainer`);
    say(`attempt ${attempt} of ${job.maxAttempts} on worker ${workerId}`);
    const base = await baseOf(db, job.baseVersionId);
    const experiment = await ensureExperiment(db, actor, job.projectId, `tuning/${job.outputModel}`);
    if (!runId) {
      const run = await createRun(db, actor, job.projectId, {
        experimentId: experiment.id,
        name: `job-${job.number}`,
        params: Object.fromEntries(
          Object.entries({ ...job.hyperparameters, method: job.method, seed: job.seed }).map(([k, v]) => [k, String(v)]),
        ),
        tags: { "keel.tuning_job": jobId, "keel.base": `${base.model}:${base.version}` },
      });
      runId = run.id;
      await db.update(j).set({ runId }).where(eq(j.id, jobId));
    }
    const baseDir = await materializeVersion(base.id, await versionFiles(db, base.id));
    const examples = await loadExamples(db, job.projectId, job.datasetVersionId, job.fields, job.seed);
    say(
      `${examples.length} examples (${examples.filter((e) => e.split === "train").length} train, ${examples.filter((e) => e.split === "test").length} test)`,
    );
    const output = await trainer({
      db,
      job,
      baseDir,
      base: { versionId: base.id, model: base.model, version: base.version },
      examples,
      hyperparameters: job.hyperparameters,
      workDir,
      signal: abort.signal,
      log: say,
      metric: (step, values) => {
        for (const [key, value] of Object.entries(values))
          if (Number.isFinite(value)) points.push({ key, value, step, timestamp: Date.now() });
      },
      progress: (fraction, message) => {
        void db
          .update(j)
          .set({ progress: { fraction: Math.max(0, Math.min(1, fraction)), ...(message ? { message } : {}) } })
          .where(eq(j.id, jobId))
          .catch(() => {});
      },
    });
    if (abort.signal.aborted) throw abort.signal.reason;
    clearInterval(flusher);
    await flushing;
    await flush();
    const version = await register(db, actor, job, workerId, runId, base, output);
    say(`registered ${version.model} v${version.version}`);
    await flush();
    await evaluateAndPromote({ db, actor, job, version, task: output.task, examples, say, signal: abort.signal });
    await flush();
    await updateRun(db, job.projectId, runId, { status: "FINISHED", endTime: Date.now() });
  } catch (err) {
    const stop = abort.signal.aborted ? (abort.signal.reason as Stop) : err instanceof Stop ? err : null;
    say(stop ? stop.message : `failed: ${(err as Error)?.message ?? String(err)}`);
    clearInterval(flusher);
    await flushing;
    await flush().catch(() => {});
    const now = new Date();
    if (stop?.kind === "shutdown") {
      // back to the queue, for this or another worker (the attempt counts)
      await db
        .update(j)
        .set(
          job.attempt < job.maxAttempts ? { status: "queued", workerId: null } : { status: "failed", error: stop.message, finishedAt: now },
        )
        .where(and(eq(j.id, jobId), eq(j.workerId, workerId)));
    } else {
      await db
        .update(j)
        .set({
          status: stop?.kind === "cancelled" ? "cancelled" : "failed",
          error:
            stop?.kind === "cancelled" ? null : [`${stop ? stop.message : (err as Error)?.message}`, "last log lines:", ...tail].join("\n"),
          finishedAt: now,
        })
        .where(and(eq(j.id, jobId), eq(j.workerId, workerId)));
    }
    if (runId)
      await updateRun(db, job.projectId, runId, { status: stop?.kind === "cancelled" ? "KILLED" : "FAILED", endTime: Date.now() }).catch(
        () => {},
      );
  } finally {
    clearInterval(flusher);
    clearInterval(cancelPoll);
    clearTimeout(wall);
    shutdown.removeEventListener("abort", onShutdown);
    await fsp.rm(workDir, { recursive: true, force: true });
  }
}
