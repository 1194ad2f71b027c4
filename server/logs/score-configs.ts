import { and, asc, eq } from "drizzle-orm";
import type { z } from "zod";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError, isUniqueViolation, notFound } from "../core/errors";
import { type Actor, recordAudit } from "../workspace";
import type { scoreConfigInput } from "./contract";

const s = schema.scoreConfigs;
export type ScoreConfig = typeof s.$inferSelect;

/** A project's score configs, oldest first (the order a rating form shows them). Few per project: no paging. */
export async function listScoreConfigs(db: DbOrTx, projectId: string, opts: { includeArchived?: boolean } = {}): Promise<ScoreConfig[]> {
  return db
    .select()
    .from(s)
    .where(and(eq(s.projectId, projectId), opts.includeArchived ? undefined : eq(s.archived, false)))
    .orderBy(asc(s.createdAt), asc(s.id));
}

export async function createScoreConfig(
  db: DbOrTx,
  actor: Actor,
  projectId: string,
  input: z.infer<typeof scoreConfigInput>,
): Promise<ScoreConfig> {
  try {
    return await db.transaction(async (tx) => {
      const [row] = await tx
        .insert(s)
        .values({ ...input, projectId, min: input.min ?? null, max: input.max ?? null, categories: input.categories ?? null })
        .returning();
      if (!row) throw new Error("insert returned nothing");
      await recordAudit(tx, actor, {
        projectId,
        action: "logs.scoreConfig.create",
        targetType: "score_config",
        targetId: row.id,
        after: input,
      });
      return row;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new DomainError("CONFLICT", `a score config named ${input.name} already exists`, "name");
    throw err;
  }
}

export async function setScoreConfigArchived(
  db: DbOrTx,
  actor: Actor,
  projectId: string,
  id: string,
  archived: boolean,
): Promise<ScoreConfig> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(s)
      .set({ archived })
      .where(and(eq(s.id, id), eq(s.projectId, projectId)))
      .returning();
    if (!row) throw notFound("score config");
    await recordAudit(tx, actor, {
      projectId,
      action: archived ? "logs.scoreConfig.archive" : "logs.scoreConfig.restore",
      targetType: "score_config",
      targetId: id,
    });
    return row;
  });
}
