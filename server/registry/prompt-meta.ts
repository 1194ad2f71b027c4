import { and, asc, count, eq, inArray, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { hasTag, tagsOf } from "./prompt-tags";

/*
 * Langfuse's prompt list (`GET /api/public/v2/prompts`, its SDKs' `api.prompts.list`): one row per prompt
 * with every version number, every label (with `latest`), its tags, the newest version's config and
 * type, and when it last changed; page-numbered from 1 with a total, as Langfuse pages.
 */

const m = schema.registeredModels;
const v = schema.modelVersions;
const a = schema.modelAliases;

export interface PromptMeta {
  name: string;
  type: "text" | "chat";
  versions: number[];
  labels: string[];
  tags: string[];
  lastUpdatedAt: Date;
  lastConfig: Record<string, unknown>;
}

export interface PromptMetaQuery {
  /** the exact name */
  name?: string;
  /** prompts with a version under this label (`latest`: every prompt) */
  label?: string;
  tag?: string;
  page: number;
  limit: number;
}

export async function listPromptMeta(db: DbOrTx, projectId: string, q: PromptMetaQuery) {
  const where = and(
    eq(m.projectId, projectId),
    eq(m.kind, "prompt"),
    // a prompt row is made with its first version, in one transaction: none has zero versions
    sql`${m.latestVersion} > 0`,
    q.name !== undefined ? eq(m.name, q.name) : undefined,
    q.tag !== undefined ? hasTag(q.tag) : undefined,
    q.label !== undefined && q.label !== "latest"
      ? sql`exists (select 1 from ${a} where ${a.modelId} = ${m.id} and ${a.alias} = ${q.label})`
      : undefined,
  );
  const [total] = await db.select({ n: count() }).from(m).where(where);
  const rows = await db
    .select()
    .from(m)
    .where(where)
    .orderBy(asc(m.name))
    .limit(q.limit)
    .offset((q.page - 1) * q.limit);
  const ids = rows.map((r) => r.id);
  const [versions, aliases] = ids.length
    ? await Promise.all([
        db
          .select({ modelId: v.modelId, version: v.version, config: v.config, prompt: v.prompt })
          .from(v)
          .where(inArray(v.modelId, ids))
          .orderBy(asc(v.version)),
        db.select({ modelId: a.modelId, alias: a.alias }).from(a).where(inArray(a.modelId, ids)).orderBy(asc(a.alias)),
      ])
    : [[], []];
  const totalItems = total?.n ?? 0;
  const data: PromptMeta[] = rows.map((r) => {
    const mine = versions.filter((x) => x.modelId === r.id);
    const last = mine.find((x) => x.version === r.latestVersion);
    return {
      name: r.name,
      type: last?.prompt?.type ?? "text",
      versions: mine.map((x) => x.version),
      labels: [...aliases.filter((x) => x.modelId === r.id).map((x) => x.alias), "latest"],
      tags: tagsOf(r),
      lastUpdatedAt: r.updatedAt,
      lastConfig: last?.config ?? {},
    };
  });
  return { data, meta: { page: q.page, limit: q.limit, totalItems, totalPages: Math.ceil(totalItems / q.limit) } };
}
