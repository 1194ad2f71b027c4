import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { dataDir, env } from "../env";
import { type EmbeddedHandle, ensureEmbedded } from "./embedded";
import * as schema from "./schema";

export type Schema = typeof schema;
export type Db = PostgresJsDatabase<Schema>;
/** A transaction handle; services accept `Db | Tx` where they may run inside a caller's transaction. */
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
export type DbOrTx = Db | Tx;

export interface Database {
  db: Db;
  sql: postgres.Sql;
  url: string;
  close: () => Promise<void>;
}

/** One client factory: a drizzle database over a postgres.js pool for the given URL. */
export function createDatabase(url: string, opts: { max?: number } = {}): Database {
  const sql = postgres(url, {
    max: opts.max ?? 10,
    onnotice: () => {},
    connection: { application_name: "keel" },
  });
  return { db: drizzle(sql, { schema }), sql, url, close: () => sql.end({ timeout: 5 }) };
}

/**
 * The database URL for this process: DATABASE_URL when set, else the embedded server under
 * KEEL_DATA_DIR (started here, or attached to when another Keel process runs it).
 */
export async function resolveDatabase(log?: (line: string) => void): Promise<{ url: string; embedded?: EmbeddedHandle }> {
  if (env.DATABASE_URL) return { url: env.DATABASE_URL };
  const embedded = await ensureEmbedded({ dataDir: dataDir(), log });
  return { url: embedded.url, embedded };
}

export { schema };
