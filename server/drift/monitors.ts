import { CronExpressionParser } from "cron-parser";
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError, isUniqueViolation, notFound, parseOrThrow } from "../core/errors";
import { isUuid } from "../core/ids";
import { keyset, type Page, type PageInput, toPage } from "../core/pagination";
import { type Actor, recordAudit } from "../workspace";
import { DEFAULT_REFUSAL_PHRASES, defineColumn } from "./columns";
import { type MonitorConfig, type MonitorInput, monitorConfig, monitorInput, monitorUpdate, P_VALUE_TESTS } from "./contract";
import { datasetVersionFor } from "./reference";

/**
 * Monitors: create, read, update, delete. Everything a run needs is checked on write (columns,
 * tests and thresholds, windows, the schedule), so a saved monitor fails at run time only for
 * what can change later (a dataset version deleted, a window with too few rows).
 */

const m = schema.driftMonitors;
export type MonitorRow = typeof m.$inferSelect;

export interface MonitorView extends Omit<MonitorRow, "config"> {
  config: MonitorConfig;
  /** the newest run's number, verdict and share, for lists */
  lastRun: { id: string; number: number; verdict: string; driftShare: number; createdAt: Date } | null;
  /** the last 20 runs, oldest first: the list's sparkline */
  recent: { number: number; verdict: string; driftShare: number }[];
}

/** The next time a crontab expression fires after `after` (UTC), or a 400 naming `schedule`. */
export function nextRun(schedule: string, after: Date): Date {
  if (schedule.trim().split(/\s+/).length !== 5)
    throw new DomainError(
      "BAD_REQUEST",
      `schedule: "${schedule}" is not a 5-field crontab expression (minute hour day month weekday)`,
      "schedule",
    );
  try {
    return CronExpressionParser.parse(schedule, { currentDate: after, tz: "UTC" }).next().toDate();
  } catch (err) {
    throw new DomainError("BAD_REQUEST", `schedule: "${schedule}" does not parse (${(err as Error).message})`, "schedule");
  }
}

/** Column names, types, tests and thresholds: each problem is a 400 naming its column. */
export function checkConfig(raw: unknown): MonitorConfig {
  const config = parseOrThrow(monitorConfig, raw, "config");
  const phrases = config.source.refusalPhrases ?? DEFAULT_REFUSAL_PHRASES;
  const names = new Set<string>();
  config.columns.forEach((c, i) => {
    const field = `config.columns.${i}`;
    const def = defineColumn(c, phrases);
    if (names.has(def.name)) throw new DomainError("BAD_REQUEST", `${field}: column ${def.name} is named twice`, field);
    names.add(def.name);
    if (c.stattest && def.type === "categorical" && (c.stattest === "ks" || c.stattest === "wasserstein"))
      throw new DomainError(
        "BAD_REQUEST",
        `${field}: ${c.stattest} needs a numerical column; ${def.name} is categorical`,
        `${field}.stattest`,
      );
    if (c.threshold !== undefined) {
      const pTest = c.stattest ? P_VALUE_TESTS.includes(c.stattest) : undefined;
      if (pTest === true && !(c.threshold > 0 && c.threshold < 1))
        throw new DomainError(
          "BAD_REQUEST",
          `${field}.threshold: a p-value threshold is between 0 and 1 (exclusive)`,
          `${field}.threshold`,
        );
      if (pTest === false && !(c.threshold > 0))
        throw new DomainError("BAD_REQUEST", `${field}.threshold: a distance threshold is above 0`, `${field}.threshold`);
      if (pTest === undefined && !(c.threshold > 0 && c.threshold < 1))
        throw new DomainError(
          "BAD_REQUEST",
          `${field}.threshold: without a stattest the default test decides, so the threshold must be between 0 and 1 (or name the stattest)`,
          `${field}.threshold`,
        );
    }
  });
  const e = config.embeddings;
  if (e?.threshold !== undefined && !(e.threshold > 0 && (e.method === "model" ? e.threshold < 1 : true)))
    throw new DomainError("BAD_REQUEST", "config.embeddings.threshold is out of range", "config.embeddings.threshold");
  for (const [key, w] of [
    ["reference", config.reference],
    ["current", config.current],
  ] as const)
    if (w.kind === "range" && w.from >= w.to)
      throw new DomainError("BAD_REQUEST", `config.${key}: from must be before to`, `config.${key}.from`);
  if (config.reference.kind === "previous" && config.current.kind !== "sliding" && config.current.kind !== "range")
    throw new DomainError("BAD_REQUEST", "config.reference: previous needs a current window", "config.reference");
  return config;
}

/**
 * A dataset-version reference must hold every column: columns a dataset row cannot have (latency,
 * tokens...) and metadata.KEY / input.KEY that no row of the version carries are a 400 naming them.
 */
export async function checkReference(db: DbOrTx, projectId: string, config: MonitorConfig): Promise<void> {
  if (config.reference.kind !== "dataset") return;
  const version = await datasetVersionFor(db, projectId, config.reference.dataset, config.reference.version);
  const phrases = config.source.refusalPhrases ?? DEFAULT_REFUSAL_PHRASES;
  for (const [i, c] of config.columns.entries()) {
    const def = defineColumn(c, phrases);
    const field = `config.columns.${i}`;
    if (!def.row)
      throw new DomainError(
        "BAD_REQUEST",
        `${field}: the reference dataset version has no column ${def.name} (dataset rows have input, prediction or references, metadata)`,
        field,
      );
    const [, part, key] = def.name.match(/^(metadata|input)\.(.+)$/) ?? [];
    if (!part || !key) continue;
    const r = schema.datasetRows;
    const [hit] = await db
      .select({ one: sql<number>`1` })
      .from(r)
      .where(
        and(
          eq(r.projectId, projectId),
          eq(r.versionId, version.id),
          sql`jsonb_typeof(${sql.raw(`"${part}"`)}) = 'object' AND ${sql.raw(`"${part}"`)} ? ${key}`,
        ),
      )
      .limit(1);
    if (!hit)
      throw new DomainError(
        "BAD_REQUEST",
        `${field}: no row of the reference dataset ${config.reference.dataset} v${version.version} has ${part}.${key}`,
        field,
      );
  }
}

async function lastRuns(db: DbOrTx, monitorIds: string[]): Promise<Map<string, MonitorView["lastRun"]>> {
  if (!monitorIds.length) return new Map();
  const r = schema.driftRuns;
  const rows = await db
    .selectDistinctOn([r.monitorId], {
      monitorId: r.monitorId,
      id: r.id,
      number: r.number,
      verdict: r.verdict,
      driftShare: r.driftShare,
      createdAt: r.createdAt,
    })
    .from(r)
    .where(inArray(r.monitorId, monitorIds))
    .orderBy(r.monitorId, desc(r.number));
  return new Map(rows.map(({ monitorId, ...rest }) => [monitorId, rest]));
}

/** The last `n` runs of each monitor, oldest first, in one query. */
async function recentRuns(db: DbOrTx, monitorIds: string[], n = 20): Promise<Map<string, MonitorView["recent"]>> {
  if (!monitorIds.length) return new Map();
  const rows = (await db.execute(sql`
    SELECT monitor_id AS "monitorId", number, verdict, drift_share AS "driftShare"
    FROM (SELECT monitor_id, number, verdict, drift_share, row_number() OVER (PARTITION BY monitor_id ORDER BY number DESC) AS k
          FROM drift_runs WHERE monitor_id IN ${sql`(${sql.join(
            monitorIds.map((id) => sql`${id}::uuid`),
            sql`, `,
          )})`}) x
    WHERE k <= ${n} ORDER BY monitor_id, number`)) as unknown as {
    monitorId: string;
    number: number;
    verdict: string;
    driftShare: number;
  }[];
  const out = new Map<string, MonitorView["recent"]>();
  for (const { monitorId, ...r } of rows) out.set(monitorId, [...(out.get(monitorId) ?? []), r]);
  return out;
}

const view = (row: MonitorRow, last: MonitorView["lastRun"] | undefined, recent: MonitorView["recent"] = []): MonitorView => ({
  ...row,
  config: row.config as unknown as MonitorConfig,
  lastRun: last ?? null,
  recent,
});

export async function listMonitors(db: DbOrTx, projectId: string, page: PageInput): Promise<Page<MonitorView>> {
  const k = keyset(m.createdAt, m.id, page.cursor);
  const rows = await db
    .select()
    .from(m)
    .where(and(eq(m.projectId, projectId), k.where))
    .orderBy(...k.orderBy)
    .limit(page.limit + 1);
  const p = toPage(rows, page.limit);
  const ids = p.items.map((x) => x.id);
  const last = await lastRuns(db, ids);
  const recent = await recentRuns(db, ids);
  return { items: p.items.map((x) => view(x, last.get(x.id), recent.get(x.id))), nextCursor: p.nextCursor };
}

/** A monitor of this project by id or name; another project's is NOT_FOUND. */
export async function getMonitorRow(db: DbOrTx, projectId: string, ref: string): Promise<MonitorRow> {
  const isId = isUuid(ref);
  const [row] = await db
    .select()
    .from(m)
    .where(and(eq(m.projectId, projectId), isId ? eq(m.id, ref) : eq(m.name, ref)));
  if (!row) throw notFound("drift monitor");
  return row;
}

export async function getMonitor(db: DbOrTx, projectId: string, ref: string): Promise<MonitorView> {
  const row = await getMonitorRow(db, projectId, ref);
  return view(row, (await lastRuns(db, [row.id])).get(row.id));
}

const nameTaken = (name: string) => new DomainError("CONFLICT", `a drift monitor named ${name} already exists`, "name");

export async function createMonitor(db: DbOrTx, actor: Actor, projectId: string, raw: unknown): Promise<MonitorView> {
  const input: MonitorInput = parseOrThrow(monitorInput, raw);
  const config = checkConfig(input.config);
  await checkReference(db, projectId, config);
  const schedule = input.schedule?.trim() || null;
  const nextRunAt = schedule ? nextRun(schedule, new Date()) : null;
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(m)
      .values({
        projectId,
        name: input.name,
        description: input.description ?? null,
        config: config as unknown as Record<string, unknown>,
        schedule,
        nextRunAt,
        active: input.active,
        retentionDays: input.retentionDays,
        createdBy: actor.userId,
      })
      .returning()
      .catch((err) => {
        throw isUniqueViolation(err, "drift_monitors_project_name_key") ? nameTaken(input.name) : err;
      });
    if (!row) throw new Error("monitor insert returned nothing");
    await recordAudit(tx, actor, {
      projectId,
      action: "drift.monitor.create",
      targetType: "drift_monitor",
      targetId: row.id,
      after: input,
    });
    return view(row, null);
  });
}

export async function updateMonitor(db: DbOrTx, actor: Actor, projectId: string, ref: string, raw: unknown): Promise<MonitorView> {
  const input = parseOrThrow(monitorUpdate, raw);
  const before = await getMonitorRow(db, projectId, ref);
  const set: Partial<MonitorRow> = { updatedAt: new Date() };
  if (input.name !== undefined) set.name = input.name;
  if (input.description !== undefined) set.description = input.description ?? null;
  if (input.config !== undefined) {
    const config = checkConfig(input.config);
    await checkReference(db, projectId, config);
    set.config = config as unknown as Record<string, unknown>;
  }
  if (input.active !== undefined) set.active = input.active;
  if (input.retentionDays !== undefined) set.retentionDays = input.retentionDays;
  if (input.schedule !== undefined) {
    set.schedule = input.schedule?.trim() || null;
    set.nextRunAt = set.schedule ? nextRun(set.schedule, new Date()) : null;
  }
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(m)
      .set(set)
      .where(eq(m.id, before.id))
      .returning()
      .catch((err) => {
        throw isUniqueViolation(err, "drift_monitors_project_name_key") ? nameTaken(input.name ?? "") : err;
      });
    if (!row) throw notFound("drift monitor");
    await recordAudit(tx, actor, {
      projectId,
      action: "drift.monitor.update",
      targetType: "drift_monitor",
      targetId: row.id,
      before: { name: before.name, schedule: before.schedule, config: before.config },
      after: input,
    });
    return view(row, (await lastRuns(tx, [row.id])).get(row.id));
  });
}

export async function deleteMonitor(db: DbOrTx, actor: Actor, projectId: string, ref: string): Promise<{ id: string }> {
  const row = await getMonitorRow(db, projectId, ref);
  await db.transaction(async (tx) => {
    await tx.delete(m).where(eq(m.id, row.id));
    await recordAudit(tx, actor, {
      projectId,
      action: "drift.monitor.delete",
      targetType: "drift_monitor",
      targetId: row.id,
      before: { name: row.name },
    });
  });
  return { id: row.id };
}
