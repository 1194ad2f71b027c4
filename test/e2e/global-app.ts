import fs from "node:fs";
import type { TestProject } from "vitest/node";
import { ensureBuilt } from "../../cli/web";
import { startKeel } from "./keel-process";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Builds the app once, and for the browser tests runs one `keel start` they share. */
export default async function setup(project: TestProject) {
  ensureBuilt((m) => console.log(`[e2e] ${m}`));
  if (!fs.existsSync(CHROMIUM)) {
    const reason = `Chromium not found at ${CHROMIUM} (apt-get install -y chromium; .ci/run does)`;
    console.warn(`\n[e2e] browser tests skipped: ${reason}\n`);
    project.provide("e2eSkip", reason);
    return;
  }
  project.provide("e2eSkip", "");
  const app = await startKeel();
  project.provide("e2eApp", {
    url: app.url,
    email: app.email,
    password: app.password,
    key: app.key,
    dataDir: app.dataDir,
    databaseUrl: app.databaseUrl,
  });
  return async () => {
    await app.stop();
    await app.cleanup();
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    e2eSkip: string;
    e2eApp: { url: string; email: string; password: string; key: string; dataDir: string; databaseUrl: string };
  }
}
