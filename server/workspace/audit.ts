import { and, eq } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { keyset, type Page, type PageInput, toPage } from "../core/pagination";
import { recordedName, targetNames } from "./audit-names";
import type { Actor } from "./principal";

export interface AuditEntry {
  projectId: string | null;
  action: string;
  targetType: string;
  targetId?: string | null;
  before?: unknown;
  after?: unknown;
}

/** Record a write; call inside the transaction of the write itself so both commit or neither. */
export async function recordAudit(tx: DbOrTx, actor: Actor, e: AuditEntry): Promise<void> {
  await tx.insert(schema.auditLogs).values({
    projectId: e.projectId,
    actorUserId: actor.userId,
    actorKeyId: actor.keyId,
    action: e.action,
    targetType: e.targetType,
    targetId: e.targetId ?? null,
    before: (e.before ?? null) as object,
    after: (e.after ?? null) as object,
  });
}

export interface AuditView {
  id: string;
  action: string;
  targetType: string;
  targetId: string | null;
  actorUserId: string | null;
  actorEmail: string | null;
  actorKeyId: string | null;
  /** the acting member's name; the acting key's name (the member is its creator) */
  actorName: string | null;
  actorKeyName: string | null;
  /** the target's name now (or as the entry recorded it when the target is gone); null when unknown */
  targetName: string | null;
  before: unknown;
  after: unknown;
  createdAt: Date;
}

export async function listAudit(db: DbOrTx, projectId: string, page: PageInput): Promise<Page<AuditView>> {
  const a = schema.auditLogs;
  const k = keyset(a.createdAt, a.id, page.cursor);
  const rows = await db
    .select({
      id: a.id,
      action: a.action,
      targetType: a.targetType,
      targetId: a.targetId,
      actorUserId: a.actorUserId,
      actorEmail: schema.users.email,
      actorName: schema.users.name,
      actorKeyId: a.actorKeyId,
      actorKeyName: schema.apiKeys.name,
      before: a.before,
      after: a.after,
      createdAt: a.createdAt,
    })
    .from(a)
    .leftJoin(schema.users, eq(schema.users.id, a.actorUserId))
    .leftJoin(schema.apiKeys, eq(schema.apiKeys.id, a.actorKeyId))
    .where(and(eq(a.projectId, projectId), k.where))
    .orderBy(...k.orderBy)
    .limit(page.limit + 1);
  const names = await targetNames(
    db,
    projectId,
    rows.flatMap((r) => (r.targetId ? [{ type: r.targetType, id: r.targetId }] : [])),
  );
  const named = rows.map((r) => ({
    ...r,
    targetName: (r.targetId && names.get(`${r.targetType}:${r.targetId}`)) || recordedName(r.after, r.before),
  }));
  return toPage(named, page.limit);
}
