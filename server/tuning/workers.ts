import { desc, eq, gt, inArray } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import type { WorkerCapabilities } from "../../db/schema";
import { WORKER_LOST_AFTER_MS, workerLabel } from "./jobs";

const w = schema.tuningWorkers;
const j = schema.tuningJobs;

/** Workers seen this long ago are still listed (stopped or lost ones say so). */
const SEEN_WITHIN_MS = 24 * 3600_000;

export const WORKER_STATES = ["online", "stopped", "lost"] as const;
export type WorkerState = (typeof WORKER_STATES)[number];

/** What a worker offers, as listed (every field present). */
export interface WorkerOffer {
  cpus: number;
  memoryMb: number;
  gpus: { name: string; memoryMb: number }[];
  cuda: string | null;
  driver: string | null;
  torch: string | null;
  trainers: string[];
}

/**
 * What a project may know of the shared workers: what each can run (trainers, GPUs and their memory,
 * CPUs) and whether it is online, so a member can see why a job waits. Workers serve every project,
 * so their host names, pids and other projects' jobs are not a project's to see; `busy` says a worker
 * is taken without saying by what. `currentJob` is set only when the job is this project's.
 */
export interface ProjectWorkerView {
  id: string;
  name: string;
  status: WorkerState;
  heartbeatAt: Date;
  capabilities: WorkerOffer;
  busy: boolean;
  currentJob: { id: string; number: number } | null;
}

/** Every worker, as an instance admin sees it: where it runs and what it runs now, for which project. */
export interface InstanceWorkerView extends Omit<ProjectWorkerView, "name" | "currentJob"> {
  name: string;
  host: string;
  pid: number;
  startedAt: Date;
  currentJob: { id: string; number: number; project: { id: string; slug: string; name: string } } | null;
}

type Row = typeof w.$inferSelect;

/**
 * A row's status as of now: a row still `online` whose heartbeat stopped is lost even before the
 * reaper (a scheduled job) marks it so.
 */
function stateOf(row: Row, now: number): WorkerState {
  if (row.status === "online" && row.heartbeatAt.getTime() < now - WORKER_LOST_AFTER_MS) return "lost";
  return row.status;
}

const capabilitiesOf = (c: WorkerCapabilities): WorkerOffer => ({
  cpus: c.cpus,
  memoryMb: c.memoryMb,
  gpus: c.gpus.map((g) => ({ name: g.name, memoryMb: g.memoryMb })),
  cuda: c.cuda ?? null,
  driver: c.driver ?? null,
  torch: c.torch ?? null,
  trainers: [...c.trainers],
});

async function seen(db: DbOrTx): Promise<Row[]> {
  return db
    .select()
    .from(w)
    .where(gt(w.heartbeatAt, new Date(Date.now() - SEEN_WITHIN_MS)))
    .orderBy(desc(w.heartbeatAt))
    .limit(200);
}

/** The jobs workers hold now, by id: which project each is of, and its number there. */
async function heldJobs(db: DbOrTx, rows: Row[]) {
  const ids = [...new Set(rows.map((r) => r.currentJobId).filter((x): x is string => !!x))];
  if (ids.length === 0) return new Map<string, { id: string; number: number; project: { id: string; slug: string; name: string } }>();
  const p = schema.projects;
  const held = await db
    .select({ id: j.id, number: j.number, projectId: p.id, slug: p.slug, name: p.name })
    .from(j)
    .innerJoin(p, eq(p.id, j.projectId))
    .where(inArray(j.id, ids));
  return new Map(held.map((h) => [h.id, { id: h.id, number: h.number, project: { id: h.projectId, slug: h.slug, name: h.name } }]));
}

/** The workers a project's jobs can run on (every worker seen in the last day), without what is not the project's. */
export async function projectWorkers(db: DbOrTx, projectId: string): Promise<ProjectWorkerView[]> {
  const rows = await seen(db);
  const held = await heldJobs(db, rows);
  const now = Date.now();
  return rows.map((r) => {
    const status = stateOf(r, now);
    // a worker that is not online holds nothing (its job was requeued, or will be by the reaper)
    const job = status === "online" && r.currentJobId ? held.get(r.currentJobId) : undefined;
    return {
      id: r.id,
      name: workerLabel(r.id),
      status,
      heartbeatAt: r.heartbeatAt,
      capabilities: capabilitiesOf(r.capabilities),
      busy: status === "online" && !!r.currentJobId,
      currentJob: job && job.project.id === projectId ? { id: job.id, number: job.number } : null,
    };
  });
}

/** Every worker seen in the last day, with its host, pid and the job (and project) it runs: instance admins only. */
export async function allWorkers(db: DbOrTx): Promise<InstanceWorkerView[]> {
  const rows = await seen(db);
  const held = await heldJobs(db, rows);
  const now = Date.now();
  return rows.map((r) => {
    const status = stateOf(r, now);
    return {
      id: r.id,
      name: r.name,
      host: r.host,
      pid: r.pid,
      status,
      startedAt: r.startedAt,
      heartbeatAt: r.heartbeatAt,
      capabilities: capabilitiesOf(r.capabilities),
      busy: status === "online" && !!r.currentJobId,
      currentJob: (status === "online" && r.currentJobId && held.get(r.currentJobId)) || null,
    };
  });
}
