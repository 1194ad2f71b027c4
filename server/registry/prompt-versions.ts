import { and, asc, desc, eq, inArray, lt } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { getModel } from "./models";

/*
 * A prompt's versions as the console lists them (number, when, who, labels, the template itself), and
 * every prompt version of the project for pickers (the explorer's filter, the eval run form).
 */

const m = schema.registeredModels;
const v = schema.modelVersions;

export interface PromptVersionRow {
  /** the version's row id (traces.prompt_version_id: the explorer's filter) */
  id: string;
  version: number;
  type: "text" | "chat";
  prompt?: string;
  messages?: { role: "system" | "user" | "assistant"; content: string }[];
  config: Record<string, unknown>;
  /** the labels pointing at it, and `latest` on the newest */
  labels: string[];
  commitMessage: string | null;
  /** the member's email, else the API key's name (`key NAME`), else null (a deleted author) */
  author: string | null;
  createdAt: Date;
}

/** Newest first, keyset on the version number (`cursor`: the last number of the page before). */
export async function listPromptVersions(
  db: DbOrTx,
  projectId: string,
  input: { name: string; cursor?: number; limit: number },
): Promise<{ items: PromptVersionRow[]; nextCursor: number | null }> {
  const p = await getModel(db, projectId, input.name, { kind: "prompt" });
  const rows = await db
    .select({ v, email: schema.users.email, keyName: schema.apiKeys.name })
    .from(v)
    .leftJoin(schema.users, eq(schema.users.id, v.createdBy))
    .leftJoin(schema.apiKeys, eq(schema.apiKeys.id, v.createdByKey))
    .where(and(eq(v.modelId, p.id), input.cursor !== undefined ? lt(v.version, input.cursor) : undefined))
    .orderBy(desc(v.version))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  const aliases = page.length
    ? await db
        .select({ versionId: schema.modelAliases.versionId, alias: schema.modelAliases.alias })
        .from(schema.modelAliases)
        .where(
          and(
            eq(schema.modelAliases.modelId, p.id),
            inArray(
              schema.modelAliases.versionId,
              page.map((r) => r.v.id),
            ),
          ),
        )
        .orderBy(asc(schema.modelAliases.alias))
    : [];
  return {
    items: page.map(({ v: r, email, keyName }) => {
      const t = r.prompt ?? { type: "text" as const, prompt: "" };
      return {
        id: r.id,
        version: r.version,
        type: t.type,
        ...(t.type === "text" ? { prompt: t.prompt } : { messages: t.messages }),
        config: r.config ?? {},
        labels: [...aliases.filter((a) => a.versionId === r.id).map((a) => a.alias), ...(r.version === p.latestVersion ? ["latest"] : [])],
        commitMessage: r.description,
        author: email ?? (keyName ? `key ${keyName}` : null),
        createdAt: r.createdAt,
      };
    }),
    nextCursor: rows.length > input.limit ? (page.at(-1)?.v.version ?? null) : null,
  };
}

/** Every prompt version of the project (newest prompts' names first by name, versions newest first), for pickers; at most `limit`. */
export async function promptVersionOptions(db: DbOrTx, projectId: string, input: { limit: number }) {
  return db
    .select({ id: v.id, name: m.name, version: v.version })
    .from(v)
    .innerJoin(m, eq(m.id, v.modelId))
    .where(and(eq(m.projectId, projectId), eq(m.kind, "prompt")))
    .orderBy(asc(m.name), desc(v.version))
    .limit(input.limit);
}
