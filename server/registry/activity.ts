import { and, desc, eq, gte } from "drizzle-orm";
import { alias as aliasOf } from "drizzle-orm/pg-core";
import { z } from "zod";
import { type DbOrTx, schema } from "../../db/client";

/**
 * Who moved an alias, named (issue 19: "—" told nobody anything). A transition records the actor's
 * user and key (server/workspace/principal.ts): a key's user is the member who created it; a move
 * with neither came from the command line (`keel models promote` acts as SYSTEM_ACTOR), the only
 * caller that moves aliases without a user or a key. No migration: the kind follows from the columns.
 */
export const aliasActorOut = z.object({
  kind: z.enum(["member", "key", "cli"]),
  /** the member (or the key's creator): name and email, null when the user is gone */
  userName: z.string().nullable(),
  userEmail: z.string().nullable(),
  keyName: z.string().nullable(),
});
export type AliasActor = z.infer<typeof aliasActorOut>;

const actorUser = aliasOf(schema.users, "actor_user");
const actorKey = aliasOf(schema.apiKeys, "actor_key");
const keyCreator = aliasOf(schema.users, "key_creator");

/** The select columns and joins that name a transition's actor; `actorOfRow` folds them. */
export const actorColumns = {
  actorUserId: schema.aliasTransitions.actorUserId,
  actorKeyId: schema.aliasTransitions.actorKeyId,
  actorUserName: actorUser.name,
  actorUserEmail: actorUser.email,
  actorKeyName: actorKey.name,
  keyCreatorName: keyCreator.name,
  keyCreatorEmail: keyCreator.email,
};
type ActorRow = { [K in keyof typeof actorColumns]: string | null };

/** The joins `actorColumns` read from, on alias_transitions. */
export const actorJoins = {
  user: [actorUser, eq(actorUser.id, schema.aliasTransitions.actorUserId)],
  key: [actorKey, eq(actorKey.id, schema.aliasTransitions.actorKeyId)],
  creator: [keyCreator, eq(keyCreator.id, actorKey.createdBy)],
} as const;

/** A row with `actorColumns` as one named actor. */
export function withActor<T extends ActorRow>(r: T) {
  const {
    actorUserId: _u,
    actorKeyId: _k,
    actorUserName: _un,
    actorUserEmail: _ue,
    actorKeyName: _kn,
    keyCreatorName: _cn,
    keyCreatorEmail: _ce,
    ...rest
  } = r;
  return { ...rest, actor: actorOfRow(r) };
}

export function actorOfRow(r: ActorRow): AliasActor {
  if (r.actorKeyId)
    return {
      kind: "key",
      userName: r.keyCreatorName ?? r.actorUserName,
      userEmail: r.keyCreatorEmail ?? r.actorUserEmail,
      keyName: r.actorKeyName,
    };
  if (r.actorUserId) return { kind: "member", userName: r.actorUserName, userEmail: r.actorUserEmail, keyName: null };
  return { kind: "cli", userName: null, userEmail: null, keyName: null };
}

/** Alias moves of the whole project since `since`, newest first (the overview page). */
export async function recentAliasMoves(db: DbOrTx, projectId: string, since: Date, limit: number) {
  const t = schema.aliasTransitions;
  const fromV = aliasOf(schema.modelVersions, "from_v");
  const toV = aliasOf(schema.modelVersions, "to_v");
  const rows = await db
    .select({
      id: t.id,
      model: schema.registeredModels.name,
      alias: t.alias,
      kind: t.kind,
      from: fromV.version,
      to: toV.version,
      createdAt: t.createdAt,
      ...actorColumns,
    })
    .from(t)
    .innerJoin(schema.registeredModels, eq(schema.registeredModels.id, t.modelId))
    .leftJoin(fromV, eq(fromV.id, t.fromVersionId))
    .leftJoin(toV, eq(toV.id, t.toVersionId))
    .leftJoin(...actorJoins.user)
    .leftJoin(...actorJoins.key)
    .leftJoin(...actorJoins.creator)
    .where(and(eq(t.projectId, projectId), gte(t.createdAt, since)))
    .orderBy(desc(t.createdAt), desc(t.id))
    .limit(limit);
  return rows.map(withActor);
}
