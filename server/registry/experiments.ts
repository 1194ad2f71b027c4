import { and, eq, ilike, type SQL, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError, isUniqueViolation } from "../core/errors";
import { keyset, type Page, toPage } from "../core/pagination";
import { type Actor, recordAudit } from "../workspace";
import { parseFilter } from "./mlflow-search";

const e = schema.experiments;

export interface Experiment {
  id: string;
  name: string;
  description: string | null;
  tags: Record<string, string>;
  lifecycleStage: "active" | "deleted";
  createdAt: Date;
  updatedAt: Date;
}
export interface ExperimentSummary extends Experiment {
  runCount: number;
  /** epoch ms of the newest run's start, null without runs */
  lastRunStart: number | null;
}

/** The experiment MLflow clients log to when none is set (experiment id "0"). */
export const DEFAULT_EXPERIMENT = "Default";

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string) => UUID_RE.test(s);

export const experimentNotFound = (ref: string) => new DomainError("NOT_FOUND", `experiment ${ref} not found`, "experimentId");

const cols = {
  id: e.id,
  name: e.name,
  description: e.description,
  tags: e.tags,
  lifecycleStage: e.lifecycleStage,
  createdAt: e.createdAt,
  updatedAt: e.updatedAt,
};

export function checkExperimentName(name: unknown): string {
  if (typeof name !== "string" || !name.trim() || name.length > 500 || /\p{Cc}/u.test(name))
    throw new DomainError("BAD_REQUEST", "experiment name must be 1 to 500 printable characters", "name");
  return name;
}

function checkTags(tags: Record<string, string>): void {
  for (const [k, v] of Object.entries(tags)) {
    if (!k || k.length > 250) throw new DomainError("BAD_REQUEST", `tag key "${k.slice(0, 40)}" must be 1 to 250 characters`, "tags");
    if (typeof v !== "string" || v.length > 8000)
      throw new DomainError("BAD_REQUEST", `tag ${k} must be a string of at most 8000 characters`, "tags");
  }
}

export async function createExperiment(
  db: DbOrTx,
  actor: Actor,
  projectId: string,
  input: { name: string; description?: string | null; tags?: Record<string, string> },
): Promise<Experiment> {
  const name = checkExperimentName(input.name);
  checkTags(input.tags ?? {});
  try {
    return await db.transaction(async (tx) => {
      const [row] = await tx
        .insert(e)
        .values({ projectId, name, description: input.description ?? null, tags: input.tags ?? {} })
        .returning(cols);
      if (!row) throw new Error("insert returned nothing");
      await recordAudit(tx, actor, {
        projectId,
        action: "experiments.create",
        targetType: "experiment",
        targetId: row.id,
        after: { name },
      });
      return row;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new DomainError("CONFLICT", `an experiment named ${name} already exists`, "name");
    throw err;
  }
}

/** The experiment named `name`, created when missing (concurrent callers get the same row). */
export async function ensureExperiment(db: DbOrTx, actor: Actor, projectId: string, name: string): Promise<Experiment> {
  checkExperimentName(name);
  return db.transaction(async (tx) => {
    const [created] = await tx.insert(e).values({ projectId, name }).onConflictDoNothing().returning(cols);
    if (created) {
      await recordAudit(tx, actor, {
        projectId,
        action: "experiments.create",
        targetType: "experiment",
        targetId: created.id,
        after: { name },
      });
      return created;
    }
    return getExperimentByName(tx, projectId, name);
  });
}

export async function getExperiment(db: DbOrTx, projectId: string, id: string): Promise<Experiment> {
  if (!isUuid(id)) throw experimentNotFound(id);
  const [row] = await db
    .select(cols)
    .from(e)
    .where(and(eq(e.projectId, projectId), eq(e.id, id)));
  if (!row) throw experimentNotFound(id);
  return row;
}

export async function getExperimentByName(db: DbOrTx, projectId: string, name: string): Promise<Experiment> {
  const [row] = await db
    .select(cols)
    .from(e)
    .where(and(eq(e.projectId, projectId), eq(e.name, name)));
  if (!row) throw new DomainError("NOT_FOUND", `experiment ${name} not found`, "name");
  return row;
}

export interface ListExperimentsInput {
  cursor?: string;
  limit: number;
  /** active (default), deleted or all */
  lifecycle?: "active" | "deleted" | "all";
  /** case-insensitive substring of the name */
  search?: string;
  /** MLflow's experiment filter: `name = 'x'`, `name LIKE '%x%'`, `tags.k = 'v'` joined by AND */
  filter?: string;
}

const OPS: Record<string, string> = { "=": "=", "!=": "<>", LIKE: "like", ILIKE: "ilike" };

function experimentFilter(filter: string): SQL[] {
  return parseFilter(filter).map((c) => {
    if (c.kind === "tag" || (c.kind === "attribute" && c.key === "run_name" && c.op in OPS)) {
      const col = c.kind === "tag" ? sql`(${e.tags} ->> ${c.key})` : sql`${e.name}`;
      return sql`${col} ${sql.raw(OPS[c.op] as string)} ${c.value as string}`;
    }
    throw new DomainError("BAD_REQUEST", `invalid filter "${filter}": experiments filter on name and tags.KEY only`, "filter");
  });
}

/** Newest first, keyset over (created_at, id), with run counts. */
export async function listExperiments(db: DbOrTx, projectId: string, input: ListExperimentsInput): Promise<Page<ExperimentSummary>> {
  const k = keyset(e.createdAt, e.id, input.cursor);
  const lifecycle = input.lifecycle ?? "active";
  const conds: (SQL | undefined)[] = [eq(e.projectId, projectId), k.where];
  if (lifecycle !== "all") conds.push(eq(e.lifecycleStage, lifecycle));
  if (input.filter) conds.push(...experimentFilter(input.filter));
  if (input.search) conds.push(ilike(e.name, `%${input.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`));
  const rows = await db
    .select({
      ...cols,
      // qualified by hand: drizzle writes bare column names inside a single-table select
      runCount: sql<number>`(select count(*)::int from runs x where x.project_id = "experiments"."project_id" and x.experiment_id = "experiments"."id" and x.lifecycle_stage = 'active')`,
      lastRunStart: sql<
        number | null
      >`(select max(x.start_time)::float8 from runs x where x.project_id = "experiments"."project_id" and x.experiment_id = "experiments"."id")`,
    })
    .from(e)
    .where(and(...conds))
    .orderBy(...k.orderBy)
    .limit(input.limit + 1);
  return toPage(rows, input.limit);
}

export interface UpdateExperimentInput {
  name?: string;
  description?: string | null;
}

export async function updateExperiment(
  db: DbOrTx,
  actor: Actor,
  projectId: string,
  id: string,
  input: UpdateExperimentInput,
): Promise<Experiment> {
  const before = await getExperiment(db, projectId, id);
  const set: Partial<typeof e.$inferInsert> = { updatedAt: sql`date_trunc('milliseconds', clock_timestamp())` as unknown as Date };
  if (input.name !== undefined) set.name = checkExperimentName(input.name);
  if (input.description !== undefined) set.description = input.description;
  try {
    return await db.transaction(async (tx) => {
      const [row] = await tx
        .update(e)
        .set(set)
        .where(and(eq(e.projectId, projectId), eq(e.id, id)))
        .returning(cols);
      if (!row) throw experimentNotFound(id);
      await recordAudit(tx, actor, {
        projectId,
        action: "experiments.update",
        targetType: "experiment",
        targetId: id,
        before: { name: before.name, description: before.description },
        after: input,
      });
      return row;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new DomainError("CONFLICT", `an experiment named ${input.name} already exists`, "name");
    throw err;
  }
}

/** Set (or overwrite) one tag. */
export async function setExperimentTag(db: DbOrTx, projectId: string, id: string, key: string, value: string): Promise<void> {
  checkTags({ [key]: value });
  await getExperiment(db, projectId, id);
  await db
    .update(e)
    .set({ tags: sql`${e.tags} || ${JSON.stringify({ [key]: value })}::jsonb` })
    .where(and(eq(e.projectId, projectId), eq(e.id, id)));
}

/** Soft delete (MLflow's lifecycle stage); its runs are marked deleted with it, and restored with it. */
export async function setExperimentLifecycle(
  db: DbOrTx,
  actor: Actor,
  projectId: string,
  id: string,
  stage: "active" | "deleted",
): Promise<Experiment> {
  await getExperiment(db, projectId, id);
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(e)
      .set({ lifecycleStage: stage })
      .where(and(eq(e.projectId, projectId), eq(e.id, id)))
      .returning(cols);
    if (!row) throw experimentNotFound(id);
    const r = schema.runs;
    await tx
      .update(r)
      .set({ lifecycleStage: stage })
      .where(and(eq(r.projectId, projectId), eq(r.experimentId, id)));
    await recordAudit(tx, actor, {
      projectId,
      action: stage === "deleted" ? "experiments.delete" : "experiments.restore",
      targetType: "experiment",
      targetId: id,
    });
    return row;
  });
}
