import { and, asc, eq } from "drizzle-orm";
import { z } from "zod";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError, notFound } from "../core/errors";
import { type Actor, atLeast, type Role, recordAudit } from "../workspace";
import { parseScoreConditions } from "./score-conditions";
import type { TraceFilter } from "./traces";

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

/**
 * A saved view's filter, without its time range (the caller brings its own window): the explorer's
 * query keys (app/(console)/[projectId]/logs/_components/filters.ts) read on the server, for drift
 * monitors narrowed by a view. A view named but missing is a 400 naming `field`.
 */
export async function viewFilter(db: DbOrTx, projectId: string, name: string, field = "view"): Promise<TraceFilter> {
  const [row] = await db
    .select({ query: v.query })
    .from(v)
    .where(and(eq(v.projectId, projectId), eq(v.name, name)));
  if (!row) throw new DomainError("BAD_REQUEST", `saved view ${JSON.stringify(name)} not found`, field);
  return queryFilter(new URLSearchParams(row.query));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function queryFilter(p: URLSearchParams): TraceFilter {
  const text = (k: string) => p.get(k)?.trim() || undefined;
  const list = (k: string) => {
    const xs = (p.get(k) ?? "")
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean);
    return xs.length ? xs : undefined;
  };
  const amount = (k: string) => {
    const n = Number(p.get(k)?.trim() || Number.NaN);
    return Number.isFinite(n) && n >= 0 ? n : undefined;
  };
  const status = text("status");
  const rated = text("rated");
  const f: TraceFilter = {
    status: status === "ok" || status === "error" ? status : undefined,
    models: list("model"),
    tags: list("tags"),
    userId: text("user"),
    sessionId: text("session"),
    release: text("release"),
    hasRating: rated === "yes" ? true : rated === "no" ? false : undefined,
    costMin: amount("costMin"),
    costMax: amount("costMax"),
    latencyMinMs: amount("latencyMin") === undefined ? undefined : Math.round(amount("latencyMin") as number),
    latencyMaxMs: amount("latencyMax") === undefined ? undefined : Math.round(amount("latencyMax") as number),
    ratingMin: amount("ratingMin"),
    ratingMax: amount("ratingMax"),
    scores: scoreConditions(p.get("scores") ?? ""),
    search: text("q"),
    // the explorer's prompt-version filter (issue 20); anything but a uuid is dropped, as the console drops it
    promptVersionId: UUID.test(text("promptVersion") ?? "") ? text("promptVersion") : undefined,
    // the explorer's filter by gateway key (`key`), read the same way
    apiKeyId: UUID.test(text("key") ?? "") ? text("key") : undefined,
  };
  return Object.fromEntries(Object.entries(f).filter(([, x]) => x !== undefined)) as TraceFilter;
}

/** The explorer's `scores` parameter; an unreadable part is dropped, as the console drops it. */
function scoreConditions(s: string): TraceFilter["scores"] {
  const out = parseScoreConditions(s);
  return out.length ? out : undefined;
}
