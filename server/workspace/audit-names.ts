import { and, eq, inArray, type SQL, sql } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import { type DbOrTx, schema } from "../../db/client";
import { isUuid } from "../core/ids";

/**
 * Names for the audit log's targets (issue 19: "model d0c7a098" told nobody anything). The audit log
 * belongs to workspace, which sits below every domain and may not import them (their services import
 * it), so the names are read straight from the tables, by id, within the project. A target that is
 * gone falls back to a name its audit entry recorded (`after`/`before`).
 */

type Named = { table: PgTable; id: PgColumn; name: SQL | PgColumn; projectId?: PgColumn };
const named = (table: PgTable & { id: PgColumn; name: PgColumn; projectId: PgColumn }): Named => ({
  table,
  id: table.id,
  name: table.name,
  projectId: table.projectId,
});

const s = schema;
const TARGETS: Record<string, Named> = {
  model: named(s.registeredModels),
  api_key: named(s.apiKeys),
  dataset: named(s.datasets),
  eval_run: named(s.evalRuns),
  gate: named(s.gates),
  drift_monitor: named(s.driftMonitors),
  drift_alert_rule: named(s.driftAlertRules),
  router: named(s.routers),
  deployment: named(s.deployments),
  provider: named(s.providers),
  experiment: named(s.experiments),
  logged_model: named(s.loggedModels),
  score_config: named(s.scoreConfigs),
  annotation_queue: named(s.annotationQueues),
  saved_view: named(s.savedViews),
  webhook: { table: s.webhooks, id: s.webhooks.id, name: s.webhooks.url, projectId: s.webhooks.projectId },
  tuning_job: { table: s.tuningJobs, id: s.tuningJobs.id, name: sql`'job #' || ${s.tuningJobs.number}`, projectId: s.tuningJobs.projectId },
  user: { table: s.users, id: s.users.id, name: sql`coalesce(${s.users.name}, ${s.users.email})` },
};

/** Names of (targetType, targetId) pairs of one project, keyed `type:id`. */
export async function targetNames(db: DbOrTx, projectId: string, targets: { type: string; id: string }[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const byType = new Map<string, string[]>();
  for (const t of targets) if (isUuid(t.id)) byType.set(t.type, [...new Set([...(byType.get(t.type) ?? []), t.id])]);
  await Promise.all(
    [...byType].map(async ([type, ids]) => {
      for (const r of await lookup(db, projectId, type, ids)) out.set(`${type}:${r.id}`, r.name);
    }),
  );
  return out;
}

async function lookup(db: DbOrTx, projectId: string, type: string, ids: string[]): Promise<{ id: string; name: string }[]> {
  if (type === "model_version") {
    const v = s.modelVersions;
    return db
      .select({ id: sql<string>`${v.id}::text`, name: sql<string>`${s.registeredModels.name} || ' v' || ${v.version}` })
      .from(v)
      .innerJoin(s.registeredModels, eq(s.registeredModels.id, v.modelId))
      .where(and(eq(s.registeredModels.projectId, projectId), inArray(v.id, ids)));
  }
  if (type === "membership") {
    const m = s.memberships;
    return db
      .select({ id: sql<string>`${m.id}::text`, name: sql<string>`coalesce(${s.users.name}, ${s.users.email})` })
      .from(m)
      .innerJoin(s.users, eq(s.users.id, m.userId))
      .where(and(eq(m.projectId, projectId), inArray(m.id, ids)));
  }
  const t = TARGETS[type];
  if (!t) return [];
  return db
    .select({ id: sql<string>`${t.id}::text`, name: sql<string>`${t.name}` })
    .from(t.table)
    .where(and(t.projectId ? eq(t.projectId, projectId) : undefined, inArray(t.id, ids)));
}

/** A name the entry itself recorded: `name`, `model` (with `version`), or `email` in after, then before. */
export function recordedName(after: unknown, before: unknown): string | null {
  for (const v of [after, before]) {
    if (!v || typeof v !== "object") continue;
    const o = v as Record<string, unknown>;
    if (typeof o.model === "string" && typeof o.version === "number") return `${o.model} v${o.version}`;
    for (const k of ["name", "model", "email"]) if (typeof o[k] === "string" && o[k]) return o[k] as string;
  }
  return null;
}
