import { and, eq, inArray, sql } from "drizzle-orm";
import type { z } from "zod";
import { type DbOrTx, schema } from "../../db/client";
import type { JobStatus } from "../../db/schema";
import { DomainError } from "./errors";

/**
 * Jobs: `defineJob` declares one; `enqueue` records it in Keel's `jobs` table and hands it to
 * graphile-worker in the same transaction, so a job exists exactly when the write that asked for
 * it commits. Delivery (SKIP LOCKED claims, retries with exponential backoff) is graphile-worker's;
 * status, progress and cancellation are Keel's (see ./worker.ts).
 */

export interface JobContext<P> {
  jobId: string;
  projectId: string | null;
  payload: P;
  /** 1-based attempt number. */
  attempt: number;
  /** Aborted on cancellation, timeout or worker shutdown; `signal.reason` says which. */
  signal: AbortSignal;
  /** Record progress (0..1) and an optional message; throws once the job has been aborted. */
  progress: (fraction: number, message?: string) => Promise<void>;
  db: DbOrTx;
}

export interface JobDefinition<P = unknown> {
  /** `<slug>.<verb>`, e.g. `evals.run`. */
  name: string;
  schema: z.ZodType<P>;
  /** Total attempts, first included. */
  maxAttempts: number;
  timeoutMs: number;
  handle: (ctx: JobContext<P>) => Promise<unknown>;
}

export function defineJob<P>(def: JobDefinition<P>): JobDefinition<P> {
  if (!/^[a-z]+\.[a-zA-Z.]+$/.test(def.name)) throw new Error(`job name ${def.name} must be <slug>.<verb>`);
  return def;
}

export interface EnqueueOptions {
  projectId?: string | null;
  /** Idempotency key: a second enqueue with the same key returns the first job. */
  key?: string;
  createdBy?: string | null;
  runAt?: Date;
}

export type JobRow = typeof schema.jobs.$inferSelect;

export async function enqueue<P>(db: DbOrTx, def: JobDefinition<P>, payload: P, opts: EnqueueOptions = {}): Promise<JobRow> {
  const parsed = def.schema.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DomainError("BAD_REQUEST", `Invalid ${def.name} payload: ${issue?.message}`, issue?.path.join("."));
  }
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(schema.jobs)
      .values({
        projectId: opts.projectId ?? null,
        name: def.name,
        payload: parsed.data as object,
        key: opts.key ?? null,
        maxAttempts: def.maxAttempts,
        createdBy: opts.createdBy ?? null,
      })
      .onConflictDoNothing({ target: schema.jobs.key })
      .returning();
    if (!row) {
      const [existing] = await tx
        .select()
        .from(schema.jobs)
        .where(eq(schema.jobs.key, opts.key ?? ""));
      if (!existing) throw new DomainError("CONFLICT", "job key is taken but the job is gone");
      return existing;
    }
    await tx.execute(sql`SELECT graphile_worker.add_job(
      ${def.name}, json_build_object('jobId', ${row.id}::text),
      run_at => ${opts.runAt?.toISOString() ?? null}::timestamptz, max_attempts => ${def.maxAttempts}, job_key => ${row.id}::text)`);
    return row;
  });
}

const FINISHED: JobStatus[] = ["succeeded", "failed", "cancelled"];

/**
 * Cancel a job of this project. A queued job is removed from the queue at once; a running one
 * is asked to stop (its handler's signal aborts within a second) and ends `cancelled`.
 */
export async function cancelJob(db: DbOrTx, projectId: string, jobId: string): Promise<JobRow> {
  return db.transaction(async (tx) => {
    const [job] = await tx
      .select()
      .from(schema.jobs)
      .where(and(eq(schema.jobs.id, jobId), eq(schema.jobs.projectId, projectId)))
      .for("update");
    if (!job) throw new DomainError("NOT_FOUND", "job not found");
    if (FINISHED.includes(job.status)) return job;
    if (job.status === "queued") {
      // remove_job only deletes a job no worker holds; a held one is caught by the running-job path.
      await tx.execute(sql`SELECT graphile_worker.remove_job(${job.id}::text)`);
      const [row] = await tx
        .update(schema.jobs)
        .set({ status: "cancelled", cancelRequestedAt: new Date(), finishedAt: new Date() })
        .where(and(eq(schema.jobs.id, jobId), inArray(schema.jobs.status, ["queued"])))
        .returning();
      return row ?? job;
    }
    const [row] = await tx.update(schema.jobs).set({ cancelRequestedAt: new Date() }).where(eq(schema.jobs.id, jobId)).returning();
    return row ?? job;
  });
}
