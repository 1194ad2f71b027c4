import { randomUUID } from "node:crypto";
import type { Readable } from "node:stream";
import { and, eq, inArray, like, type SQL, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import type { LoggedModelMetric } from "../../db/schema";
import { DomainError } from "../core/errors";
import { type Actor, recordAudit } from "../workspace";
import { getExperiment } from "./experiments";
import { type LoggedModelClause, type LoggedModelOrder, type LoggedModelStatus, parseLoggedModelFilter } from "./logged-models-search";
import { checkKey } from "./run-metrics";
import { getRun, type RunArtifactEntry, randomRunName } from "./runs";
import { checkRunArtifactPath, storeUpload } from "./runs-artifacts";

/**
 * MLflow 3's logged models (`mlflow.<flavor>.log_model` creates one, uploads its files under its
 * artifact location, then finalizes it): stored per project, files content-addressed like a run's.
 * Params are immutable as a run's; tags overwrite; metrics logged with a `model_id` keep their latest
 * value per key and dataset.
 */

const lm = schema.loggedModels;
const lf = schema.loggedModelFiles;
export type LoggedModel = typeof lm.$inferSelect;
export type { LoggedModelMetric };

/** MLflow's id form: `m-` and 32 hex digits. */
export const newLoggedModelId = () => `m-${randomUUID().replace(/-/g, "")}`;
export const loggedModelLocation = (experimentId: string, id: string) => `mlflow-artifacts:/${experimentId}/models/${id}/artifacts`;

const PARAM_VALUE_MAX = 6000;
const TAG_VALUE_MAX = 8000;
const MAX_PER_REQUEST = 100;

export const loggedModelNotFound = (id: string) => new DomainError("NOT_FOUND", `logged model ${id} not found`, "model_id");

function checkEntries(kv: Record<string, string>, what: "param" | "tag", max: number): Record<string, string> {
  const entries = Object.entries(kv);
  if (entries.length > MAX_PER_REQUEST)
    throw new DomainError("BAD_REQUEST", `at most ${MAX_PER_REQUEST} ${what}s per request (got ${entries.length})`, `${what}s`);
  for (const [k, v] of entries) {
    checkKey(k, what, `${what}s`);
    if (v.length > max) throw new DomainError("BAD_REQUEST", `${what} ${k} must be at most ${max} characters`, `${what}s.${k}`);
  }
  return kv;
}

function checkName(name: string): string {
  if (!name.trim() || name.length > 250 || /[\p{Cc}/:]/u.test(name))
    throw new DomainError("BAD_REQUEST", "logged model name must be 1 to 250 printable characters, without / or :", "name");
  return name;
}

export interface CreateLoggedModelInput {
  experimentId: string;
  name?: string;
  modelType?: string;
  sourceRunId?: string;
  params?: Record<string, string>;
  tags?: Record<string, string>;
}

export async function createLoggedModel(db: DbOrTx, actor: Actor, projectId: string, input: CreateLoggedModelInput): Promise<LoggedModel> {
  const params = checkEntries(input.params ?? {}, "param", PARAM_VALUE_MAX);
  const tags = checkEntries(input.tags ?? {}, "tag", TAG_VALUE_MAX);
  const name = checkName(input.name ?? randomRunName());
  if (input.modelType !== undefined && input.modelType.length > 500)
    throw new DomainError("BAD_REQUEST", "model_type must be at most 500 characters", "model_type");
  const experiment = await getExperiment(db, projectId, input.experimentId);
  if (experiment.lifecycleStage !== "active")
    throw new DomainError("BAD_REQUEST", `experiment ${experiment.name} is deleted; restore it to log models to it`, "experiment_id");
  const run = input.sourceRunId ? await getRun(db, projectId, input.sourceRunId) : null;
  const id = newLoggedModelId();
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(lm)
      .values({
        id,
        projectId,
        experimentId: experiment.id,
        name,
        modelType: input.modelType ?? null,
        sourceRunId: run?.id ?? null,
        params,
        tags,
        artifactLocation: loggedModelLocation(experiment.id, id),
        createdBy: actor.userId,
      })
      .returning();
    if (!row) throw new Error("insert returned nothing");
    await recordAudit(tx, actor, {
      projectId,
      action: "registry.logged_model.create",
      targetType: "logged_model",
      targetId: id,
      after: { name, experimentId: experiment.id },
    });
    return row;
  });
}

export async function getLoggedModel(db: DbOrTx, projectId: string, id: string, opts: { forUpdate?: boolean } = {}): Promise<LoggedModel> {
  const q = db
    .select()
    .from(lm)
    .where(and(eq(lm.projectId, projectId), eq(lm.id, id)));
  const [row] = opts.forUpdate ? await q.for("update") : await q;
  if (!row) throw loggedModelNotFound(id);
  return row;
}

const touch = { updatedAt: sql`date_trunc('milliseconds', clock_timestamp())` as unknown as Date };

async function update(db: DbOrTx, id: string, set: Partial<typeof lm.$inferInsert>): Promise<LoggedModel> {
  const [row] = await db
    .update(lm)
    .set({ ...set, ...touch })
    .where(eq(lm.id, id))
    .returning();
  if (!row) throw loggedModelNotFound(id);
  return row;
}

/** MLflow's finalize: the upload ended (ready) or failed. */
export async function finalizeLoggedModel(
  db: DbOrTx,
  projectId: string,
  id: string,
  status: Exclude<LoggedModelStatus, "pending">,
  message?: string,
): Promise<LoggedModel> {
  const m = await getLoggedModel(db, projectId, id);
  return update(db, m.id, { status, statusMessage: message ?? null });
}

/** Params are immutable: the same value again is a no-op, another value a 400 naming the key. */
export async function logLoggedModelParams(db: DbOrTx, projectId: string, id: string, params: Record<string, string>): Promise<void> {
  checkEntries(params, "param", PARAM_VALUE_MAX);
  await db.transaction(async (tx) => {
    const m = await getLoggedModel(tx, projectId, id, { forUpdate: true });
    for (const [k, v] of Object.entries(params)) {
      const old = m.params[k];
      if (old !== undefined && old !== v)
        throw new DomainError(
          "BAD_REQUEST",
          `param ${k} was already logged with value "${old}" for logged model ${id}; params are immutable (attempted "${v}")`,
          `params.${k}`,
        );
    }
    if (Object.keys(params).length) await update(tx, m.id, { params: { ...m.params, ...params } });
  });
}

/** Set tags (overwriting), or delete one (`null` values). */
export async function setLoggedModelTags(db: DbOrTx, projectId: string, id: string, tags: Record<string, string | null>): Promise<void> {
  const set = Object.fromEntries(Object.entries(tags).filter((e): e is [string, string] => e[1] !== null));
  checkEntries(set, "tag", TAG_VALUE_MAX);
  await db.transaction(async (tx) => {
    const m = await getLoggedModel(tx, projectId, id, { forUpdate: true });
    const next = { ...m.tags, ...set };
    for (const [k, v] of Object.entries(tags)) {
      if (v !== null) continue;
      if (!(k in m.tags)) throw new DomainError("NOT_FOUND", `logged model ${id} has no tag ${k}`, "tag_key");
      delete next[k];
    }
    await update(tx, m.id, { tags: next });
  });
}

export async function deleteLoggedModel(db: DbOrTx, actor: Actor, projectId: string, id: string): Promise<void> {
  await db.transaction(async (tx) => {
    const m = await getLoggedModel(tx, projectId, id, { forUpdate: true });
    await tx.delete(lm).where(eq(lm.id, m.id));
    await recordAudit(tx, actor, {
      projectId,
      action: "registry.logged_model.delete",
      targetType: "logged_model",
      targetId: id,
      before: { name: m.name },
    });
  });
}

export interface ModelMetricPoint {
  key: string;
  value: number;
  step?: number;
  timestamp?: number;
  modelId: string;
  datasetName?: string;
  datasetDigest?: string;
}

/** JSON holds no NaN or ±Infinity: those travel as their text in jsonb. */
const storable = (v: number): number | string => (Number.isFinite(v) ? v : String(v));
export const loggedMetricValue = (v: number | string): number => (typeof v === "number" ? v : Number(v));

/**
 * Record metrics logged with a `model_id` (MLflow 3) on their logged models: the latest point per
 * (key, dataset) by (step, timestamp), as the run keeps its latest. Call inside the run's write.
 */
export async function recordLoggedModelMetrics(tx: DbOrTx, projectId: string, runId: string | null, points: readonly ModelMetricPoint[]) {
  const now = Date.now();
  const ids = [...new Set(points.map((p) => p.modelId))];
  for (const id of ids) {
    const m = await getLoggedModel(tx, projectId, id, { forUpdate: true });
    const metrics = [...m.metrics];
    for (const p of points.filter((x) => x.modelId === id)) {
      const next: LoggedModelMetric = {
        key: p.key,
        value: storable(p.value),
        step: p.step ?? 0,
        timestamp: p.timestamp ?? now,
        runId,
        datasetName: p.datasetName ?? null,
        datasetDigest: p.datasetDigest ?? null,
      };
      const i = metrics.findIndex((x) => x.key === p.key && x.datasetName === next.datasetName && x.datasetDigest === next.datasetDigest);
      const cur = i >= 0 ? metrics[i] : undefined;
      if (!cur) metrics.push(next);
      else if (next.step > cur.step || (next.step === cur.step && next.timestamp >= cur.timestamp)) metrics[i] = next;
    }
    await update(tx, m.id, { metrics });
  }
}

// ---------------------------------------------------------------- search

const STR_SQL: Record<string, string> = { "=": "=", "!=": "<>", LIKE: "like", ILIKE: "ilike" };
const NUM_SQL: Record<string, string> = { "=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">=" };

function clauseSql(c: LoggedModelClause): SQL {
  switch (c.kind) {
    case "attribute": {
      const col = {
        name: lm.name,
        model_id: lm.id,
        source_run_id: sql`${lm.sourceRunId}::text`,
        status: lm.status,
        model_type: lm.modelType,
      }[c.key];
      return sql`${col} ${sql.raw(STR_SQL[c.op] as string)} ${c.value}`;
    }
    case "time": {
      const col = c.key === "created" ? lm.createdAt : lm.updatedAt;
      return sql`(extract(epoch from ${col}) * 1000)::bigint ${sql.raw(NUM_SQL[c.op] as string)} ${c.value}`;
    }
    case "param":
    case "tag":
      return sql`(${c.kind === "param" ? lm.params : lm.tags} ->> ${c.key}) ${sql.raw(STR_SQL[c.op] as string)} ${c.value}`;
    case "metric":
      return sql`exists (select 1 from jsonb_array_elements(${lm.metrics}) x
        where x ->> 'key' = ${c.key} and (x ->> 'value')::float8 ${sql.raw(NUM_SQL[c.op] as string)} ${c.value})`;
  }
}

interface Cursor {
  v: string | number;
  id: string;
}
const encode = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString("base64url");
function decode(s: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(s, "base64url").toString("utf8")) as Cursor;
    if (typeof c.id !== "string" || (typeof c.v !== "string" && typeof c.v !== "number")) throw new Error();
    return c;
  } catch {
    throw new DomainError("BAD_REQUEST", "page_token is not a token returned by this search", "page_token");
  }
}

/** Logged models of some experiments, MLflow's filter, keyset-paged on the order's column and the id. */
export async function searchLoggedModels(
  db: DbOrTx,
  projectId: string,
  input: { experimentIds: readonly string[]; filter?: string; order: LoggedModelOrder; cursor?: string; limit: number },
): Promise<{ items: LoggedModel[]; nextCursor: string | null }> {
  const clauses = parseLoggedModelFilter(input.filter);
  const col = input.order.key === "name" ? lm.name : input.order.key === "updated" ? lm.updatedAt : lm.createdAt;
  const dir = sql.raw(input.order.desc ? "desc" : "asc");
  const where: SQL[] = [eq(lm.projectId, projectId), ...clauses.map(clauseSql)];
  if (input.experimentIds.length) where.push(inArray(lm.experimentId, [...input.experimentIds]));
  if (input.cursor) {
    const c = decode(input.cursor);
    if (input.order.key !== "name" && (typeof c.v !== "number" || !Number.isSafeInteger(c.v)))
      throw new DomainError("BAD_REQUEST", "page_token is not a token returned by this search (or its order_by changed)", "page_token");
    // as ISO text: drizzle hands postgres.js timestamps through unserialized
    const v = input.order.key === "name" ? sql`${String(c.v)}` : sql`${new Date(Number(c.v)).toISOString()}::timestamptz`;
    where.push(sql`(${col}, ${lm.id}) ${sql.raw(input.order.desc ? "<" : ">")} (${v}, ${c.id})`);
  }
  const rows = await db
    .select()
    .from(lm)
    .where(and(...where))
    .orderBy(sql`${col} ${dir}`, sql`${lm.id} ${dir}`)
    .limit(input.limit + 1);
  const items = rows.slice(0, input.limit);
  const last = items.at(-1);
  const key = (m: LoggedModel) =>
    input.order.key === "name" ? m.name : (input.order.key === "updated" ? m.updatedAt : m.createdAt).getTime();
  return { items, nextCursor: rows.length > input.limit && last ? encode({ v: key(last), id: last.id }) : null };
}

// ---------------------------------------------------------------- files

/** Stream a file into the store and record it at `path` in the logged model (a file there is replaced). */
export async function putLoggedModelFile(
  db: DbOrTx,
  projectId: string,
  id: string,
  path: string,
  body: Readable | AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>,
): Promise<RunArtifactEntry> {
  checkRunArtifactPath(path);
  const m = await getLoggedModel(db, projectId, id);
  const staged = await storeUpload(body);
  return db.transaction(async (tx) => {
    await tx.insert(schema.artifactBlobs).values({ sha256: staged.sha256, size: staged.size }).onConflictDoNothing();
    const [row] = await tx
      .insert(lf)
      .values({ modelId: m.id, path, sha256: staged.sha256, size: staged.size })
      .onConflictDoUpdate({
        target: [lf.modelId, lf.path],
        set: { sha256: staged.sha256, size: staged.size, createdAt: sql`date_trunc('milliseconds', clock_timestamp())` },
      })
      .returning({ path: lf.path, size: lf.size, sha256: lf.sha256, createdAt: lf.createdAt });
    if (!row) throw new Error("upsert returned nothing");
    await update(tx, m.id, {});
    return row;
  });
}

/** Every file of the logged model under `prefix` (a directory, or all when empty), by path. */
export async function listLoggedModelFiles(db: DbOrTx, projectId: string, id: string, prefix = ""): Promise<RunArtifactEntry[]> {
  const m = await getLoggedModel(db, projectId, id);
  const dir = prefix.replace(/\/+$/, "");
  const escaped = dir.replace(/[\\%_]/g, (c) => `\\${c}`);
  return db
    .select({ path: lf.path, size: lf.size, sha256: lf.sha256, createdAt: lf.createdAt })
    .from(lf)
    .where(and(eq(lf.modelId, m.id), dir ? like(lf.path, `${escaped}/%`) : undefined))
    .orderBy(lf.path);
}

/** One file's entry; 404 when the logged model has no file at `path`. */
export async function loggedModelFile(db: DbOrTx, projectId: string, id: string, path: string): Promise<RunArtifactEntry> {
  const m = await getLoggedModel(db, projectId, id);
  const [entry] = await db
    .select({ path: lf.path, size: lf.size, sha256: lf.sha256, createdAt: lf.createdAt })
    .from(lf)
    .where(and(eq(lf.modelId, m.id), eq(lf.path, path)));
  if (!entry) throw new DomainError("NOT_FOUND", `logged model ${id} has no artifact ${path}`, "path");
  return entry;
}
