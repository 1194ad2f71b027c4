import { and, desc, eq, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError, notFound } from "../core/errors";
import { isUuid } from "../core/ids";
import { keyset, type Page, type PageInput, toPage } from "../core/pagination";
import type { Actor } from "../workspace";
import { fireAlerts } from "./alerts";
import type { MonitorConfig } from "./contract";
import { type Evaluation, evaluate } from "./engine";
import { checkConfig, checkReference, getMonitorRow, type MonitorRow } from "./monitors";

/**
 * Runs: a monitor evaluated now (./engine.ts) and stored as an immutable run, with its alert rules
 * checked in the same transaction (./alerts.ts: alerts, webhook deliveries, retraining proposals
 * commit with the run or not at all). A run whose evaluation throws is stored as `failed` with the
 * reason, so a schedule never fails silently. Preview evaluates without storing anything.
 */

const r = schema.driftRuns;
export type RunRow = typeof r.$inferSelect;
export type RunSummary = Omit<RunRow, "columns" | "embeddings" | "config">;

const summaryCols = {
  id: r.id,
  projectId: r.projectId,
  monitorId: r.monitorId,
  number: r.number,
  trigger: r.trigger,
  verdict: r.verdict,
  reference: r.reference,
  current: r.current,
  columnCount: r.columnCount,
  driftedCount: r.driftedCount,
  driftShare: r.driftShare,
  message: r.message,
  durationMs: r.durationMs,
  createdBy: r.createdBy,
  createdAt: r.createdAt,
};

/**
 * Evaluate a configuration without storing it: the create form's preview. Bad input is a 400 naming
 * it, and so are values that are no number in a column declared numerical (a run counts and drops them).
 */
export async function previewMonitor(db: DbOrTx, projectId: string, rawConfig: unknown, now = new Date()): Promise<Evaluation> {
  const config = checkConfig(rawConfig);
  await checkReference(db, projectId, config);
  const res = await evaluate(db, projectId, config, now);
  const i = res.columns.findIndex((c) => c.dropped.reference + c.dropped.current > 0);
  const bad = res.columns[i];
  if (bad)
    throw new DomainError(
      "BAD_REQUEST",
      `column ${bad.name} is numerical but ${bad.dropped.reference + bad.dropped.current} of its values are not numbers (declare it categorical, or a run drops them)`,
      `config.columns.${i}`,
    );
  return res;
}

export async function runMonitor(
  db: DbOrTx,
  actor: Actor,
  projectId: string,
  ref: string,
  trigger: "schedule" | "manual",
  now = new Date(),
): Promise<RunRow> {
  const monitor = await getMonitorRow(db, projectId, ref);
  return runMonitorRow(db, actor, monitor, trigger, now);
}

export async function runMonitorRow(
  db: DbOrTx,
  actor: Actor,
  monitor: MonitorRow,
  trigger: "schedule" | "manual",
  now = new Date(),
): Promise<RunRow> {
  const config = monitor.config as unknown as MonitorConfig;
  const started = performance.now();
  let result: Evaluation | null = null;
  let failure: string | null = null;
  try {
    result = await evaluate(db, monitor.projectId, checkConfig(config), now);
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    failure = err.message;
  }
  const durationMs = Math.round(performance.now() - started);
  return db.transaction(async (tx) => {
    // one run number at a time per monitor
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext('drift_runs'), hashtext(${monitor.id}))`);
    const [{ next } = { next: 1 }] = await tx
      .select({ next: sql<number>`coalesce(max(${r.number}), 0)::int + 1` })
      .from(r)
      .where(eq(r.monitorId, monitor.id));
    const empty = { from: null, to: null, size: 0, label: "" };
    const [row] = await tx
      .insert(r)
      .values({
        projectId: monitor.projectId,
        monitorId: monitor.id,
        number: next,
        trigger,
        verdict: result?.verdict ?? "failed",
        config: monitor.config,
        reference: result?.reference ?? empty,
        current: result?.current ?? empty,
        columnCount: result?.columnCount ?? 0,
        driftedCount: result?.driftedCount ?? 0,
        driftShare: result?.driftShare ?? 0,
        columns: result?.columns ?? [],
        embeddings: result?.embeddings ?? null,
        message: failure ?? result?.message ?? null,
        durationMs,
        createdBy: actor.userId,
      })
      .returning();
    if (!row) throw new Error("drift run insert returned nothing");
    await fireAlerts(tx, monitor, row);
    return row;
  });
}

export async function listRuns(db: DbOrTx, projectId: string, monitorRef: string, page: PageInput): Promise<Page<RunSummary>> {
  const monitor = await getMonitorRow(db, projectId, monitorRef);
  const k = keyset(r.createdAt, r.id, page.cursor);
  const rows = await db
    .select(summaryCols)
    .from(r)
    .where(and(eq(r.projectId, projectId), eq(r.monitorId, monitor.id), k.where))
    .orderBy(...k.orderBy)
    .limit(page.limit + 1);
  return toPage(rows, page.limit);
}

/** The newest runs' verdicts, oldest first: the timeline and the list's sparkline. */
export async function runTimeline(db: DbOrTx, projectId: string, monitorId: string, limit = 50) {
  const rows = await db
    .select({
      id: r.id,
      number: r.number,
      verdict: r.verdict,
      driftShare: r.driftShare,
      driftedCount: r.driftedCount,
      columnCount: r.columnCount,
      createdAt: r.createdAt,
    })
    .from(r)
    .where(and(eq(r.projectId, projectId), eq(r.monitorId, monitorId)))
    .orderBy(desc(r.number))
    .limit(limit);
  return rows.reverse();
}

export async function getRun(db: DbOrTx, projectId: string, runId: string): Promise<RunRow & { monitor: { id: string; name: string } }> {
  if (!isUuid(runId)) throw notFound("drift run");
  const [row] = await db
    .select({ run: r, name: schema.driftMonitors.name })
    .from(r)
    .innerJoin(schema.driftMonitors, eq(schema.driftMonitors.id, r.monitorId))
    .where(and(eq(r.id, runId), eq(r.projectId, projectId)));
  if (!row) throw notFound("drift run");
  return { ...row.run, monitor: { id: row.run.monitorId, name: row.name } };
}

/** Delete runs past each monitor's retention (its newest run is always kept). Returns how many. */
export async function applyRetention(db: DbOrTx, now = new Date()): Promise<number> {
  const res = await db.execute(sql`
    DELETE FROM drift_runs d USING drift_monitors m
    WHERE d.monitor_id = m.id
      AND d.created_at < ${now.toISOString()}::timestamptz - make_interval(days => m.retention_days)
      AND d.number < (SELECT max(x.number) FROM drift_runs x WHERE x.monitor_id = m.id)`);
  return (res as unknown as { count?: number }).count ?? 0;
}
