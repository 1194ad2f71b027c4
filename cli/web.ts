import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import next from "next";
import { logger } from "../server/core/logger";
import { metrics } from "../server/core/metrics";
import { applySecurityHeaders } from "../server/http/headers";
import { failRequest, retryAfterOn503, serveApi } from "../server/http/node";
import { CLIENT_IP_HEADER, clientAddress } from "../server/http/request";
import { routeLabel } from "../server/http/route-labels";

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
/** What the web build reads: a change to any of these rebuilds it on the next start. */
export const SOURCES = [
  "app",
  "server",
  "db",
  "sdk",
  "public",
  "env.ts",
  "next.config.js",
  "postcss.config.mjs",
  "package-lock.json",
  "instrumentation-client.ts",
];
const STAMP = path.join(ROOT, ".next", "keel-source-stamp");

/** A cheap fingerprint of the sources the web build depends on: paths, sizes and mtimes. */
function sourceStamp(): string {
  const h = createHash("sha256");
  const walk = (p: string) => {
    if (!fs.existsSync(p)) return;
    const st = fs.statSync(p);
    if (st.isDirectory()) {
      for (const e of fs.readdirSync(p).sort()) if (e !== "node_modules" && !e.startsWith(".")) walk(path.join(p, e));
    } else if (!/\.test\.tsx?$/.test(p)) h.update(`${path.relative(ROOT, p)}:${st.size}:${st.mtimeMs}\n`);
  };
  for (const s of SOURCES) walk(path.join(ROOT, s));
  return h.digest("hex");
}

const LOCK = path.join(ROOT, ".keel-build.lock");

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** One `next build` at a time per checkout: test runs and starts in parallel would corrupt .next/. */
function withBuildLock(fn: () => void): void {
  for (;;) {
    try {
      fs.writeFileSync(LOCK, String(process.pid), { flag: "wx" });
      break;
    } catch {
      const holder = Number(fs.readFileSync(LOCK, "utf8") || 0);
      if (!holder || !alive(holder)) fs.rmSync(LOCK, { force: true });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500); // sleep 0.5 s
    }
  }
  try {
    fn();
  } finally {
    fs.rmSync(LOCK, { force: true });
  }
}

const upToDate = (stamp: string) =>
  fs.existsSync(path.join(ROOT, ".next", "BUILD_ID")) && fs.existsSync(STAMP) && fs.readFileSync(STAMP, "utf8") === stamp;

/** Build the Next.js app when there is no build or its sources changed since. */
export function ensureBuilt(log: (m: string) => void): void {
  if (upToDate(sourceStamp())) return;
  withBuildLock(() => {
    const stamp = sourceStamp();
    if (upToDate(stamp)) return; // someone else built it while we waited
    log("building the web app (next build); this happens once per source change...");
    const res = spawnSync(process.execPath, [path.join(ROOT, "node_modules", "next", "dist", "bin", "next"), "build"], {
      cwd: ROOT,
      // Next's anonymous telemetry stays off: a self-hosted install may be air-gapped and must not phone home.
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
      stdio: ["ignore", "inherit", "inherit"],
    });
    if (res.status !== 0) throw new Error(`next build failed with exit code ${res.status}`);
    fs.writeFileSync(STAMP, stamp);
  });
}

export interface WebHandle {
  server: http.Server;
  port: number;
  /** Stop accepting; requests in flight get `graceMs` (default 10 s) before their connections are cut. */
  stop: (graceMs?: number) => Promise<void>;
}

/**
 * Serve the built app on `port` (0 picks a free one), with request metrics and graceful close.
 * `ui: false` serves the API alone (pages 404), without the Next.js build: the fault tests' processes.
 */
export async function startWeb(opts: { port: number; host: string; ui?: boolean }): Promise<WebHandle> {
  let handle: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;
  if (opts.ui === false) handle = async (_req, res) => void res.writeHead(404).end();
  else {
    const app = next({ dev: false, dir: ROOT, hostname: opts.host, port: opts.port });
    await app.prepare();
    handle = app.getRequestHandler();
  }
  const m = metrics();
  const server = http.createServer((req, res) => {
    // The rate limiter and sign-in lockout key on this; a client-sent value is overwritten, never trusted
    // (X-Forwarded-For counts only with KEEL_TRUST_PROXY=1).
    req.headers[CLIENT_IP_HEADER] = clientAddress(req.socket.remoteAddress, req.headers["x-forwarded-for"]);
    const pathname = (req.url ?? "/").split("?")[0] ?? "/";
    applySecurityHeaders(req, res, pathname);
    retryAfterOn503(res);
    const started = process.hrtime.bigint();
    const route = routeLabel(req.url ?? "/");
    res.on("finish", () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      m.httpRequests.inc({ method: req.method ?? "GET", route, status: String(res.statusCode) });
      m.httpDuration.observe({ method: req.method ?? "GET", route }, seconds);
    });
    const served = serveApi(req, res, pathname) ?? handle(req, res);
    served.catch((err) => {
      logger.error({ err }, "request failed");
      failRequest(res, err);
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    server,
    port,
    stop: (graceMs = 10_000) =>
      new Promise<void>((resolve) => {
        // Stop accepting, let in-flight requests finish (graceMs at most), then drop idle keep-alives.
        const force = setTimeout(() => server.closeAllConnections(), graceMs);
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
