import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { ensureEmbedded, maintenanceUrl } from "../../db/embedded";
import { migrateDatabase } from "../../db/migrate";
import { withDatabase } from "../helpers/global-db";

const ROOT = path.resolve(import.meta.dirname, "../..");

/**
 * A migrated database of its own for one fault test: a fresh one on DATABASE_URL's server when set,
 * else an embedded server in a temp dir (this process owns it).
 */
export async function ownDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  if (process.env.DATABASE_URL) {
    const name = `keel_fault_${randomBytes(4).toString("hex")}`;
    const admin = postgres(maintenanceUrl(process.env.DATABASE_URL), { max: 1, onnotice: () => {} });
    await admin.unsafe(`CREATE DATABASE ${name}`);
    const url = withDatabase(process.env.DATABASE_URL, name);
    await migrateDatabase(url);
    return {
      url,
      drop: async () => {
        await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.end();
      },
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-fault-pg-"));
  const e = await ensureEmbedded({ dataDir: dir });
  await migrateDatabase(e.url);
  return {
    url: e.url,
    drop: async () => {
      await e.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Keel {
  child: ChildProcess;
  /** the first JSON line it printed that has `key` (e.g. "url" for start, "workerId" for worker) */
  ready: Record<string, unknown>;
  output: () => string;
  /** the exit code (null when killed by a signal) once it exits */
  exited: Promise<number | null>;
}

/** A real `keel <args> --json` process; resolves once it prints the JSON line that has `key`. An `env` value undefined unsets it. */
export async function spawnKeel(args: string[], env: Record<string, string | undefined>, key: string): Promise<Keel> {
  const full: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: "info",
    NODE_ENV: "production",
    KEEL_DEMO: "0",
    ...env,
  };
  for (const [k, v] of Object.entries(full)) if (v === undefined) delete full[k]; // e.g. DATABASE_URL: undefined, for the embedded server
  const child = spawn(process.execPath, [path.join(ROOT, "bin/keel.mjs"), ...args, "--json"], {
    cwd: ROOT,
    env: full,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on("data", (c: Buffer) => {
    out += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`keel ${args.join(" ")} not ready in 120 s:\n${out}`)), 120_000);
    const check = () => {
      for (const line of out.split("\n")) {
        if (!line.startsWith("{")) continue;
        try {
          const v = JSON.parse(line) as Record<string, unknown>;
          if (key in v) {
            clearTimeout(timer);
            child.stdout?.off("data", check);
            return resolve(v);
          }
        } catch {
          // a partial line: wait for the rest
        }
      }
    };
    child.stdout?.on("data", check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`keel ${args.join(" ")} exited with ${code} before it was ready:\n${out}`));
    });
  });
  return { child, ready, output: () => out, exited };
}

/** Kill a process if it still runs (cleanup after a failed assertion). */
export function killQuietly(child: ChildProcess | undefined): void {
  if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
