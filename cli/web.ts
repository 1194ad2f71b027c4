import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import next from "next";
import { logger } from "../server/core/logger";
import { metrics, routeGroup } from "../server/core/metrics";
import { serveApi } from "../server/http/node";
import { CLIENT_IP_HEADER } from "../server/http/request";

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const SOURCES = ["app", "server", "db", "sdk", "public", "env.ts", "next.config.ts", "postcss.config.mjs", "package-lock.json"];
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
      stdio: ["ignore", "inherit", "inherit"],
    });
    if (res.status !== 0) throw new Error(`next build failed with exit code ${res.status}`);
    fs.writeFileSync(STAMP, stamp);
  });
}

export interface WebHandle {
  server: http.Server;
  port: number;
  stop: () => Promise<void>;
}

/** Serve the built app on `port` (0 picks a free one), with request metrics and graceful close. */
export async function startWeb(opts: { port: number; host: string }): Promise<WebHandle> {
  const app = next({ dev: false, dir: ROOT, hostname: opts.host, port: opts.port });
  await app.prepare();
  const handle = app.getRequestHandler();
  const m = metrics();
  const server = http.createServer((req, res) => {
    // The rate limiter keys on this; a client-sent value is overwritten, never trusted.
    req.headers[CLIENT_IP_HEADER] = req.socket.remoteAddress ?? "unknown";
    const started = process.hrtime.bigint();
    const route = routeGroup(req.url ?? "/");
    res.on("finish", () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      m.httpRequests.inc({ method: req.method ?? "GET", route, status: String(res.statusCode) });
      m.httpDuration.observe({ method: req.method ?? "GET", route }, seconds);
    });
    const served = serveApi(req, res, (req.url ?? "/").split("?")[0] ?? "/") ?? handle(req, res);
    served.catch((err) => {
      logger.error({ err }, "request failed");
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
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
    stop: () =>
      new Promise<void>((resolve) => {
        // Stop accepting, let in-flight requests finish (10 s at most), then drop idle keep-alives.
        const force = setTimeout(() => server.closeAllConnections(), 10_000);
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
