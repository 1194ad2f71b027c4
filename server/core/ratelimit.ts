import { lt, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";

export interface RateResult {
  allowed: boolean;
  count: number;
  /** When the current window ends. */
  resetAt: Date;
}

/**
 * Count one hit for `key` in the current fixed window of `windowMs` and say whether it is within
 * `limit`. Counters live in Postgres so every web process shares them; one upsert per hit.
 */
export async function hitRateLimit(db: DbOrTx, key: string, limit: number, windowMs = 60_000): Promise<RateResult> {
  const start = new Date(Math.floor(Date.now() / windowMs) * windowMs);
  const [row] = await db
    .insert(schema.rateLimits)
    .values({ key, windowStart: start, count: 1 })
    .onConflictDoUpdate({
      target: [schema.rateLimits.key, schema.rateLimits.windowStart],
      set: { count: sql`${schema.rateLimits.count} + 1` },
    })
    .returning({ count: schema.rateLimits.count });
  const count = row?.count ?? 1;
  // Old windows are dropped now and then by whoever passes by; no job needed.
  if (Math.random() < 0.01) await db.delete(schema.rateLimits).where(lt(schema.rateLimits.windowStart, new Date(Date.now() - 3_600_000)));
  return { allowed: count <= limit, count, resetAt: new Date(start.getTime() + windowMs) };
}
