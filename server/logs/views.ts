import { and, asc, eq } from "drizzle-orm";
import { z } from "zod";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError, notFound } from "../core/errors";
import { type Actor, atLeast, type Role, recordAudit } from "../workspace";

const v = schema.savedViews;
export const viewInput = z.object({
  name: z.string().trim().min(1, { message: "is required" }).max(80),
  /** the explorer's query string, without "?" */
  query: z.string().max(4000),
});
export type SavedView = typeof v.$inferSelect;

/** A project's saved views by name; at most 500 (the upsert refuses more), so one page holds them. */
export async function listViews(db: DbOrTx, projectId: string): Promise<SavedView[]> {
  return db.select().from(v).where(eq(v.projectId, projectId)).orderBy(asc(v.name)).limit(500);
}

/** Save under a name; saving a name again replaces its query. */
export async function saveView(db: DbOrTx, actor: Actor, projectId: string, input: z.infer<typeof viewInput>): Promise<SavedView> {
  return db.transaction(async (tx) => {
    const replacing = await tx.$count(v, and(eq(v.projectId, projectId), eq(v.name, input.name)));
    if (!replacing && (await tx.$count(v, eq(v.projectId, projectId))) >= 500)
      throw new DomainError("CONFLICT", "A project keeps at most 500 saved views; delete some first");
    const [row] = await tx
      .insert(v)
      .values({ projectId, name: input.name, query: input.query, createdBy: actor.userId })
      .onConflictDoUpdate({ target: [v.projectId, v.name], set: { query: input.query } })
      .returning();
    if (!row) throw new Error("upsert returned nothing");
    await recordAudit(tx, actor, { projectId, action: "logs.view.save", targetType: "saved_view", targetId: row.id, after: input });
    return row;
  });
}

/** The creator or an admin deletes a view. */
export async function deleteView(db: DbOrTx, actor: Actor, ctx: { projectId: string; role: Role }, id: string): Promise<{ id: string }> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(v)
      .where(and(eq(v.id, id), eq(v.projectId, ctx.projectId)));
    if (!row) throw notFound("saved view");
    if (row.createdBy !== actor.userId && !atLeast(ctx.role, "admin"))
      throw new DomainError("FORBIDDEN", "Only its creator or an admin deletes a saved view");
    await tx.delete(v).where(eq(v.id, id));
    await recordAudit(tx, actor, {
      projectId: ctx.projectId,
      action: "logs.view.delete",
      targetType: "saved_view",
      targetId: id,
      before: { name: row.name, query: row.query },
    });
    return { id };
  });
}

/** The demo project's saved views: well-rated gateway calls, the training data of a tuning job from logs. */
export const DEMO_VIEWS = [{ name: "demo: well-rated gateway calls", query: "tags=gateway&ratingMin=1" }] as const;

/** Add the demo views that are missing (a view of that name someone changed stays as it is). */
export async function seedDemoViews(db: DbOrTx, actor: Actor, projectId: string): Promise<number> {
  let added = 0;
  for (const view of DEMO_VIEWS) {
    const [row] = await db
      .insert(v)
      .values({ projectId, name: view.name, query: view.query, createdBy: actor.userId })
      .onConflictDoNothing({ target: [v.projectId, v.name] })
      .returning({ id: v.id });
    if (row) added++;
  }
  return added;
}
