import { getTableName, is } from "drizzle-orm";
import { PgTable } from "drizzle-orm/pg-core";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { migrateDatabase } from "../../db/migrate";
import * as schema from "../../db/schema";
import { freshDatabase } from "../helpers/db";

describe("migrations", () => {
  it("apply to an empty database from several processes at once, under the advisory lock", async () => {
    const d = await freshDatabase({ empty: true });
    try {
      await Promise.all([migrateDatabase(d.url), migrateDatabase(d.url), migrateDatabase(d.url)]);
      const sql = postgres(d.url, { max: 1 });
      const tables = await sql<{ table_name: string }[]>`
        SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`;
      const applied = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`;
      const queue = await sql<
        { n: number }[]
      >`SELECT count(*)::int AS n FROM information_schema.schemata WHERE schema_name = 'graphile_worker'`;
      await sql.end();
      // every table the drizzle schema declares, and no other
      const declared = Object.values(schema)
        .filter((v) => is(v, PgTable))
        .map((t) => getTableName(t as PgTable))
        .sort();
      expect(tables.map((t) => t.table_name)).toEqual(declared);
      expect(declared).toContain("users");
      expect(applied[0]?.n).toBeGreaterThan(0);
      expect(queue[0]?.n).toBe(1);
      // and again: a no-op
      await migrateDatabase(d.url);
    } finally {
      await d.drop();
    }
  });
});
