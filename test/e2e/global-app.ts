import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import type { TestProject } from "vitest/node";
import { maintenanceUrl } from "../../db/embedded";
import { withDatabase } from "../helpers/global-db";

const ROOT = path.resolve(import.meta.dirname, "../..");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * Browser tests run against a real `keel start` (production build, real worker, real Postgres:
 * a fresh database on DATABASE_URL's server, else the embedded one in a fresh data dir).
 */
export default async function setup(project: TestProject) {
  if (!fs.existsSync(CHROMIUM)) {
    const reason = `Chromium not found at ${CHROMIUM} (apt-get install -y chromium; .ci/run does)`;
    console.warn(`\n[e2e] browser tests skipped: ${reason}\n`);
    project.provide("e2eSkip", reason);
    return;
  }
  project.provide("e2eSkip", "");
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-e2e-"));
  let databaseUrl: string | undefined;
  let dropDb: (() => Promise<void>) | undefined;
  if (process.env.DATABASE_URL) {
    const name = `keel_e2e_${randomBytes(4).toString("hex")}`;
    const admin = postgres(maintenanceUrl(process.env.DATABASE_URL), { max: 1, onnotice: () => {} });
    await admin.unsafe(`CREATE DATABASE ${name}`);
    databaseUrl = withDatabase(process.env.DATABASE_URL, name);
    dropDb = async () => {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    };
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: "0",
    HOST: "127.0.0.1",
    KEEL_DATA_DIR: dataDir,
    LOG_LEVEL: "warn",
    NODE_ENV: "production",
  };
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  else delete env.DATABASE_URL;

  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, "bin/keel.mjs"), "start", "--json"], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const started = await new Promise<{ url: string; email: string; password: string; key: string }>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`keel start did not report ready in 10 minutes:\n${out}`)), 600_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      for (const line of out.split("\n")) {
        if (line.startsWith('{"url"')) {
          clearTimeout(timer);
          resolve(JSON.parse(line));
        }
      }
    });
    child.on("exit", (code) => reject(new Error(`keel start exited with ${code} before it was ready:\n${out}`)));
  });
  project.provide("e2eApp", { ...started, dataDir, databaseUrl: databaseUrl ?? "" });

  return async () => {
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([exited, new Promise<"hung">((r) => (timer = setTimeout(() => r("hung"), 30_000)))]);
    clearTimeout(timer);
    if (code === "hung") child.kill("SIGKILL");
    await dropDb?.();
    fs.rmSync(dataDir, { recursive: true, force: true });
    if (code !== 0) throw new Error(`keel start did not shut down cleanly on SIGTERM (exit ${code})`);
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    e2eSkip: string;
    e2eApp: { url: string; email: string; password: string; key: string; dataDir: string; databaseUrl: string };
  }
}
