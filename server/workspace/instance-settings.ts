import { eq } from "drizzle-orm";
import { z } from "zod";
import { type DbOrTx, schema } from "../../db/client";
import { env } from "../../env";
import { DomainError } from "../core/errors";
import { recordAudit } from "./audit";
import type { Actor } from "./principal";

/**
 * Instance-wide settings an instance admin changes in the console. Each key has a zod schema and a
 * default; the environment gives the defaults (or, for the egress allow-list, a floor the console
 * can only add to). Reads are cached per process for a few seconds: the egress check runs on every
 * outbound connection.
 */
export const INSTANCE_SETTINGS = {
  /** CIDRs outbound calls may reach beyond KEEL_EGRESS_ALLOW (private ranges, loopback). */
  "egress.allow": z.array(z.string().min(1).max(64)).max(256),
  /** Who may create projects. */
  "projects.creation": z.enum(["anyone", "admins"]),
  /** The demo owner's credentials were printed (once, on the first start). */
  "demo.credentialsShown": z.boolean(),
} as const;

export type InstanceSettingKey = keyof typeof INSTANCE_SETTINGS;
export type InstanceSettingValue<K extends InstanceSettingKey> = z.infer<(typeof INSTANCE_SETTINGS)[K]>;

const DEFAULTS: { [K in InstanceSettingKey]: () => InstanceSettingValue<K> } = {
  "egress.allow": () => [],
  "projects.creation": () => env.KEEL_PROJECT_CREATION,
  "demo.credentialsShown": () => false,
};

const CACHE_MS = 5_000;
/** Per database handle: tests run many databases in one process. */
let caches = new WeakMap<object, Map<InstanceSettingKey, { value: unknown; at: number }>>();
const cacheOf = (db: DbOrTx) => {
  let c = caches.get(db);
  if (!c) {
    c = new Map();
    caches.set(db, c);
  }
  return c;
};

/** The stored value, else the default. */
export async function getInstanceSetting<K extends InstanceSettingKey>(db: DbOrTx, key: K): Promise<InstanceSettingValue<K>> {
  const cache = cacheOf(db);
  const hit = cache.get(key);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.value as InstanceSettingValue<K>;
  const [row] = await db
    .select({ value: schema.instanceSettings.value })
    .from(schema.instanceSettings)
    .where(eq(schema.instanceSettings.key, key));
  const parsed = row ? INSTANCE_SETTINGS[key].safeParse(row.value) : null;
  const value = (parsed?.success ? parsed.data : DEFAULTS[key]()) as InstanceSettingValue<K>;
  cache.set(key, { value, at: Date.now() });
  return value;
}

/** Validate and store a setting, audit-logged (instance-wide: no project). Callers check the admin flag. */
export async function setInstanceSetting<K extends InstanceSettingKey>(
  db: DbOrTx,
  actor: Actor,
  key: K,
  value: unknown,
): Promise<InstanceSettingValue<K>> {
  const parsed = INSTANCE_SETTINGS[key].safeParse(value);
  if (!parsed.success) throw new DomainError("BAD_REQUEST", `${key}: ${parsed.error.issues[0]?.message ?? "invalid value"}`, key);
  const before = await getInstanceSetting(db, key);
  await db.transaction(async (tx) => {
    await tx
      .insert(schema.instanceSettings)
      .values({ key, value: parsed.data, updatedBy: actor.userId })
      .onConflictDoUpdate({
        target: schema.instanceSettings.key,
        set: { value: parsed.data, updatedBy: actor.userId, updatedAt: new Date() },
      });
    await recordAudit(tx, actor, {
      projectId: null,
      action: "workspace.instance.setting",
      targetType: "instance_setting",
      targetId: key,
      before: { value: before },
      after: { value: parsed.data },
    });
  });
  cacheOf(db).delete(key);
  return parsed.data as InstanceSettingValue<K>;
}

/** Forget cached values (tests, and a process that just wrote through another connection). */
export function clearInstanceSettingsCache(): void {
  caches = new WeakMap();
}
