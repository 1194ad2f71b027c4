import { and, desc, eq, isNull, lt, or } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError, isUniqueViolation, notFound, parseOrThrow } from "../core/errors";
import { isUuid } from "../core/ids";
import { keyset, type Page, type PageInput, toPage } from "../core/pagination";
import { emitRegistryEvent } from "../registry";
import { createJob, parseJobInput } from "../tuning";
import { type Actor, recordAudit, SYSTEM_ACTOR } from "../workspace";
import type { MonitorConfig } from "./contract";
import { alertRuleInput } from "./contract";
import type { ColumnResult } from "./engine";
import { getMonitorRow, type MonitorRow } from "./monitors";

/**
 * Alert rules and alerts. After each stored run (./runs.ts, same transaction) every active,
 * unsilenced rule of the monitor is checked; one that fires records an alert, emits the signed
 * `drift.alert` webhook event (registry webhooks: same signing and retries), and, when the rule
 * carries a retraining, proposes a tuning job that waits in `awaiting_approval` for an approver.
 * A proposal that cannot be made (its base model gone, say) is noted on the alert, never failing the run.
 */

const rules = schema.driftAlertRules;
const alerts = schema.driftAlerts;
type RuleRow = typeof rules.$inferSelect;
type RunRow = typeof schema.driftRuns.$inferSelect;
export type AlertRow = typeof alerts.$inferSelect;

function checkRule(monitor: MonitorRow, raw: unknown, partial = false) {
  const input = parseOrThrow(partial ? alertRuleInput.partial() : alertRuleInput, raw);
  const cond = input.condition;
  if (cond?.kind === "column") {
    const names = (monitor.config as unknown as MonitorConfig).columns.map((c) => c.name);
    if (!names.includes(cond.column))
      throw new DomainError(
        "BAD_REQUEST",
        `condition.column: ${cond.column} is not a column of monitor ${monitor.name}`,
        "condition.column",
      );
  }
  if (input.retrain) parseJobInput(input.retrain, "retrain");
  return input;
}

export async function listRules(db: DbOrTx, projectId: string, monitorRef: string): Promise<RuleRow[]> {
  const monitor = await getMonitorRow(db, projectId, monitorRef);
  return db.select().from(rules).where(eq(rules.monitorId, monitor.id)).orderBy(rules.createdAt);
}

export async function createRule(db: DbOrTx, actor: Actor, projectId: string, monitorRef: string, raw: unknown): Promise<RuleRow> {
  const monitor = await getMonitorRow(db, projectId, monitorRef);
  const input = checkRule(monitor, raw) as ReturnType<typeof alertRuleInput.parse>;
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(rules)
      .values({
        projectId,
        monitorId: monitor.id,
        name: input.name,
        condition: input.condition,
        retrain: input.retrain ?? null,
        active: input.active,
      })
      .returning()
      .catch((err) => {
        throw isUniqueViolation(err)
          ? new DomainError("CONFLICT", `monitor ${monitor.name} already has a rule named ${input.name}`, "name")
          : err;
      });
    if (!row) throw new Error("rule insert returned nothing");
    await recordAudit(tx, actor, {
      projectId,
      action: "drift.rule.create",
      targetType: "drift_alert_rule",
      targetId: row.id,
      after: input,
    });
    return row;
  });
}

async function ruleOf(db: DbOrTx, projectId: string, ruleId: string): Promise<RuleRow> {
  if (!isUuid(ruleId)) throw notFound("alert rule");
  const [row] = await db
    .select()
    .from(rules)
    .where(and(eq(rules.id, ruleId), eq(rules.projectId, projectId)));
  if (!row) throw notFound("alert rule");
  return row;
}

/** Change a rule; `silencedUntil` silences it until then (null: unsilence). */
export async function updateRule(
  db: DbOrTx,
  actor: Actor,
  projectId: string,
  ruleId: string,
  raw: Record<string, unknown> & { silencedUntil?: Date | null },
): Promise<RuleRow> {
  const rule = await ruleOf(db, projectId, ruleId);
  const { silencedUntil, ...rest } = raw;
  const monitor = await getMonitorRow(db, projectId, rule.monitorId);
  const input = checkRule(monitor, rest, true);
  const set: Partial<RuleRow> = {};
  if (input.name !== undefined) set.name = input.name;
  if (input.condition !== undefined) set.condition = input.condition;
  if (input.retrain !== undefined) set.retrain = input.retrain ?? null;
  if (input.active !== undefined) set.active = input.active;
  if (silencedUntil !== undefined) set.silencedUntil = silencedUntil;
  if (Object.keys(set).length === 0) return rule;
  return db.transaction(async (tx) => {
    const [row] = await tx.update(rules).set(set).where(eq(rules.id, rule.id)).returning();
    if (!row) throw notFound("alert rule");
    await recordAudit(tx, actor, { projectId, action: "drift.rule.update", targetType: "drift_alert_rule", targetId: row.id, after: set });
    return row;
  });
}

export async function deleteRule(db: DbOrTx, actor: Actor, projectId: string, ruleId: string): Promise<{ id: string }> {
  const rule = await ruleOf(db, projectId, ruleId);
  await db.transaction(async (tx) => {
    await tx.delete(rules).where(eq(rules.id, rule.id));
    await recordAudit(tx, actor, {
      projectId,
      action: "drift.rule.delete",
      targetType: "drift_alert_rule",
      targetId: rule.id,
      before: { name: rule.name },
    });
  });
  return { id: rule.id };
}

async function fires(tx: DbOrTx, rule: RuleRow, run: RunRow): Promise<boolean> {
  const cond = rule.condition as { kind: string; column?: string; runs?: number };
  if (cond.kind === "dataset_drift") return run.verdict === "drift";
  if (cond.kind === "column") return (run.columns as ColumnResult[]).some((c) => c.name === cond.column && c.drift === true);
  const n = cond.runs ?? 2;
  const last = await tx
    .select({ verdict: schema.driftRuns.verdict })
    .from(schema.driftRuns)
    .where(eq(schema.driftRuns.monitorId, run.monitorId))
    .orderBy(desc(schema.driftRuns.number))
    .limit(n);
  return last.length === n && last.every((r) => r.verdict === "drift");
}

/** Check the monitor's rules against a run just stored (inside its transaction). Returns the alerts made. */
export async function fireAlerts(tx: DbOrTx, monitor: MonitorRow, run: RunRow): Promise<AlertRow[]> {
  const now = new Date();
  const active = await tx
    .select()
    .from(rules)
    .where(and(eq(rules.monitorId, monitor.id), eq(rules.active, true), or(isNull(rules.silencedUntil), lt(rules.silencedUntil, now))));
  const made: AlertRow[] = [];
  for (const rule of active) {
    if (!(await fires(tx, rule, run))) continue;
    const drifted = (run.columns as ColumnResult[])
      .filter((c) => c.drift)
      .map((c) => ({ name: c.name, stattest: c.stattest, value: c.value, threshold: c.threshold }));
    const payload = {
      project: monitor.projectId,
      monitor: { id: monitor.id, name: monitor.name },
      rule: { id: rule.id, name: rule.name, condition: rule.condition },
      run: { id: run.id, number: run.number, createdAt: run.createdAt.toISOString() },
      verdict: run.verdict,
      driftShare: run.driftShare,
      driftedColumns: drifted,
    };
    const [alert] = await tx
      .insert(alerts)
      .values({ projectId: monitor.projectId, monitorId: monitor.id, ruleId: rule.id, runId: run.id, payload })
      .returning();
    if (!alert) throw new Error("alert insert returned nothing");
    let final = alert;
    if (rule.retrain) {
      const proposal = await propose(tx, monitor, rule, run, alert);
      const [updated] = await tx.update(alerts).set(proposal).where(eq(alerts.id, alert.id)).returning();
      final = updated ?? alert;
    }
    await emitRegistryEvent(tx, monitor.projectId, "drift.alert", {
      ...payload,
      alert: { id: alert.id },
      retraining: final.tuningJobId ? { jobId: final.tuningJobId, status: "awaiting_approval" } : null,
    });
    made.push(final);
  }
  return made;
}

/** The rule's tuning job, proposed in a savepoint: a refusal is noted on the alert and the run still commits. */
async function propose(tx: DbOrTx, monitor: MonitorRow, rule: RuleRow, run: RunRow, alert: AlertRow) {
  const retrain = { ...(rule.retrain as Record<string, unknown>) };
  const fromLogs = retrain.fromLogs as { filter?: Record<string, unknown> } | undefined;
  if (fromLogs) {
    // built from the current window's traffic (the rule's own filter, e.g. a rating, narrows it)
    const cur = run.current as { from: string | null; to: string | null };
    retrain.fromLogs = {
      ...fromLogs,
      filter: {
        ...(cur.from ? { from: new Date(cur.from) } : {}),
        ...(cur.to ? { to: new Date(cur.to) } : {}),
        ...(fromLogs.filter ?? {}),
      },
    };
  }
  try {
    const job = await tx.transaction((sp) =>
      createJob(sp, SYSTEM_ACTOR, monitor.projectId, retrain, {
        proposal: {
          kind: "drift",
          monitorId: monitor.id,
          monitor: monitor.name,
          runId: run.id,
          runNumber: run.number,
          alertId: alert.id,
          ruleId: rule.id,
        },
      }),
    );
    return { tuningJobId: job.id };
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    return { retrainError: err.message };
  }
}

export interface AlertView extends AlertRow {
  monitorName: string;
  ruleName: string;
  runNumber: number;
}

export async function listAlerts(
  db: DbOrTx,
  projectId: string,
  opts: PageInput & { monitor?: string; status?: "open" | "acknowledged" },
): Promise<Page<AlertView>> {
  const monitor = opts.monitor ? await getMonitorRow(db, projectId, opts.monitor) : null;
  const k = keyset(alerts.createdAt, alerts.id, opts.cursor);
  const rows = await db
    .select({ a: alerts, monitorName: schema.driftMonitors.name, ruleName: rules.name, runNumber: schema.driftRuns.number })
    .from(alerts)
    .innerJoin(schema.driftMonitors, eq(schema.driftMonitors.id, alerts.monitorId))
    .innerJoin(rules, eq(rules.id, alerts.ruleId))
    .innerJoin(schema.driftRuns, eq(schema.driftRuns.id, alerts.runId))
    .where(
      and(
        eq(alerts.projectId, projectId),
        monitor ? eq(alerts.monitorId, monitor.id) : undefined,
        opts.status ? eq(alerts.status, opts.status) : undefined,
        k.where,
      ),
    )
    .orderBy(...k.orderBy)
    .limit(opts.limit + 1);
  const page = toPage(
    rows.map((r) => ({ ...r.a, monitorName: r.monitorName, ruleName: r.ruleName, runNumber: r.runNumber })),
    opts.limit,
  );
  return page;
}

export async function acknowledgeAlert(db: DbOrTx, actor: Actor, projectId: string, alertId: string): Promise<AlertRow> {
  if (!isUuid(alertId)) throw notFound("alert");
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(alerts)
      .set({ status: "acknowledged", acknowledgedBy: actor.userId, acknowledgedAt: new Date() })
      .where(and(eq(alerts.id, alertId), eq(alerts.projectId, projectId)))
      .returning();
    if (!row) throw notFound("alert");
    await recordAudit(tx, actor, { projectId, action: "drift.alert.acknowledge", targetType: "drift_alert", targetId: row.id });
    return row;
  });
}
