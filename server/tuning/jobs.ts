import { and, asc, desc, eq, gt, inArray, lt, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import type { TuningStatus, WorkerCapabilities } from "../../db/schema";
import { DomainError, notFound, parseOrThrow } from "../core/errors";
import { buildFromLogs, getDataset, getVersionByNumber, listVersions as listDatasetVersions } from "../datasets";
import { resolveVersion } from "../registry";
import { type Actor, recordAudit } from "../workspace";
import { checkSftArchitecture } from "./architectures";
import { BASE_TASKS, type CreateJobInput, createJobInput, HYPERPARAMETERS } from "./contract";
import { loadExamples } from "./data";
import { DATA_SOURCE_MESSAGE } from "./inputs";

const j = schema.tuningJobs;
const w = schema.tuningWorkers;
export type TuningJob = typeof j.$inferSelect;
export type TuningWorker = typeof w.$inferSelect;

/** A worker that missed heartbeats for this long is lost: its job goes back to the queue. */
export const WORKER_LOST_AFTER_MS = 15_000;

/** The capabilities of the workers online now (heartbeat within WORKER_LOST_AFTER_MS). */
export async function onlineCapabilities(db: DbOrTx): Promise<WorkerCapabilities[]> {
  const rows = await db
    .select({ capabilities: w.capabilities })
    .from(w)
    .where(and(eq(w.status, "online"), gt(w.heartbeatAt, new Date(Date.now() - WORKER_LOST_AFTER_MS))));
  return rows.map((r) => r.capabilities);
}

/** Why none of the `online` workers can take a job of this kind (null: one can). */
export function waitReason(online: WorkerCapabilities[], job: Pick<TuningJob, "method" | "resources">): string | null {
  if (online.length === 0) return "no worker is online (start one with `keel worker`)";
  const withTrainer = online.filter((o) => o.trainers.includes(job.method));
  if (withTrainer.length === 0)
    return `no online worker can run ${job.method} jobs (trainers online: ${[...new Set(online.flatMap((o) => o.trainers))].join(", ") || "none"})`;
  if (job.resources.kind === "gpu") {
    const need = job.resources.minGpuMemoryMb ?? 0;
    const fits = withTrainer.some((o) => o.gpus.some((g) => g.memoryMb >= need));
    if (!fits) return `no online worker has a GPU${need ? ` with at least ${need} MB` : ""} for ${job.method}`;
  }
  return null;
}

/** Why no online worker can take a job of this kind (null: one can). */
export async function waitReasonFor(db: DbOrTx, job: Pick<TuningJob, "method" | "resources">): Promise<string | null> {
  return waitReason(await onlineCapabilities(db), job);
}

/** A method's hyperparameters with defaults filled in; every one out of range is named in the 400. */
export function hyperparametersOf(method: CreateJobInput["method"], raw: Record<string, unknown>): Record<string, unknown> {
  const res = HYPERPARAMETERS[method].safeParse(raw);
  if (res.success) return res.data as Record<string, unknown>;
  // an unknown key is named as itself, like an out-of-range one
  const issues = res.error.issues.flatMap((i): { path: PropertyKey[]; message: string }[] =>
    i.code === "unrecognized_keys" ? i.keys.map((k) => ({ path: [k], message: `not a ${method} hyperparameter` })) : [i],
  );
  const named = issues.map((i) => `hyperparameters.${i.path.join(".") || "?"}: ${i.message}`);
  throw new DomainError("BAD_REQUEST", `${method}: ${named.join("; ")}`, `hyperparameters.${issues[0]?.path.join(".") ?? ""}`);
}

/**
 * Queue a tuning job. Everything a trainer needs is checked now, so bad input is a 400 naming it and
 * nothing is queued: hyperparameters against the method's ranges, the base version's task against the
 * method, the dataset version's rows against the text and label fields.
 */
export async function createJob(
  db: DbOrTx,
  actor: Actor,
  projectId: string,
  raw: unknown,
  opts: CreateJobOptions = {},
): Promise<TuningJob> {
  const input = parseJobInput(raw);
  // a dataset built from logs is written in the job's transaction: a job that fails its checks leaves none
  return input.fromLogs ? db.transaction((tx) => queueJob(tx, actor, projectId, input, opts)) : queueJob(db, actor, projectId, input, opts);
}

/** What proposed a job that no person launched: it waits in `awaiting_approval` until an approver decides. */
export type JobTrigger = NonNullable<TuningJob["trigger"]>;
export interface CreateJobOptions {
  proposal?: JobTrigger;
}

/** The launch input checked on its own (a drift rule's saved retraining checks it when saved); a 400 names the field. */
export function parseJobInput(raw: unknown, prefix = ""): CreateJobInput {
  const input: CreateJobInput = parseOrThrow(createJobInput, raw, prefix);
  if (Boolean(input.dataset) === Boolean(input.fromLogs))
    throw new DomainError("BAD_REQUEST", DATA_SOURCE_MESSAGE, [prefix, "dataset"].filter(Boolean).join("."));
  hyperparametersOf(input.method, input.hyperparameters);
  return input;
}

async function queueJob(db: DbOrTx, actor: Actor, projectId: string, input: CreateJobInput, opts: CreateJobOptions): Promise<TuningJob> {
  const hyper = hyperparametersOf(input.method, input.hyperparameters);
  const base = await resolveVersion(db, projectId, input.base.model, input.base.version, { kind: "model" });
  const task = (base.metadata as { task?: string }).task ?? null;
  const [registered] = await db
    .select({ task: schema.registeredModels.task })
    .from(schema.registeredModels)
    .where(eq(schema.registeredModels.id, base.modelId));
  const baseTask = task ?? registered?.task ?? null;
  if (!baseTask || !BASE_TASKS[input.method].includes(baseTask))
    throw new DomainError(
      "BAD_REQUEST",
      `${input.method} cannot train ${base.model} v${base.version} (${baseTask ?? "task unknown"}): it needs a ${BASE_TASKS[input.method].join(" or ")} model`,
      "base",
    );
  if (base.format !== "transformers.js")
    throw new DomainError(
      "BAD_REQUEST",
      `${input.method} needs a transformers.js base model; ${base.model} v${base.version} is ${base.format}`,
      "base",
    );
  await checkSftArchitecture(db, input.method, base);
  const dataset = input.fromLogs
    ? await buildFromLogs(db, actor, projectId, { ...input.fromLogs, format: input.method === "head" ? "traces" : "chat" })
    : await datasetVersionOf(db, projectId, input.dataset as NonNullable<CreateJobInput["dataset"]>);
  const examples = await loadExamples(db, projectId, dataset.id, input.fields, input.seed);
  if (input.method === "head") {
    const labels = new Set(examples.map((e) => e.label));
    if (labels.size < 2)
      throw new DomainError(
        "BAD_REQUEST",
        `a head needs at least 2 labels in field ${input.fields.label}; found ${labels.size}`,
        "fields.label",
      );
    if (!examples.some((e) => e.split === "train"))
      throw new DomainError("BAD_REQUEST", "the dataset has no train rows (metadata.split)", "dataset");
  }
  const resources =
    input.resources.kind === "gpu"
      ? { kind: "gpu" as const, minGpuMemoryMb: input.resources.minGpuMemoryMb ?? 0 }
      : { kind: "cpu" as const };
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext('tuning_jobs'), hashtext(${projectId}))`);
    const [{ next } = { next: 1 }] = await tx
      .select({ next: sql<number>`coalesce(max(${j.number}), 0)::int + 1` })
      .from(j)
      .where(eq(j.projectId, projectId));
    const [row] = await tx
      .insert(j)
      .values({
        projectId,
        number: next,
        method: input.method,
        baseVersionId: base.id,
        datasetVersionId: dataset.id,
        outputModel: input.outputModel ?? `${base.model}-${input.method}`,
        hyperparameters: hyper as Record<string, unknown>,
        resources,
        seed: input.seed,
        fields: input.fields,
        wallTimeLimitS: input.wallTimeLimitS,
        maxAttempts: input.maxAttempts,
        promoteTo: input.promoteTo ?? null,
        createdBy: actor.userId,
        status: opts.proposal ? "awaiting_approval" : "queued",
        trigger: opts.proposal ?? null,
        waitReason: opts.proposal
          ? "proposed by a drift alert: waits for an approver"
          : await waitReasonFor(tx, { method: input.method, resources }),
      })
      .returning();
    if (!row) throw new Error("tuning job insert returned nothing");
    await recordAudit(tx, actor, {
      projectId,
      action: "tuning.job.create",
      targetType: "tuning_job",
      targetId: row.id,
      after: { number: row.number, method: row.method, base: `${base.model}@${base.version}`, dataset: dataset.id, trigger: row.trigger },
    });
    if (row.status === "queued") await tx.execute(sql`SELECT pg_notify('keel_tuning', ${row.id})`);
    return row;
  });
}

async function datasetVersionOf(db: DbOrTx, projectId: string, ref: NonNullable<CreateJobInput["dataset"]>) {
  if (ref.version) return getVersionByNumber(db, projectId, ref.name, ref.version);
  const ds = await getDataset(db, projectId, { name: ref.name }).catch((err) => {
    throw err instanceof DomainError && err.code === "NOT_FOUND"
      ? new DomainError("BAD_REQUEST", `dataset ${ref.name} not found`, "dataset")
      : err;
  });
  const page = await listDatasetVersions(db, projectId, ds.id, { limit: 1 });
  const latest = page.items[0];
  if (!latest) throw new DomainError("BAD_REQUEST", `dataset ${ref.name} has no versions`, "dataset");
  return latest;
}

export interface JobView extends TuningJob {
  base: { model: string; version: number };
  dataset: { name: string; version: number };
  result: { model: string; version: number } | null;
  /** the worker that holds or ran it: its id and what it offers, never its host or pid (workers are not project data) */
  worker: { id: string; name: string; remote: boolean } | null;
}

/** A worker as a project names it: by the start of its id, not by its host name and pid. */
export const workerLabel = (id: string) => `worker ${id.slice(0, 8)}`;

async function views(db: DbOrTx, rows: TuningJob[]): Promise<JobView[]> {
  if (rows.length === 0) return [];
  const versionIds = [...new Set(rows.flatMap((r) => [r.baseVersionId, r.resultVersionId].filter((x): x is string => !!x)))];
  const versions = await db
    .select({ id: schema.modelVersions.id, version: schema.modelVersions.version, model: schema.registeredModels.name })
    .from(schema.modelVersions)
    .innerJoin(schema.registeredModels, eq(schema.registeredModels.id, schema.modelVersions.modelId))
    .where(inArray(schema.modelVersions.id, versionIds));
  const datasets = await db
    .select({ id: schema.datasetVersions.id, version: schema.datasetVersions.version, name: schema.datasets.name })
    .from(schema.datasetVersions)
    .innerJoin(schema.datasets, eq(schema.datasets.id, schema.datasetVersions.datasetId))
    .where(inArray(schema.datasetVersions.id, [...new Set(rows.map((r) => r.datasetVersionId))]));
  const workerIds = [...new Set(rows.map((r) => r.workerId).filter((x): x is string => !!x))];
  const workers = workerIds.length ? await db.select({ id: w.id, tokenId: w.tokenId }).from(w).where(inArray(w.id, workerIds)) : [];
  // a queued job's reason to wait is read now, from the workers online now (nothing refreshes a stored one)
  const online = rows.some((r) => r.status === "queued") ? await onlineCapabilities(db) : [];
  const vById = new Map(versions.map((v) => [v.id, v]));
  const dById = new Map(datasets.map((d) => [d.id, d]));
  const wById = new Map(workers.map((x) => [x.id, x]));
  return rows.map((r) => {
    const b = vById.get(r.baseVersionId);
    const d = dById.get(r.datasetVersionId);
    const res = r.resultVersionId ? vById.get(r.resultVersionId) : undefined;
    const wk = r.workerId ? wById.get(r.workerId) : undefined;
    return {
      ...r,
      base: { model: b?.model ?? "?", version: b?.version ?? 0 },
      dataset: { name: d?.name ?? "?", version: d?.version ?? 0 },
      result: res ? { model: res.model, version: res.version } : null,
      worker: wk ? { id: wk.id, name: workerLabel(wk.id), remote: wk.tokenId !== null } : null,
      waitReason: r.status === "queued" ? waitReason(online, r) : r.waitReason,
    };
  });
}

/** Newest first; `beforeNumber` pages back (keyset on the per-project job number). */
export async function listJobs(
  db: DbOrTx,
  projectId: string,
  opts: { status?: TuningStatus; limit?: number; beforeNumber?: number } = {},
): Promise<JobView[]> {
  const rows = await db
    .select()
    .from(j)
    .where(
      and(
        eq(j.projectId, projectId),
        opts.status ? eq(j.status, opts.status) : undefined,
        opts.beforeNumber ? lt(j.number, opts.beforeNumber) : undefined,
      ),
    )
    .orderBy(desc(j.number))
    .limit(Math.min(opts.limit ?? 100, 500));
  return views(db, rows);
}

/** A job by its id or its per-project number. */
export async function getJob(db: DbOrTx, projectId: string, ref: string | number): Promise<JobView> {
  const byNumber = typeof ref === "number" || /^\d+$/.test(ref);
  const [row] = await db
    .select()
    .from(j)
    .where(and(eq(j.projectId, projectId), byNumber ? eq(j.number, Number(ref)) : eq(j.id, String(ref))));
  if (!row) throw notFound(`tuning job ${ref}`);
  return (await views(db, [row]))[0] as JobView;
}

/**
 * Cancel: a queued job is cancelled at once; a running one is asked to stop (its worker stops the
 * trainer and registers nothing). Finished jobs are a 409.
 */
export async function cancelJob(db: DbOrTx, actor: Actor, projectId: string, ref: string | number): Promise<JobView> {
  const job = await getJob(db, projectId, ref);
  if (job.status === "succeeded" || job.status === "failed" || job.status === "cancelled" || job.status === "rejected")
    throw new DomainError("CONFLICT", `job #${job.number} already ${job.status}`);
  await db.transaction(async (tx) => {
    const now = new Date();
    const waiting = job.status === "queued" || job.status === "awaiting_approval";
    await tx
      .update(j)
      .set(waiting ? { status: "cancelled", cancelRequestedAt: now, finishedAt: now } : { cancelRequestedAt: now })
      .where(eq(j.id, job.id));
    await recordAudit(tx, actor, { projectId, action: "tuning.job.cancel", targetType: "tuning_job", targetId: job.id });
  });
  return getJob(db, projectId, job.id);
}

/** Log lines after `afterId` (the UI polls with the last id it has). */
export async function jobLogs(db: DbOrTx, projectId: string, ref: string | number, afterId = 0, limit = 500) {
  const job = await getJob(db, projectId, ref);
  const l = schema.tuningJobLogs;
  return db
    .select({ id: l.id, attempt: l.attempt, stream: l.stream, line: l.line, at: l.at })
    .from(l)
    .where(and(eq(l.jobId, job.id), gt(l.id, afterId)))
    .orderBy(asc(l.id))
    .limit(Math.min(limit, 5000));
}
