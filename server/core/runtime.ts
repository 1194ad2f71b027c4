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
    const { url } = await resolveDatabase((line) => logger.debug({ component: "postgres" }, line));
    await migrateDatabase(url);
    return createDatabase(url);
  })();
  return g.__keelRuntime;
}
