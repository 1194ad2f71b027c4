import { and, asc, eq, gt, gte, isNotNull, lt, or, sql } from "drizzle-orm";
import { z } from "zod";
import { type Db, schema } from "../../db/client";
import { type Actor, recordAudit } from "../workspace";
import { callCost, type DeploymentPrices, listPrices, priceLookup } from "./prices";
import { refreshRollups } from "./rollups";
import { markHoursDirty } from "./stats";

export const recomputeOutput = z.object({
  /** observations whose cost changed */
  updated: z.number(),
  /** traces whose cost rollup was recomputed */
  traces: z.number(),
});

/** Observations read and written per transaction: a long range never holds one huge transaction. */
const BATCH = 1000;

const o = schema.observations;
const t = schema.traces;

/** The project's deployments that carry their own prices, by name (the gateway logs the name in trace metadata). */
async function pricedDeployments(db: Db, projectId: string): Promise<Map<string, DeploymentPrices>> {
  const d = schema.deployments;
  const rows = await db
    .select({ name: d.name, inputPricePer1k: d.inputPricePer1k, outputPricePer1k: d.outputPricePer1k })
    .from(d)
    .where(and(eq(d.projectId, projectId), or(gt(d.inputPricePer1k, 0), gt(d.outputPricePer1k, 0))));
  return new Map(rows.map((r) => [r.name, r]));
}

/**
 * Recompute the cost of the project's observations that started in `[from, to)` and carry a model
 * and token counts, from the prices as they are now (callCost's precedence: a gateway call's
 * deployment, the project's table, the catalogue), then the cost rollups of their traces and the
 * charts' hours. A cost that nothing prices now is left as it was; a cost the client reported is
 * replaced where a price matches. Batched: each batch is its own transaction.
 */
export async function recomputeCosts(
  db: Db,
  actor: Actor,
  projectId: string,
  range: { from: Date; to: Date },
): Promise<{ updated: number; traces: number }> {
  const lookup = priceLookup(await listPrices(db, projectId));
  const deployments = await pricedDeployments(db, projectId);
  const traces = new Set<string>();
  let updated = 0;
  let after: { start: string; id: string } | null = null;
  for (;;) {
    const rows = await readBatch(db, projectId, range, after);
    const changes = rows.flatMap((r) => {
      const cost = callCost(deployments.get(r.deployment ?? ""), r.model, r.inputTokens ?? 0, r.outputTokens ?? 0, lookup);
      return cost !== null && cost !== r.cost ? [{ id: r.id, traceId: r.traceId, cost }] : [];
    });
    if (changes.length) await writeBatch(db, projectId, changes);
    updated += changes.length;
    for (const c of changes) traces.add(c.traceId);
    const last = rows.at(-1);
    if (!last || rows.length < BATCH) break;
    after = { start: last.startKey, id: last.id };
  }
  await recordAudit(db, actor, {
    projectId,
    action: "logs.cost.recompute",
    targetType: "project",
    targetId: projectId,
    after: { from: range.from.toISOString(), to: range.to.toISOString(), updated, traces: traces.size },
  });
  return { updated, traces: traces.size };
}

/** The next batch in (start_time, id) order, with the deployment of gateway calls (tag `gateway`). */
function readBatch(db: Db, projectId: string, range: { from: Date; to: Date }, after: { start: string; id: string } | null) {
  // the keyset compares the stored microseconds as text: a JS Date would cut them to milliseconds
  const start = after ? sql`${after.start}::timestamptz` : null;
  return db
    .select({
      id: o.id,
      traceId: o.traceId,
      startKey: sql<string>`${o.startTime}::text`,
      model: o.model,
      inputTokens: o.inputTokens,
      outputTokens: o.outputTokens,
      cost: o.cost,
      deployment: sql<string | null>`CASE WHEN 'gateway' = ANY(${t.tags}) THEN ${t.metadata}->>'deployment' END`,
    })
    .from(o)
    .leftJoin(t, and(eq(t.projectId, o.projectId), eq(t.id, o.traceId)))
    .where(
      and(
        eq(o.projectId, projectId),
        gte(o.startTime, range.from),
        lt(o.startTime, range.to),
        isNotNull(o.model),
        or(isNotNull(o.inputTokens), isNotNull(o.outputTokens)),
        after && start ? or(gt(o.startTime, start), and(eq(o.startTime, start), gt(o.id, after.id))) : undefined,
      ),
    )
    .orderBy(asc(o.startTime), asc(o.id))
    .limit(BATCH);
}

/** New costs, then the rollups of the traces they belong to and the dirty chart hours: one transaction. */
async function writeBatch(db: Db, projectId: string, changes: { id: string; traceId: string; cost: number }[]): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`
      UPDATE observations SET cost = v.cost
      FROM jsonb_to_recordset(${JSON.stringify(changes)}::jsonb) AS v(id text, cost float8)
      WHERE observations.project_id = ${projectId} AND observations.id = v.id`);
    const hours = await refreshRollups(tx, projectId, [...new Set(changes.map((c) => c.traceId))]);
    await markHoursDirty(tx, projectId, hours);
  });
}
