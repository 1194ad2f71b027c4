import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import type { TestProject } from "vitest/node";
import { ensureEmbedded, maintenanceUrl } from "../../db/embedded";
import { migrateDatabase } from "../../db/migrate";

/**
 * One PostgreSQL server for the run (DATABASE_URL's, else an embedded one in a temp dir) and one
 * migrated template database; each test file clones it (CREATE DATABASE ... TEMPLATE), so files
 * never see each other's rows.
 */
export default async function setup(project: TestProject) {
  let serverUrl = process.env.DATABASE_URL;
  let stopEmbedded: (() => Promise<void>) | undefined;
  let tmp: string | undefined;
  if (!serverUrl) {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "keel-test-pg-"));
    const embedded = await ensureEmbedded({ dataDir: tmp });
    serverUrl = embedded.url;
    stopEmbedded = embedded.stop;
  }
  const run = `keel_t${process.pid}_${Date.now().toString(36)}`;
  const template = `${run}_template`;
  const admin = postgres(maintenanceUrl(serverUrl), { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${template}`);
  const templateUrl = withDatabase(serverUrl, template);
  await migrateDatabase(templateUrl);
  project.provide("pgServerUrl", serverUrl);
  project.provide("pgTemplate", template);
  project.provide("pgRun", run);
  return async () => {
    const dbs = await admin<{ datname: string }[]>`SELECT datname FROM pg_database WHERE datname LIKE ${`${run}%`}`;
    for (const { datname } of dbs) await dropDatabase(admin, datname);
    await admin.end();
    await stopEmbedded?.();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  };
}

export function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

declare module "vitest" {
  export interface ProvidedContext {
    pgServerUrl: string;
    pgTemplate: string;
    pgRun: string;
  }
}

/**
 * DROP DATABASE, ending any session still on it. WITH (FORCE) refuses ("permission denied to terminate
 * process", 42501) when the role is not a superuser and an autovacuum worker (a superuser process) is
 * on the database at that moment, as the embedded server's role is not: then a plain DROP, which asks
 * autovacuum to stop and waits for it (our own connections are closed before this is called).
 */
export async function dropDatabase(admin: postgres.Sql, name: string): Promise<void> {
  try {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } catch (err) {
    if ((err as { code?: string }).code !== "42501") throw err;
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name}`);
  }
}
