import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { inject } from "vitest";
import { createDatabase, type Database } from "../../db/client";
import { maintenanceUrl } from "../../db/embedded";
import { setRuntime } from "../../server/core/runtime";
import { dropDatabase, withDatabase } from "./global-db";

export interface TestDatabase extends Database {
  name: string;
  drop: () => Promise<void>;
}

/** A fresh database cloned from the migrated template: real Postgres, isolated from other files. */
export async function freshDatabase(opts: { empty?: boolean } = {}): Promise<TestDatabase> {
  const server = inject("pgServerUrl");
  const name = `${inject("pgRun")}_${randomBytes(4).toString("hex")}`;
  const admin = postgres(maintenanceUrl(server), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(opts.empty ? `CREATE DATABASE ${name}` : `CREATE DATABASE ${name} TEMPLATE ${inject("pgTemplate")}`);
  } finally {
    await admin.end();
  }
  const database = createDatabase(withDatabase(server, name));
  return {
    ...database,
    name,
    drop: async () => {
      await database.close();
      const a = postgres(maintenanceUrl(server), { max: 1, onnotice: () => {} });
      await dropDatabase(a, name);
      await a.end();
    },
  };
}

/** A fresh database that the HTTP handlers (which use the process runtime) also use. */
export async function freshRuntimeDatabase(): Promise<TestDatabase> {
  const d = await freshDatabase();
  setRuntime(d);
  return d;
}
