import { eq, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { type Actor, recordAudit } from "../workspace";
import { getModel, type RegisteredModel } from "./models";

/*
 * A prompt's tags, as Langfuse keeps them: one set for the prompt, shared by all its versions, replaced
 * whole. They live in the prompt's registered_models.tags (the MLflow-style map models use for their
 * tags) as keys whose value is "" — a prompt has no other use for that column, and the map's keys are
 * already a set, so no migration was needed. A key some other path gave a value (MLflow's set-tag on
 * the row) still reads as a tag.
 */

const m = schema.registeredModels;

/** The prompt's tags, sorted (jsonb keeps no insertion order, so any order would be arbitrary). */
export function tagsOf(row: Pick<RegisteredModel, "tags">): string[] {
  return Object.keys(row.tags ?? {}).sort();
}

/** The column's value for these tags. */
export function tagRecord(tags: string[]): Record<string, string> {
  return Object.fromEntries(tags.map((t) => [t, ""]));
}

/** SQL: the prompt row carries this tag (the list filters). */
export const hasTag = (tag: string) => sql`${m.tags} @> ${JSON.stringify({ [tag]: "" })}::jsonb`;

/**
 * Replace a locked prompt row's tags (inside the caller's transaction): audited, and the row's
 * updatedAt moves only where the set changed. Answers the new tags.
 */
export async function replaceTags(tx: DbOrTx, actor: Actor, projectId: string, row: RegisteredModel, tags: string[]): Promise<string[]> {
  const before = tagsOf(row);
  const after = [...new Set(tags)].sort();
  if (before.length === after.length && before.every((t, i) => t === after[i])) return after;
  await tx
    .update(m)
    .set({ tags: tagRecord(after), updatedAt: sql`date_trunc('milliseconds', clock_timestamp())` })
    .where(eq(m.id, row.id));
  await recordAudit(tx, actor, {
    projectId,
    action: "registry.prompt.tags",
    targetType: "model",
    targetId: row.id,
    before: { name: row.name, tags: before },
    after: { name: row.name, tags: after },
  });
  return after;
}

/** Set a prompt's tags without a new version (`PUT /api/v1/prompts/{name}/tags`): 404 for no such prompt. */
export async function setPromptTags(
  db: DbOrTx,
  actor: Actor,
  projectId: string,
  input: { name: string; tags: string[] },
): Promise<{ name: string; tags: string[] }> {
  return db.transaction(async (tx) => {
    const row = await getModel(tx, projectId, input.name, { forUpdate: true, kind: "prompt" });
    return { name: row.name, tags: await replaceTags(tx, actor, projectId, row, input.tags) };
  });
}
