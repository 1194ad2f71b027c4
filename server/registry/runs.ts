import { randomInt } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError } from "../core/errors";
import { type Actor, recordAudit } from "../workspace";
import { getExperiment, isUuid } from "./experiments";
import { RUN_STATUSES, type RunStatus } from "./mlflow-search";
import { checkKey, type LatestMetric, latestMetrics, type MetricPoint, normalizeMetrics, writeMetrics } from "./run-metrics";

const r = schema.runs;

export interface Run {
  id: string;
  experimentId: string;
  name: string;
  status: RunStatus;
  /** epoch ms */
  startTime: number;
  endTime: number | null;
  lifecycleStage: "active" | "deleted";
  params: Record<string, string>;
  /** without `mlflow.runName`: the name is `name` */
  tags: Record<string, string>;
  userName: string | null;
  createdBy: string | null;
  createdAt: Date;
}

export interface RunArtifactEntry {
  path: string;
  size: number;
  sha256: string;
  createdAt: Date;
}
export interface RunDetail extends Run {
  experimentName: string;
  metrics: LatestMetric[];
  artifacts: RunArtifactEntry[];
}

/** MLflow keeps a run's name in this tag too; Keel keeps it in `name` only and shows the tag on the MLflow API. */
export const RUN_NAME_TAG = "mlflow.runName";
export const MAX_PARAMS_PER_BATCH = 100;
export const MAX_TAGS_PER_BATCH = 100;
const PARAM_VALUE_MAX = 6000;
const TAG_VALUE_MAX = 8000;
const TERMINAL: readonly RunStatus[] = ["FINISHED", "FAILED", "KILLED"];

const cols = {
  id: r.id,
  experimentId: r.experimentId,
  name: r.name,
  status: r.status,
  startTime: r.startTime,
  endTime: r.endTime,
  lifecycleStage: r.lifecycleStage,
  params: r.params,
  tags: r.tags,
  userName: r.userName,
  createdBy: r.createdBy,
  createdAt: r.createdAt,
};
export const runColumns = cols;

export const runNotFound = (id: string) => new DomainError("NOT_FOUND", `run ${id} not found`, "runId");

const ADJECTIVES = [
  "amber",
  "bold",
  "brave",
  "calm",
  "clever",
  "crisp",
  "eager",
  "gentle",
  "keen",
  "lucky",
  "merry",
  "quiet",
  "rapid",
  "sunny",
  "swift",
  "wise",
];
const NOUNS = [
  "badger",
  "crane",
  "falcon",
  "fox",
  "heron",
  "lynx",
  "otter",
  "owl",
  "panda",
  "raven",
  "seal",
  "stag",
  "tern",
  "whale",
  "wolf",
  "wren",
];
/** An MLflow-style random name, e.g. `swift-otter-417`. */
export const randomRunName = () => `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${NOUNS[randomInt(NOUNS.length)]}-${randomInt(1000)}`;

function checkName(name: unknown): string {
  if (typeof name !== "string" || !name.trim() || name.length > 250 || /\p{Cc}/u.test(name))
    throw new DomainError("BAD_REQUEST", "run name must be 1 to 250 printable characters", "name");
  return name;
}

function checkStatus(status: unknown): RunStatus {
  if (!(RUN_STATUSES as readonly unknown[]).includes(status))
    throw new DomainError("BAD_REQUEST", `status must be one of ${RUN_STATUSES.join(", ")}`, "status");
  return status as RunStatus;
}

function checkMs(v: unknown, field: string): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0)
    throw new DomainError("BAD_REQUEST", `${field} must be epoch milliseconds`, field);
  return v;
}

function checkParams(params: Record<string, unknown>): Record<string, string> {
  const entries = Object.entries(params);
  if (entries.length > MAX_PARAMS_PER_BATCH)
    throw new DomainError("BAD_REQUEST", `at most ${MAX_PARAMS_PER_BATCH} params per request (got ${entries.length})`, "params");
  for (const [k, v] of entries) {
    checkKey(k, "param", "params");
    if (typeof v !== "string" || v.length > PARAM_VALUE_MAX)
      throw new DomainError("BAD_REQUEST", `param ${k} must be a string of at most ${PARAM_VALUE_MAX} characters`, `params.${k}`);
  }
  return params as Record<string, string>;
}

function checkTags(tags: Record<string, unknown>): Record<string, string> {
  const entries = Object.entries(tags);
  if (entries.length > MAX_TAGS_PER_BATCH)
    throw new DomainError("BAD_REQUEST", `at most ${MAX_TAGS_PER_BATCH} tags per request (got ${entries.length})`, "tags");
  for (const [k, v] of entries) {
    checkKey(k, "tag", "tags");
    if (typeof v !== "string" || v.length > TAG_VALUE_MAX)
      throw new DomainError("BAD_REQUEST", `tag ${k} must be a string of at most ${TAG_VALUE_MAX} characters`, `tags.${k}`);
  }
  return tags as Record<string, string>;
}

/** Split `mlflow.runName` out of tags: it names the run. */
function splitName(tags: Record<string, string>): { tags: Record<string, string>; name?: string } {
  if (!(RUN_NAME_TAG in tags)) return { tags };
  const { [RUN_NAME_TAG]: name, ...rest } = tags;
  return { tags: rest, name: name || undefined };
}

export interface CreateRunInput {
  experimentId: string;
  name?: string | null;
  /** epoch ms, default now */
  startTime?: number | null;
  params?: Record<string, string>;
  tags?: Record<string, string>;
  userName?: string | null;
}

export async function createRun(db: DbOrTx, actor: Actor, projectId: string, input: CreateRunInput): Promise<Run> {
  const experiment = await getExperiment(db, projectId, input.experimentId);
  if (experiment.lifecycleStage !== "active")
    throw new DomainError("BAD_REQUEST", `experiment ${experiment.name} is deleted; restore it to add runs`, "experimentId");
  const params = checkParams(input.params ?? {});
  const split = splitName(checkTags(input.tags ?? {}));
  const name = checkName(input.name || split.name || randomRunName());
  const startTime = input.startTime == null ? Date.now() : checkMs(input.startTime, "startTime");
  const [row] = await db
    .insert(r)
    .values({
      projectId,
      experimentId: experiment.id,
      name,
      startTime,
      params,
      tags: split.tags,
      userName: input.userName ?? null,
      createdBy: actor.userId,
    })
    .returning(cols);
  if (!row) throw new Error("insert returned nothing");
  return row;
}

export async function getRun(db: DbOrTx, projectId: string, runId: string): Promise<Run> {
  if (!isUuid(runId)) throw runNotFound(runId);
  const [row] = await db
    .select(cols)
    .from(r)
    .where(and(eq(r.projectId, projectId), eq(r.id, runId)));
  if (!row) throw runNotFound(runId);
  return row;
}

/** A run with its experiment's name, the latest value of each metric and its artifacts. */
export async function getRunDetail(db: DbOrTx, projectId: string, runId: string): Promise<RunDetail> {
  const run = await getRun(db, projectId, runId);
  const a = schema.runArtifacts;
  const [experiment, metrics, artifacts] = await Promise.all([
    getExperiment(db, projectId, run.experimentId),
    latestMetrics(db, [run.id]),
    db.select({ path: a.path, size: a.size, sha256: a.sha256, createdAt: a.createdAt }).from(a).where(eq(a.runId, run.id)).orderBy(a.path),
  ]);
  return { ...run, experimentName: experiment.name, metrics: metrics.get(run.id) ?? [], artifacts };
}

export interface UpdateRunInput {
  status?: RunStatus;
  /** epoch ms; a terminal status without it ends the run now */
  endTime?: number | null;
  name?: string;
}

export async function updateRun(db: DbOrTx, projectId: string, runId: string, input: UpdateRunInput): Promise<Run> {
  const run = await getRun(db, projectId, runId);
  const set: Partial<typeof r.$inferInsert> = {};
  if (input.status !== undefined) {
    set.status = checkStatus(input.status);
    if (TERMINAL.includes(set.status) && input.endTime === undefined && run.endTime === null) set.endTime = Date.now();
    if (set.status === "RUNNING" && input.endTime === undefined) set.endTime = null;
  }
  if (input.endTime !== undefined) set.endTime = input.endTime === null ? null : checkMs(input.endTime, "endTime");
  if (input.name !== undefined) set.name = checkName(input.name);
  if (!Object.keys(set).length) return run;
  const [row] = await db
    .update(r)
    .set(set)
    .where(and(eq(r.projectId, projectId), eq(r.id, run.id)))
    .returning(cols);
  return row ?? run;
}

/** Soft delete and restore (MLflow's lifecycle stage). */
export async function setRunLifecycle(
  db: DbOrTx,
  actor: Actor,
  projectId: string,
  runId: string,
  stage: "active" | "deleted",
): Promise<Run> {
  const run = await getRun(db, projectId, runId);
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(r)
      .set({ lifecycleStage: stage })
      .where(and(eq(r.projectId, projectId), eq(r.id, run.id)))
      .returning(cols);
    await recordAudit(tx, actor, {
      projectId,
      action: stage === "deleted" ? "runs.delete" : "runs.restore",
      targetType: "run",
      targetId: run.id,
      after: { name: run.name, experimentId: run.experimentId },
    });
    return row ?? run;
  });
}

export interface LogBatchInput {
  metrics?: readonly MetricPoint[];
  params?: Record<string, string>;
  tags?: Record<string, string>;
}

/**
 * Metrics, params and tags of one run in one transaction: all or nothing. Params are immutable: a
 * key logged again with the same value is a no-op, with a different value a 400 (as MLflow's
 * INVALID_PARAMETER_VALUE). Tags overwrite; `mlflow.runName` renames the run. `nonFinite` admits
 * NaN and ±Infinity values (the MLflow routes only).
 */
export async function logBatch(
  db: DbOrTx,
  projectId: string,
  runId: string,
  input: LogBatchInput,
  opts: { nonFinite?: boolean } = {},
): Promise<void> {
  const points = normalizeMetrics(input.metrics ?? [], Date.now(), opts.nonFinite ?? false);
  const params = checkParams(input.params ?? {});
  const split = splitName(checkTags(input.tags ?? {}));
  if (split.name !== undefined) checkName(split.name);
  if (!isUuid(runId)) throw runNotFound(runId);
  const writesRow = Object.keys(params).length > 0 || Object.keys(input.tags ?? {}).length > 0;
  await db.transaction(async (tx) => {
    // a row lock serialises param checks of concurrent batches; metric-only batches share it
    const q = tx
      .select({ id: r.id, experimentId: r.experimentId, params: r.params, lifecycleStage: r.lifecycleStage })
      .from(r)
      .where(and(eq(r.projectId, projectId), eq(r.id, runId)));
    const [run] = await (writesRow ? q.for("update") : q.for("share"));
    if (!run) throw runNotFound(runId);
    if (run.lifecycleStage !== "active")
      throw new DomainError("BAD_REQUEST", `run ${runId} is deleted; restore it before logging to it`, "runId");
    if (writesRow) {
      const fresh: Record<string, string> = {};
      for (const [k, v] of Object.entries(params)) {
        const old = run.params[k];
        if (old !== undefined && old !== v)
          throw new DomainError(
            "BAD_REQUEST",
            `param ${k} was already logged with value "${old}" for run ${runId}; params are immutable (attempted "${v}")`,
            `params.${k}`,
          );
        if (old === undefined) fresh[k] = v;
      }
      const set: Partial<typeof r.$inferInsert> = {};
      if (Object.keys(fresh).length) set.params = sql`${r.params} || ${JSON.stringify(fresh)}::jsonb` as unknown as Record<string, string>;
      if (Object.keys(split.tags).length)
        set.tags = sql`${r.tags} || ${JSON.stringify(split.tags)}::jsonb` as unknown as Record<string, string>;
      if (split.name !== undefined) set.name = split.name;
      if (Object.keys(set).length) await tx.update(r).set(set).where(eq(r.id, run.id));
    }
    await writeMetrics(tx, run, points);
  });
}

/** Remove one tag (removing `mlflow.runName` is a no-op: a run always has a name). */
export async function deleteRunTag(db: DbOrTx, projectId: string, runId: string, key: string): Promise<void> {
  const run = await getRun(db, projectId, runId);
  if (key === RUN_NAME_TAG) return;
  if (!(key in run.tags)) throw new DomainError("NOT_FOUND", `run ${runId} has no tag ${key}`, "key");
  await db
    .update(r)
    .set({ tags: sql`${r.tags} - ${key}::text` })
    .where(eq(r.id, run.id));
}
