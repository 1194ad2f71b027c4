import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { maintenanceUrl } from "../../db/embedded";
import { withDatabase } from "../helpers/global-db";

const ROOT = path.resolve(import.meta.dirname, "../..");

export interface KeelProcess {
  child: ChildProcess;
  url: string;
  email: string;
  password: string;
  key: string;
  dataDir: string;
  /** The database it runs on when DATABASE_URL is set; empty on the embedded server. */
  databaseUrl: string;
  /** Everything it printed on stdout. */
  output: () => string;
  /** SIGTERM, then wait: the exit code (or "hung" after 30 s, when it is killed). */
  stop: () => Promise<number | null | "hung">;
  cleanup: () => Promise<void>;
}

/**
 * A real `keel start` on a free port: a fresh database on DATABASE_URL's server when set, else the
 * embedded server in a fresh data dir. Resolves once it prints its ready line.
 */
export async function startKeel(): Promise<KeelProcess> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-e2e-"));
  let databaseUrl = "";
  let dropDb = async () => {};
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
    // the tests' webhook receivers and fake providers listen on loopback, refused by default
    KEEL_EGRESS_ALLOW: "127.0.0.0/8",
    KEEL_DATA_DIR: dataDir,
    LOG_LEVEL: "info",
    NODE_ENV: "production",
  };
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  else delete env.DATABASE_URL;

  const child = spawn(process.execPath, [path.join(ROOT, "bin/keel.mjs"), "start", "--json"], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  const ready = await new Promise<{ url: string; email: string; password: string; key: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`keel start did not report ready in 10 minutes:\n${out}`)), 600_000);
    const check = () => {
      const line = out.split("\n").find((l) => l.startsWith('{"url"'));
      if (line) {
        clearTimeout(timer);
        child.stdout?.off("data", check);
        resolve(JSON.parse(line));
      }
    };
    child.stdout?.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`keel start exited with ${code} before it was ready:\n${out}`));
    });
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    ...ready,
    child,
    dataDir,
    databaseUrl,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([exited, new Promise<"hung">((r) => (timer = setTimeout(() => r("hung"), 30_000)))]);
      clearTimeout(timer);
      if (code === "hung") child.kill("SIGKILL");
      return code;
    },
    cleanup: async () => {
      await dropDb();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
