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
    for (const { datname } of dbs) await admin.unsafe(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
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
