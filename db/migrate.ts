import path from "node:path";
import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import { Logger, runMigrations } from "graphile-worker";
import postgres from "postgres";

const MIGRATIONS = path.join(path.dirname(fileURLToPath(import.meta.url)), "migrations");
/** Arbitrary constant shared by every Keel process: pg_advisory_lock key for migrations. */
const MIGRATION_LOCK = 7_314_159_001;

/**
 * Apply Keel's migrations (drizzle-kit generated, committed) and graphile-worker's schema.
 * Two processes starting at once never race: the whole step holds a session advisory lock.
 */
export async function migrateDatabase(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`SELECT pg_advisory_lock(${MIGRATION_LOCK})`;
    try {
      await migrate(drizzle(sql), { migrationsFolder: MIGRATIONS });
      await runMigrations({ connectionString: url, logger: silentLogger() });
    } finally {
      await sql`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`;
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export function silentLogger(): Logger {
  return new Logger(() => () => {});
}
