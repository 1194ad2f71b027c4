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
    // While the server is down (restarting), a query fails in seconds, not after the 30 s default:
    // callers answer 503 with Retry-After. postgres.js opens a fresh connection on the next query.
    connect_timeout: 5,
  });
  const db = drizzle(sql, { schema });
  sql.options.parsers[1184] = pgTimestamptz; // after drizzle(), which makes timestamptz raw text
  return { db, sql, url, close: () => sql.end({ timeout: 5 }) };
}

const EARLY = /^(0\d{3})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(\.\d+)?([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?$/;
/**
 * PostgreSQL writes timestamptz before year 1000 as "0001-01-01 00:00:00+00", which V8's Date (and
 * so drizzle's `new Date(value)`) reads as 2001: such values are rewritten as ISO 8601. Later years
 * are left exactly as PostgreSQL wrote them.
 */
export function pgTimestamptz(value: string): string {
  const m = EARLY.exec(value);
  if (!m) return value;
  const [, y, mo, d, h, mi, s, frac, sign, oh, om, os] = m;
  const t = new Date(0);
  t.setUTCFullYear(Number(y), Number(mo) - 1, Number(d)); // not Date.UTC: it maps years 0-99 to 19xx
  t.setUTCHours(Number(h), Number(mi), Number(s), Math.floor(Number(frac ?? 0) * 1000));
  const offset = (Number(oh) * 3600 + Number(om ?? 0) * 60 + Number(os ?? 0)) * 1000 * (sign === "-" ? -1 : 1);
  return new Date(t.getTime() - offset).toISOString();
}

/**
 * The database URL for this process: DATABASE_URL when set, else the embedded server under
 * KEEL_DATA_DIR (started here, or attached to when another Keel process runs it).
 */
export async function resolveDatabase(
  log?: (line: string) => void,
  /** supervision events of the embedded server (died, restarted, handed over) */
  notify: (line: string) => void = (line) => console.error(`keel: ${line}`),
): Promise<{ url: string; embedded?: EmbeddedHandle }> {
  if (env.DATABASE_URL) return { url: env.DATABASE_URL };
  const embedded = await ensureEmbedded({ dataDir: dataDir(), log, notify });
  return { url: embedded.url, embedded };
}

export { schema };
