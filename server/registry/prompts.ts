import { and, asc, eq, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import type { PromptTemplate } from "../../db/schema";
import { DomainError } from "../core/errors";
import { type Actor, type Role, recordAudit } from "../workspace";
import { aliasHistory, requestMove, rollback } from "./aliases";
import type { RequestView } from "./approvals";
import type { CreatePromptInput } from "./inputs";
import { getModel, listModels, nameTaken } from "./models";
import { renderTemplate, type Variables } from "./prompt-render";
import { replaceTags, tagsOf } from "./prompt-tags";
import { emitRegistryEvent } from "./webhooks";

/*
 * Prompts are registered models marked `kind = 'prompt'` (as MLflow 3 keeps them): one name space with
 * the project's models, versions numbered under the same row lock, and labels that ARE aliases, so a
 * label moves through aliases.ts (history, rollback, approval policy, eval gates) as a model's alias does.
 */

const m = schema.registeredModels;
const v = schema.modelVersions;

export interface PromptView {
  /** the version's row id (traces.prompt_version_id); the REST and tRPC answers leave it out */
  id: string;
  name: string;
  version: number;
  type: PromptTemplate["type"];
  prompt?: string;
  messages?: { role: "system" | "user" | "assistant"; content: string }[];
  config: Record<string, unknown>;
  /** the labels pointing at this version, and `latest` on the newest */
  labels: string[];
  /** the prompt's tags (all its versions share them, as in Langfuse) */
  tags: string[];
  commitMessage: string | null;
  createdAt: Date;
}

export interface CreatedPrompt {
  name: string;
  version: number;
  /** the labels that point at the new version now */
  labels: string[];
  /** the prompt's tags now: those given, else the ones it had */
  tags: string[];
  /** labels guarded by an approval policy: each waits on its approval request */
  pending: { label: string; request: RequestView }[];
}

/** The prompt row, locked, created when missing; a model of that name is a 409 naming it. */
async function lockPrompt(tx: DbOrTx, actor: Actor, projectId: string, name: string) {
  const [made] = await tx
    .insert(m)
    .values({ projectId, name, kind: "prompt", ownerId: actor.userId })
    .onConflictDoNothing({ target: [m.projectId, m.name] })
    .returning({ id: m.id });
  if (made)
    await recordAudit(tx, actor, { projectId, action: "registry.prompt.create", targetType: "model", targetId: made.id, after: { name } });
  const row = await getModel(tx, projectId, name, { forUpdate: true });
  if (row.kind !== "prompt") throw await nameTaken(tx, projectId, name);
  return row;
}

/**
 * The prompt's next version (1 for a new prompt), then each label moved to it through the alias code.
 * One transaction: a label refused (412 for a failed gate, 403, ...) leaves no prompt and no version,
 * and the version number is not consumed. A guarded label that needs approval opens its request.
 */
export async function createPrompt(db: DbOrTx, actor: Actor, projectId: string, input: CreatePromptInput): Promise<CreatedPrompt> {
  const template: PromptTemplate =
    input.messages !== undefined ? { type: "chat", messages: input.messages } : { type: "text", prompt: input.prompt ?? "" };
  return db.transaction(async (tx) => {
    const p = await lockPrompt(tx, actor, projectId, input.name);
    const number = p.latestVersion + 1;
    const [row] = await tx
      .insert(v)
      .values({
        projectId,
        modelId: p.id,
        version: number,
        status: "ready",
        source: { kind: "prompt" },
        format: "prompt",
        prompt: template,
        config: input.config ?? {},
        description: input.commitMessage ?? null,
        createdBy: actor.userId,
        createdByKey: actor.keyId,
      })
      .returning({ id: v.id });
    if (!row) throw new Error("insert returned nothing");
    await tx.update(m).set({ latestVersion: number, updatedAt: sql`date_trunc('milliseconds', clock_timestamp())` }).where(eq(m.id, p.id));
    const detail = { model: p.name, version: number, versionId: row.id, format: "prompt", files: 0 };
    await recordAudit(tx, actor, {
      projectId,
      action: "registry.version.create",
      targetType: "model_version",
      targetId: row.id,
      after: detail,
    });
    await emitRegistryEvent(tx, projectId, "model_version.created", detail);
    // tags given replace the prompt's (Langfuse's createPrompt does the same); absent, they stay
    const tags = input.tags !== undefined ? await replaceTags(tx, actor, projectId, p, input.tags) : tagsOf(p);
    const out: CreatedPrompt = { name: p.name, version: number, labels: [], tags, pending: [] };
    for (const label of new Set(input.labels ?? [])) {
      const moved = await requestMove(tx, actor, projectId, { model: p.name, alias: label, version: number, reason: input.commitMessage });
      if (moved.status === "pending") out.pending.push({ label, request: moved.request });
      else out.labels.push(label);
    }
    return out;
  });
}

/** A version by number, by label (`latest`: the newest), or, with neither, the `production` label; 404 naming what is missing. */
export async function getPrompt(
  db: DbOrTx,
  projectId: string,
  ref: { name: string; label?: string; version?: number },
): Promise<PromptView> {
  if (ref.label !== undefined && ref.version !== undefined)
    throw new DomainError("BAD_REQUEST", "give label or version, not both", "version");
  const p = await getModel(db, projectId, ref.name, { kind: "prompt" });
  const label = ref.version === undefined ? (ref.label ?? "production") : undefined;
  const number = label === "latest" ? p.latestVersion : ref.version;
  const [row] =
    number !== undefined
      ? await db
          .select()
          .from(v)
          .where(and(eq(v.modelId, p.id), eq(v.version, number)))
      : await db
          .select({ v })
          .from(schema.modelAliases)
          .innerJoin(v, eq(v.id, schema.modelAliases.versionId))
          .where(and(eq(schema.modelAliases.modelId, p.id), eq(schema.modelAliases.alias, label as string)))
          .then((rows) => rows.map((r) => r.v));
  if (!row?.prompt)
    throw new DomainError(
      "NOT_FOUND",
      number !== undefined ? `version ${number} of prompt ${p.name} not found` : `label ${label} of prompt ${p.name} not found`,
      number !== undefined ? "version" : "label",
    );
  const labels = await db
    .select({ alias: schema.modelAliases.alias })
    .from(schema.modelAliases)
    .where(eq(schema.modelAliases.versionId, row.id))
    .orderBy(asc(schema.modelAliases.alias));
  const t = row.prompt;
  return {
    id: row.id,
    name: p.name,
    version: row.version,
    type: t.type,
    ...(t.type === "text" ? { prompt: t.prompt } : { messages: t.messages }),
    config: row.config ?? {},
    labels: [...labels.map((l) => l.alias), ...(row.version === p.latestVersion ? ["latest"] : [])],
    tags: tagsOf(p),
    commitMessage: row.description,
    createdAt: row.createdAt,
  };
}

/** The version's template with `variables` filled (prompt-render.ts: a missing or unknown variable is a 400 naming it). */
export async function renderPrompt(
  db: DbOrTx,
  projectId: string,
  input: { name: string; label?: string; version?: number; variables: Variables },
): Promise<PromptView> {
  const p = await getPrompt(db, projectId, input);
  const t = renderTemplate(
    p.type === "text" ? { type: "text", prompt: p.prompt ?? "" } : { type: "chat", messages: p.messages ?? [] },
    input.variables,
  );
  return { ...p, ...(t.type === "text" ? { prompt: t.prompt } : { messages: t.messages }) };
}

/** Name order, keyset on name: each prompt with its labels, tags and latest version; `tag` keeps those carrying it. */
export async function listPrompts(db: DbOrTx, projectId: string, input: { cursor?: string; limit: number; q?: string; tag?: string }) {
  const page = await listModels(db, projectId, { ...input, kind: "prompt" });
  return {
    items: page.items.map((r) => ({
      name: r.name,
      latestVersion: r.latestVersion,
      labels: r.aliases.map((a) => ({ label: a.alias, version: a.version })),
      tags: tagsOf(r),
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
    })),
    nextCursor: page.nextCursor,
  };
}

/** Point a label at a version: the alias move (200 moved or unchanged, 202 pending approval, 412 a failed gate). */
export async function movePromptLabel(
  db: DbOrTx,
  actor: Actor,
  projectId: string,
  input: { name: string; label: string; version: number; reason?: string },
) {
  await getModel(db, projectId, input.name, { kind: "prompt" });
  return requestMove(db, actor, projectId, { model: input.name, alias: input.label, version: input.version, reason: input.reason });
}

/** Move a label back to the version it pointed at before its last move (aliases.ts rollback: the policy's approver roles only). */
export async function rollbackPromptLabel(
  db: DbOrTx,
  actor: Actor,
  role: Role,
  projectId: string,
  input: { name: string; label: string; reason?: string },
) {
  await getModel(db, projectId, input.name, { kind: "prompt" });
  return rollback(db, actor, role, projectId, { model: input.name, alias: input.label, reason: input.reason });
}

/** Every move of the prompt's labels (or one label), newest first. */
export async function promptLabelHistory(
  db: DbOrTx,
  projectId: string,
  input: { name: string; label?: string; cursor?: string; limit: number },
) {
  await getModel(db, projectId, input.name, { kind: "prompt" });
  return aliasHistory(db, projectId, { model: input.name, alias: input.label, cursor: input.cursor, limit: input.limit });
}
