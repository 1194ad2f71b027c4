import { and, eq, inArray } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { JOB_STATUSES, type JobStatus } from "../../db/schema";
import { notFound } from "./errors";
import { keyset, type Page, type PageInput, toPage } from "./pagination";
import type { JobRow } from "./queue";

export type JobView = Omit<JobRow, "key" | "workerId">;

const j = schema.jobs;
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

export async function listJobs(db: DbOrTx, projectId: string, page: PageInput & { status?: JobStatus[] }): Promise<Page<JobView>> {
  const k = keyset(j.createdAt, j.id, page.cursor);
  const rows = await db
    .select(cols)
    .from(j)
    .where(and(eq(j.projectId, projectId), page.status?.length ? inArray(j.status, page.status) : undefined, k.where))
    .orderBy(...k.orderBy)
    .limit(page.limit + 1);
  return toPage(rows, page.limit);
}

export async function getJob(db: DbOrTx, projectId: string, jobId: string): Promise<JobView> {
  const [row] = await db
    .select(cols)
    .from(j)
    .where(and(eq(j.id, jobId), eq(j.projectId, projectId)));
  if (!row) throw notFound("job");
  return row;
}

export { JOB_STATUSES };
