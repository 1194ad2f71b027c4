import { createDatabase, type Database, resolveDatabase } from "../../db/client";
import { migrateDatabase } from "../../db/migrate";
import { logger } from "./logger";

/**
 * The process-wide database. `keel start` sets it before the web server takes requests; under
 * `next dev` it is resolved (and migrated) on first use. Kept on globalThis so the CLI's modules
 * and Next's compiled copies of them share one pool.
 */
const g = globalThis as { __keelRuntime?: Promise<Database> };

export function setRuntime(database: Database): void {
  g.__keelRuntime = Promise.resolve(database);
}

export function getRuntime(): Promise<Database> {
  g.__keelRuntime ??= (async () => {
    const { url } = await resolveDatabase(
      (line) => logger.debug({ component: "postgres" }, line),
      (line) => logger.warn({ component: "postgres" }, line),
    );
    await migrateDatabase(url);
    return createDatabase(url);
  })().catch((err) => {
    // a database that was down at the first request must not fail every later one: try again next time
    g.__keelRuntime = undefined;
    throw err;
  });
  return g.__keelRuntime;
}
