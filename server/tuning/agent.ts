import { execFileSync } from "node:child_process";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Db } from "../../db/client";
import type { WorkerCapabilities } from "../../db/schema";
import { logger } from "../core/logger";
import type { ControlPlane } from "./control-plane";
import type { JobReport, Lease, ReportLine, ReportPoint } from "./lease";
import { databasePlane } from "./plane-db";
import { type PythonRuntime, pythonRuntime } from "./python";
import { Stop } from "./result";
import type { Trainer } from "./trainer";

export interface AgentOptions {
  /** the database, for a worker that has one (its control plane is then the database's) */
  db?: Db;
  /** how the worker reaches Keel: given for a remote worker (plane-http.ts) */
  plane?: ControlPlane;
  trainers: Record<string, Trainer>;
  name?: string;
  /** what this worker offers; detected when omitted */
  capabilities?: Partial<WorkerCapabilities>;
  pollMs?: number;
  heartbeatMs?: number;
}

export interface AgentHandle {
  workerId: string;
  /** the plane's: true for a worker that talks HTTP only */
  remote: boolean;
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

/** Log lines and metric points waiting to be sent: at most this many are kept while the plane cannot be reached. */
const MAX_PENDING = 20_000;

/**
 * A tuning worker: registers itself with its capabilities, heartbeats, claims only jobs it can run
 * (`FOR UPDATE SKIP LOCKED`, so a job runs once however many workers poll), runs the trainer with
 * cancel and a wall-time limit, streams logs and metrics, and registers the result as a new model
 * version whose lineage names the base version, dataset version, job and run. Everything it asks of
 * Keel goes through its control plane (the database, or HTTP for a remote worker), so the loop is the
 * same for both. The heartbeat only says "alive": finding workers whose heartbeat stopped is the
 * `tuning.reap` job's (./reaper.ts).
 */
export async function startTuningAgent(opts: AgentOptions): Promise<AgentHandle> {
  const plane = opts.plane ?? (opts.db ? databasePlane(opts.db) : null);
  if (!plane) throw new Error("a tuning agent needs a database or a control plane");
  const names = Object.keys(opts.trainers);
  const python = names.some((t) => t !== "head") ? await pythonRuntime() : null;
  const { gpuNote, ...detected } = detectCapabilities(names, python);
  const caps: WorkerCapabilities = { ...detected, ...(opts.capabilities ?? {}) };
  const workerId = await plane.register({
    name: opts.name ?? `${os.hostname()}:${process.pid}`,
    host: os.hostname(),
    pid: process.pid,
    capabilities: caps,
  });
  const log = logger.child({ component: "tuning-agent", workerId, remote: plane.remote });
  log.info({ capabilities: caps }, "tuning worker online");
  if (gpuNote && !opts.capabilities?.gpus) log.warn(gpuNote);
  let current: { lease: Lease; abort: AbortController } | null = null;
  let running: Promise<void> | null = null;
  let stopping = false;

  const heartbeat = setInterval(
    () => void plane.heartbeat(current?.lease.jobId ?? null).catch((err) => log.warn({ err: String(err) }, "heartbeat failed")),
    opts.heartbeatMs ?? 2000,
  );

  let polling = false;
  const tick = async () => {
    if (stopping || running || polling) return;
    polling = true;
    try {
      const lease = await plane.claim();
      if (!lease) return;
      const abort = new AbortController();
      current = { lease, abort };
      running = runClaimed(plane, lease, opts.trainers, abort.signal)
        .catch((err) => log.error({ err, jobId: lease.jobId }, "tuning job crashed the runner"))
        .finally(() => {
          current = null;
          running = null;
        });
    } finally {
      polling = false;
    }
  };
  const poll = setInterval(() => void tick().catch((err) => log.warn({ err: String(err) }, "claim failed")), opts.pollMs ?? 1000);
  void tick().catch((err) => log.warn({ err: String(err) }, "claim failed"));

  return {
    workerId,
    remote: plane.remote,
    stop: async () => {
      stopping = true;
      clearInterval(poll);
      clearInterval(heartbeat);
      current?.abort.abort(new Stop("worker shutting down", "shutdown"));
      await running;
      await plane.stopped().catch((err) => log.warn({ err: String(err) }, "could not mark the worker stopped"));
      log.info("tuning worker stopped");
    },
  };
}

/**
 * Run one claimed job to its end state. Logs and metric points are buffered and sent every 300 ms;
 * a batch the plane could not take (a remote worker's network is down) is kept and sent again, while
 * the trainer goes on.
 */
async function runClaimed(plane: ControlPlane, lease: Lease, trainers: Record<string, Trainer>, shutdown: AbortSignal): Promise<void> {
  const started = await plane.start(lease);
  if (!started) return;
  const { job, base } = started;
  const attempt = lease.attempt;
  let lines: ReportLine[] = [];
  let points: ReportPoint[] = [];
  let progress: JobReport["progress"] = null;
  const tail: string[] = [];
  const flush = async () => {
    if (!lines.length && !points.length && !progress) return;
    const batch: JobReport = { lines, points, progress };
    lines = [];
    points = [];
    progress = null;
    try {
      await plane.report(lease, batch);
    } catch (err) {
      // kept for the next flush (newest progress wins), up to MAX_PENDING lines and points
      lines = [...batch.lines, ...lines].slice(-MAX_PENDING);
      points = [...batch.points, ...points].slice(-MAX_PENDING);
      progress ??= batch.progress;
      throw err;
    }
  };
  let flushing: Promise<void> = Promise.resolve();
  const flusher = setInterval(() => {
    flushing = flushing.then(flush).catch((err) => logger.warn({ err: String(err), jobId: lease.jobId }, "tuning log flush failed"));
  }, 300);
  const say = (line: string, stream: ReportLine["stream"] = "worker") => {
    lines.push({ line, stream });
    tail.push(`[${stream}] ${line}`);
    if (tail.length > 20) tail.shift();
  };
  /** the last flush, retried a few times (a remote worker's network may be coming back) */
  const drain = async (tries = 5) => {
    clearInterval(flusher);
    await flushing;
    for (let i = 0; i < tries; i++) {
      try {
        return await flush();
      } catch {
        await new Promise((r) => setTimeout(r, 500 * (i + 1)));
      }
    }
  };

  const abort = new AbortController();
  const stopWith = (s: Stop) => !abort.signal.aborted && abort.abort(s);
  const onShutdown = () => stopWith(new Stop("worker shutting down", "shutdown"));
  shutdown.addEventListener("abort", onShutdown);
  const wall = setTimeout(
    () => stopWith(new Stop(`wall-time limit of ${job.wallTimeLimitS} s reached`, "timeout")),
    job.wallTimeLimitS * 1000,
  );
  const watch = setInterval(async () => {
    const state = await plane.state(lease).catch(() => null);
    if (state === "cancel") stopWith(new Stop("cancelled", "cancelled"));
    if (state === "lost") stopWith(new Stop("the job's lease went to another worker (this one was presumed lost)", "lost"));
  }, 500);
  const workDir = await fsp.mkdtemp(path.join(os.tmpdir(), `keel-tune-${job.number}-`));
  try {
    const trainer = trainers[job.method];
    if (!trainer) throw new Error(`this worker has no ${job.method} trainer`);
    say(`attempt ${attempt} of ${job.maxAttempts} on worker ${lease.workerId}${plane.remote ? " (remote)" : ""}`);
    const baseDir = await plane.baseDir(lease, base);
    const examples = await plane.examples(lease);
    say(
      `${examples.length} examples (${examples.filter((e) => e.split === "train").length} train, ${examples.filter((e) => e.split === "test").length} test)`,
    );
    const output = await trainer({
      job,
      baseDir,
      base: { versionId: base.id, model: base.model, version: base.version, format: base.format, task: base.task },
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
        progress = { fraction, ...(message ? { message } : {}) };
      },
    });
    if (abort.signal.aborted) throw abort.signal.reason;
    await drain();
    const { dir, ...meta } = output;
    // the eval's and promotion's lines go straight to the plane's log (the flusher has stopped)
    const direct = (line: string) => void plane.report(lease, { lines: [{ line, stream: "worker" }], points: [] }).catch(() => {});
    await plane.complete(lease, dir, meta, direct, abort.signal);
  } catch (err) {
    const stop = abort.signal.aborted ? (abort.signal.reason as Stop) : err instanceof Stop ? err : null;
    if (stop?.kind === "lost") {
      // nothing of this job is ours any more: write nothing
      logger.warn({ jobId: lease.jobId, workerId: lease.workerId }, stop.message);
      return;
    }
    say(stop ? stop.message : `failed: ${(err as Error)?.message ?? String(err)}`);
    await drain();
    const message =
      stop?.kind === "cancelled"
        ? "cancelled"
        : [`${stop ? stop.message : (err as Error)?.message}`, "last log lines:", ...tail].join("\n");
    await plane
      .fail(lease, {
        kind: stop?.kind === "shutdown" || stop?.kind === "cancelled" || stop?.kind === "timeout" ? stop.kind : "failed",
        message: stop?.kind === "shutdown" ? stop.message : message,
      })
      .catch((e) => logger.warn({ err: String(e), jobId: lease.jobId }, "could not record the job's end"));
  } finally {
    clearInterval(flusher);
    clearInterval(watch);
    clearTimeout(wall);
    shutdown.removeEventListener("abort", onShutdown);
    await fsp.rm(workDir, { recursive: true, force: true });
  }
}
