import { and, eq, inArray } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { JOB_STATUSES, type JobStatus, TUNING_STATUSES, type TuningStatus } from "../../db/schema";
import { notFound } from "./errors";
import { keyset, type Page, type PageInput, toPage } from "./pagination";
import type { JobRow } from "./queue";

/**
 * Every job of a project, one list for both kinds: `queue` jobs (graphile-worker delivers them,
 * Keel's `jobs` table records them) and `tuning` jobs (claimed by workers by capability, recorded in
 * `tuning_jobs`). Both answer in the common lifecycle, queued -> running -> succeeded | failed |
 * cancelled; a tuning job's own status (awaiting_approval, assigned, rejected, ...) is in `tuning`.
 * This module reads `tuning_jobs` directly (core imports no domain), so the mapping lives here.
 */
export const JOB_KINDS = ["queue", "tuning"] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export interface TuningDetail {
  number: number;
  method: string;
  status: TuningStatus;
  outputModel: string;
}

export type JobView = Omit<JobRow, "key" | "workerId"> & {
  kind: JobKind;
  /** set on tuning jobs: their per-project number (the console links /<project>/tuning/<number>) and own status */
  tuning: TuningDetail | null;
};

/** A tuning status in the common lifecycle: waiting ones are queued, held ones running, refused ones cancelled. */
export const TUNING_AS_JOB: Record<TuningStatus, JobStatus> = {
  awaiting_approval: "queued",
  queued: "queued",
  assigned: "running",
  running: "running",
  succeeded: "succeeded",
  failed: "failed",
  cancelled: "cancelled",
  rejected: "cancelled",
};
const tuningStatusesFor = (wanted: JobStatus[]) => TUNING_STATUSES.filter((s) => wanted.includes(TUNING_AS_JOB[s]));

const j = schema.jobs;
const t = schema.tuningJobs;
const cols = {
  id: j.id,
  projectId: j.projectId,
  name: j.name,
  payload: j.payload,
  status: j.status,
  progress: j.progress,
  message: j.message,
  attempts: j.attempts,
  maxAttempts: j.maxAttempts,
  lastError: j.lastError,
  result: j.result,
  cancelRequestedAt: j.cancelRequestedAt,
  createdBy: j.createdBy,
  createdAt: j.createdAt,
  startedAt: j.startedAt,
  finishedAt: j.finishedAt,
};
type QueueRow = { [K in keyof typeof cols]: JobRow[K] };
type TuningRow = typeof t.$inferSelect;

const fromQueue = (r: QueueRow): JobView => ({ ...r, kind: "queue", tuning: null });

/** A tuning job in the common shape; its error is the full text (the reason and the trainer's last log lines). */
function fromTuning(r: TuningRow): JobView {
  return {
    id: r.id,
    projectId: r.projectId,
    name: `tuning.${r.method}`,
    payload: { method: r.method, outputModel: r.outputModel, hyperparameters: r.hyperparameters, resources: r.resources, seed: r.seed },
    status: TUNING_AS_JOB[r.status],
    progress: r.status === "succeeded" ? 1 : (r.progress?.fraction ?? 0),
    message:
      r.status === "queued" || r.status === "awaiting_approval"
        ? (r.waitReason ?? (r.status === "awaiting_approval" ? "awaiting approval" : null))
        : (r.progress?.message ?? null),
    attempts: r.attempt,
    maxAttempts: r.maxAttempts,
    lastError: r.error,
    result: r.resultVersionId ? { versionId: r.resultVersionId, evalRunId: r.evalRunId } : null,
    cancelRequestedAt: r.cancelRequestedAt,
    createdBy: r.createdBy,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    kind: "tuning",
    tuning: { number: r.number, method: r.method, status: r.status, outputModel: r.outputModel },
  };
}

/**
 * Newest first, both kinds, keyset-paged on (created_at, id). Each table gives its own first
 * `limit + 1` rows after the cursor; the first `limit + 1` of their merge are the page's, so the
 * cursor stays exact across kinds.
 */
export async function listJobs(
  db: DbOrTx,
  projectId: string,
  page: PageInput & { status?: JobStatus[]; kind?: JobKind },
): Promise<Page<JobView>> {
  const wanted = page.status?.length ? page.status : null;
  const kq = keyset(j.createdAt, j.id, page.cursor);
  const kt = keyset(t.createdAt, t.id, page.cursor);
  const queue =
    page.kind === "tuning"
      ? []
      : await db
          .select(cols)
          .from(j)
          .where(and(eq(j.projectId, projectId), wanted ? inArray(j.status, wanted) : undefined, kq.where))
          .orderBy(...kq.orderBy)
          .limit(page.limit + 1);
  const tuningStatuses = wanted ? tuningStatusesFor(wanted) : null;
  const tuning =
    page.kind === "queue" || tuningStatuses?.length === 0
      ? []
      : await db
          .select()
          .from(t)
          .where(and(eq(t.projectId, projectId), tuningStatuses ? inArray(t.status, tuningStatuses) : undefined, kt.where))
          .orderBy(...kt.orderBy)
          .limit(page.limit + 1);
  const merged = [...queue.map(fromQueue), ...tuning.map(fromTuning)].sort(
    (a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
  );
  return toPage(merged.slice(0, page.limit + 1), page.limit);
}

/** One job of this project, of either kind, by id. */
export async function getJob(db: DbOrTx, projectId: string, jobId: string): Promise<JobView> {
  const [row] = await db
    .select(cols)
    .from(j)
    .where(and(eq(j.id, jobId), eq(j.projectId, projectId)));
  if (row) return fromQueue(row);
  const [tuning] = await db
    .select()
    .from(t)
    .where(and(eq(t.id, jobId), eq(t.projectId, projectId)));
  if (!tuning) throw notFound("job");
  return fromTuning(tuning);
}

export { JOB_STATUSES };
