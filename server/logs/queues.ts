import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError, isUniqueViolation, notFound } from "../core/errors";
import { type Actor, atLeast, type Role, recordAudit } from "../workspace";
import { cohensKappa, krippendorffsAlpha } from "./agreement";
import { entityId, ratingBody } from "./contract";
import type { queueInput } from "./inputs";
import { traceFilter, traceWhere } from "./traces";
import { addRating } from "./ui-rating";

const q = schema.annotationQueues;
const items = schema.annotationQueueItems;
const done = schema.annotationCompletions;
/** Items one call may add from a filter. */
const MAX_FROM_FILTER = 10_000;

export { queueInput } from "./inputs";
export const addItemsInput = z.union([
  z.object({ traceIds: z.array(entityId).min(1).max(MAX_FROM_FILTER) }),
  z.object({ filter: traceFilter }),
]);
export const completeInput = z.object({
  itemId: z.uuid(),
  ratings: z.array(ratingBody.pick({ name: true, value: true, comment: true })).max(20),
});

export type Queue = typeof q.$inferSelect;

async function getQueue(db: DbOrTx, projectId: string, queueId: string): Promise<Queue> {
  const [row] = await db
    .select()
    .from(q)
    .where(and(eq(q.id, queueId), eq(q.projectId, projectId)));
  if (!row) throw notFound("annotation queue");
  return row;
}

export async function createQueue(db: DbOrTx, actor: Actor, projectId: string, input: z.infer<typeof queueInput>): Promise<Queue> {
  const configs = await db
    .select({ id: schema.scoreConfigs.id })
    .from(schema.scoreConfigs)
    .where(and(eq(schema.scoreConfigs.projectId, projectId), inArray(schema.scoreConfigs.id, input.scoreConfigIds)));
  if (configs.length !== new Set(input.scoreConfigIds).size)
    throw new DomainError("NOT_FOUND", "a score config of this queue does not exist in the project", "scoreConfigIds");
  try {
    return await db.transaction(async (tx) => {
      const [row] = await tx
        .insert(q)
        .values({ ...input, projectId })
        .returning();
      if (!row) throw new Error("insert returned nothing");
      await recordAudit(tx, actor, {
        projectId,
        action: "logs.queue.create",
        targetType: "annotation_queue",
        targetId: row.id,
        after: input,
      });
      return row;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new DomainError("CONFLICT", `a queue named ${input.name} already exists`, "name");
    throw err;
  }
}

/** Add traces by id (each must exist in the project) or every trace matching a filter (newest first). */
export async function addItems(
  db: DbOrTx,
  projectId: string,
  queueId: string,
  input: z.infer<typeof addItemsInput>,
): Promise<{ added: number }> {
  await getQueue(db, projectId, queueId);
  const t = schema.traces;
  if ("traceIds" in input) {
    // picked by hand (the explorer's selection): an id that is not this project's trace is a 404, not a silent skip
    const ids = [...new Set(input.traceIds)];
    const found = await db.$count(t, and(eq(t.projectId, projectId), inArray(t.id, ids)));
    if (found !== ids.length) throw new DomainError("NOT_FOUND", "a selected trace does not exist in this project", "traceIds");
  }
  const source = "traceIds" in input ? and(eq(t.projectId, projectId), inArray(t.id, input.traceIds)) : traceWhere(projectId, input.filter);
  const rows = await db.execute<{ n: number }>(sql`
    WITH ins AS (
      INSERT INTO annotation_queue_items (project_id, queue_id, trace_id)
      SELECT ${projectId}, ${queueId}, id FROM traces WHERE ${source}
      ORDER BY timestamp DESC LIMIT ${MAX_FROM_FILTER}
      ON CONFLICT (queue_id, trace_id) DO NOTHING RETURNING 1)
    SELECT count(*)::int AS n FROM ins`);
  return { added: rows[0]?.n ?? 0 };
}

function mayWork(queue: Queue, userId: string, role: Role) {
  if (!atLeast(role, "annotator")) throw new DomainError("FORBIDDEN", "Working a queue needs the annotator role or higher");
  if (queue.assigneeIds.length && !queue.assigneeIds.includes(userId))
    throw new DomainError("FORBIDDEN", "You are not assigned to this queue");
}

/**
 * The reviewer's next item, locked to them for the queue's lock time: their own unexpired lock
 * first, then the oldest pending item nobody holds and they have not done. SKIP LOCKED keeps two
 * reviewers asking at once from getting the same item. Null when the queue has nothing for them.
 */
export async function nextItem(db: DbOrTx, projectId: string, queueId: string, user: { userId: string; role: Role }) {
  const queue = await getQueue(db, projectId, queueId);
  mayWork(queue, user.userId, user.role);
  // 1. the reviewer's own unexpired lock, renewed (at most one: they only ever hold the item they see)
  const lock = sql`now() + make_interval(secs => ${queue.lockSeconds})`;
  let rows = await db.execute<{ id: string; trace_id: string; locked_until: Date }>(sql`
    UPDATE annotation_queue_items SET locked_until = ${lock}
    WHERE id = (SELECT id FROM annotation_queue_items WHERE queue_id = ${queueId} AND locked_by = ${user.userId}
                AND status = 'pending' AND locked_until > now() LIMIT 1)
    RETURNING id, trace_id, locked_until`);
  // 2. else the oldest pending item nobody holds and they have not done, in index order
  if (!rows.length)
    rows = await db.execute<{ id: string; trace_id: string; locked_until: Date }>(sql`
      UPDATE annotation_queue_items SET locked_by = ${user.userId}, locked_until = ${lock}
      WHERE id = (
        SELECT i.id FROM annotation_queue_items i
        WHERE i.project_id = ${projectId} AND i.queue_id = ${queueId} AND i.status = 'pending'
          AND (i.locked_until IS NULL OR i.locked_until < now())
          AND NOT EXISTS (SELECT 1 FROM annotation_completions c WHERE c.item_id = i.id AND c.user_id = ${user.userId})
        ORDER BY i.created_at, i.id
        LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING id, trace_id, locked_until`);
  const row = rows[0];
  return row ? { itemId: row.id, traceId: row.trace_id, lockedUntil: new Date(row.locked_until) } : null;
}

async function lockedItem(db: DbOrTx, projectId: string, itemId: string, userId: string) {
  const [item] = await db
    .select()
    .from(items)
    .where(and(eq(items.id, itemId), eq(items.projectId, projectId)))
    .for("update");
  if (!item) throw notFound("queue item");
  if (item.lockedBy !== userId || !item.lockedUntil || item.lockedUntil < new Date())
    throw new DomainError("CONFLICT", "This item is not locked to you (the lock expired or another reviewer has it); take the next item");
  return item;
}

/** Save the reviewer's ratings for a locked item and mark it done for them, in one transaction. */
export async function completeItem(
  db: DbOrTx,
  projectId: string,
  user: { userId: string; role: Role },
  input: z.infer<typeof completeInput>,
) {
  return db.transaction(async (tx) => {
    const item = await lockedItem(tx, projectId, input.itemId, user.userId);
    const queue = await getQueue(tx, projectId, item.queueId);
    mayWork(queue, user.userId, user.role);
    for (const [i, r] of input.ratings.entries()) {
      await addRating(
        tx,
        projectId,
        { ...r, traceId: item.traceId, id: `queue:${item.id}:${user.userId}:${r.name}` },
        { source: "queue", authorUserId: user.userId },
      ).catch((err: unknown) => {
        if (!(err instanceof DomainError)) throw err;
        throw new DomainError(err.code, `ratings[${i}].${err.message}`, `ratings.${i}.${err.field ?? "value"}`);
      });
    }
    await tx.insert(done).values({ itemId: item.id, userId: user.userId });
    const [after] = await tx
      .update(items)
      .set({
        completions: sql`${items.completions} + 1`,
        status: sql`CASE WHEN ${items.completions} + 1 >= ${queue.requiredRatings} THEN 'done' ELSE 'pending' END`,
        lockedBy: null,
        lockedUntil: null,
      })
      .where(eq(items.id, item.id))
      .returning();
    return after;
  });
}

/** Pass on a locked item: released for others, never served to this reviewer again. */
export async function skipItem(db: DbOrTx, projectId: string, userId: string, itemId: string) {
  return db.transaction(async (tx) => {
    const item = await lockedItem(tx, projectId, itemId, userId);
    await tx.insert(done).values({ itemId: item.id, userId, skipped: true });
    await tx.update(items).set({ lockedBy: null, lockedUntil: null }).where(eq(items.id, item.id));
    return { itemId };
  });
}

export async function listQueues(db: DbOrTx, projectId: string) {
  return db
    .select({
      id: q.id,
      name: q.name,
      description: q.description,
      scoreConfigIds: q.scoreConfigIds,
      assigneeIds: q.assigneeIds,
      requiredRatings: q.requiredRatings,
      lockSeconds: q.lockSeconds,
      createdAt: q.createdAt,
      // written out: drizzle renders ${q.id} unqualified here, which would bind to the item's own id
      total: sql<number>`(SELECT count(*)::int FROM annotation_queue_items i WHERE i.queue_id = "annotation_queues"."id")`,
      done: sql<number>`(SELECT count(*)::int FROM annotation_queue_items i WHERE i.queue_id = "annotation_queues"."id" AND i.status = 'done')`,
    })
    .from(q)
    .where(eq(q.projectId, projectId))
    .orderBy(desc(q.createdAt), desc(q.id))
    .limit(500); // queues per project are few; the console shows them on one page
}

/**
 * Progress and agreement. For each score config: the items rated by two or more reviewers through
 * the queue, Cohen's kappa when exactly two reviewers rated, Krippendorff's alpha always (nominal for
 * boolean, categorical and text; interval for numeric).
 */
export async function queueStats(db: DbOrTx, projectId: string, queueId: string, userId: string) {
  const queue = await getQueue(db, projectId, queueId);
  const [counts] = await db
    .select({
      total: sql<number>`count(*)::int`,
      done: sql<number>`count(*) FILTER (WHERE ${items.status} = 'done')::int`,
      mine: sql<number>`count(*) FILTER (WHERE EXISTS (SELECT 1 FROM annotation_completions c WHERE c.item_id = "annotation_queue_items"."id" AND c.user_id = ${userId} AND NOT c.skipped))::int`,
    })
    .from(items)
    .where(and(eq(items.projectId, projectId), eq(items.queueId, queueId)));
  const configs = await db
    .select()
    .from(schema.scoreConfigs)
    .where(and(eq(schema.scoreConfigs.projectId, projectId), inArray(schema.scoreConfigs.id, queue.scoreConfigIds)))
    .orderBy(asc(schema.scoreConfigs.createdAt));
  const r = schema.ratings;
  const rows = await db
    .select({ traceId: r.traceId, name: r.name, author: r.authorUserId, value: r.value, stringValue: r.stringValue })
    .from(r)
    .innerJoin(items, and(eq(items.queueId, queueId), eq(items.traceId, r.traceId)))
    .where(
      and(
        eq(r.projectId, projectId),
        eq(r.source, "queue"),
        configs.length
          ? inArray(
              r.name,
              configs.map((c) => c.name),
            )
          : sql`false`,
      ),
    );
  const agreement = configs.map((c) => {
    const byTrace = new Map<string, Map<string, string | number>>();
    for (const row of rows.filter((x) => x.name === c.name && x.author)) {
      const v = c.dataType === "numeric" ? (row.value as number) : (row.stringValue ?? String(row.value));
      const m = byTrace.get(row.traceId) ?? new Map();
      m.set(row.author as string, v);
      byTrace.set(row.traceId, m);
    }
    const multi = [...byTrace.values()].filter((m) => m.size >= 2);
    const raters = new Set(multi.flatMap((m) => [...m.keys()]));
    const units = multi.map((m) => [...m.values()]);
    const alpha = units.length ? krippendorffsAlpha(units, c.dataType === "numeric" ? "interval" : "nominal") : null;
    let kappa: number | null = null;
    if (raters.size === 2) {
      const [a, b] = [...raters];
      const pairs = multi
        .filter((m) => m.has(a as string) && m.has(b as string))
        .map((m) => [m.get(a as string), m.get(b as string)] as [string | number, string | number]);
      kappa = pairs.length ? cohensKappa(pairs) : null;
    }
    return { configId: c.id, name: c.name, items: multi.length, raters: raters.size, kappa, alpha };
  });
  return { queue, total: counts?.total ?? 0, done: counts?.done ?? 0, mine: counts?.mine ?? 0, agreement };
}
