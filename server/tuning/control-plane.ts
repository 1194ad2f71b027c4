import type { WorkerCapabilities } from "../../db/schema";
import type { Example } from "./data";
import type { TuningJob } from "./jobs";
import type { JobOutcome, JobReport, Lease } from "./lease";
import type { BaseRef, OutputMeta, Registered } from "./result";

/**
 * What a tuning worker's job loop needs from Keel, whichever way it reaches it: the database and the
 * artifact store directly (plane-db.ts: `keel start`, `keel worker` with a database), or Keel's HTTP
 * API with a `wk_` token only (plane-http.ts: `keel worker --server URL --token wk_...`). The loop
 * (agent.ts) is one; only this differs.
 */
export interface ControlPlane {
  /** true when the worker talks HTTP only (no database, no shared disk) */
  readonly remote: boolean;
  /** register this worker with what it offers; its id */
  register(info: { name: string; host: string; pid: number; capabilities: WorkerCapabilities }): Promise<string>;
  /** "alive", with the job it runs */
  heartbeat(currentJobId: string | null): Promise<void>;
  /** the oldest queued job this worker may and can run (its lease), or null */
  claim(): Promise<Lease | null>;
  /** assigned -> running; the job, its run and its base version (null: the lease is gone already) */
  start(lease: Lease): Promise<{ job: TuningJob; runId: string; base: BaseRef } | null>;
  /** the base version's files as a local folder */
  baseDir(lease: Lease, base: BaseRef): Promise<string>;
  examples(lease: Lease): Promise<Example[]>;
  /** a batch of logs, metric points and progress (throws when it could not be written; the loop sends it again) */
  report(lease: Lease, report: JobReport): Promise<void>;
  /** whether the job was cancelled, or its lease went to another worker, since the last look */
  state(lease: Lease): Promise<"cancel" | "lost" | null>;
  /** the trainer's folder as a new version (refused when the lease is gone); eval and promotion follow */
  complete(lease: Lease, dir: string, out: OutputMeta, say: (line: string) => void, signal: AbortSignal): Promise<Registered>;
  fail(lease: Lease, outcome: JobOutcome): Promise<void>;
  /** this worker stops (a clean exit) */
  stopped(): Promise<void>;
}
