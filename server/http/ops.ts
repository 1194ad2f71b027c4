import { createHash, timingSafeEqual } from "node:crypto";
import { sql } from "drizzle-orm";
import { env } from "../../env";
import { logger } from "../core/logger";
import { metrics } from "../core/metrics";
import { getRuntime } from "../core/runtime";
import { json } from "./json";

async function check<T>(fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    logger.warn({ err }, "health check failed");
    return { ok: false, error: "unavailable" };
  }
}

/** `/api/health`: 200 when the database answers and the queue's schema is there, else 503. */
export async function handleHealth(): Promise<Response> {
  const database = await check(async () => {
    const { db } = await getRuntime();
    await db.execute(sql`SELECT 1`);
    return db;
  });
  const queue = database.ok
    ? await check(async () => {
        const rows = await database.value.execute<{ queued: number; locked: number }>(
          sql`SELECT count(*)::int AS queued, count(locked_at)::int AS locked FROM graphile_worker.jobs`,
        );
        return rows[0];
      })
    : ({ ok: false, error: "database unavailable" } as const);
  const ok = database.ok && queue.ok;
  return json(
    {
      status: ok ? "ok" : "error",
      database: database.ok ? "ok" : database.error,
      queue: queue.ok ? { status: "ok", ...queue.value } : { status: queue.error },
    },
    ok ? 200 : 503,
    { "cache-control": "no-store" },
  );
}

/**
 * Whether a scrape may read the metrics: always when no token is configured, else only with
 * `Authorization: Bearer <token>`. Compared as sha256 digests in constant time: equal lengths, and
 * no early exit that would time out the token byte by byte.
 */
export function metricsAuthorized(authorization: string | null, token: string | undefined): boolean {
  if (!token) return true;
  const given = /^Bearer\s+(.+)$/i.exec(authorization ?? "")?.[1]?.trim() ?? "";
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(given), digest(token)) && given.length > 0;
}

/** prom-client's default `nodejs_version_info` tells an attacker which Node CVEs apply: only token holders see it. */
const withoutVersion = (text: string) =>
  text
    .split("\n")
    .filter((line) => !/^(# (HELP|TYPE) )?keel_nodejs_version_info\b/.test(line))
    .join("\n");

/**
 * `/api/metrics`: Prometheus text format; job counts by status read from the jobs table at scrape time.
 * With KEEL_METRICS_TOKEN set it needs that bearer token (401 otherwise); the Node version is shown
 * only to a scrape that gave the token. `token` is a parameter for tests; the server uses the env.
 */
export async function handleMetrics(req?: Request, token: string | undefined = env.KEEL_METRICS_TOKEN): Promise<Response> {
  if (!metricsAuthorized(req?.headers.get("authorization") ?? null, token))
    return json({ error: { code: "UNAUTHORIZED", message: "/api/metrics needs Authorization: Bearer <KEEL_METRICS_TOKEN>" } }, 401, {
      "www-authenticate": 'Bearer realm="metrics"',
      "cache-control": "no-store",
    });
  const { registry } = metrics();
  let jobLines = "";
  try {
    const { db } = await getRuntime();
    const rows = await db.execute<{ name: string; status: string; n: number }>(
      sql`SELECT name, status, count(*)::int AS n FROM jobs GROUP BY name, status ORDER BY name, status`,
    );
    jobLines =
      "# HELP keel_jobs Jobs in Keel's jobs table, by name and status\n# TYPE keel_jobs gauge\n" +
      rows.map((r) => `keel_jobs{name=${JSON.stringify(r.name)},status=${JSON.stringify(r.status)}} ${r.n}`).join("\n") +
      "\n";
  } catch (err) {
    logger.warn({ err }, "metrics: job counts unavailable");
  }
  const text = await registry.metrics();
  return new Response((token ? text : withoutVersion(text)) + jobLines, {
    headers: { "content-type": registry.contentType, "cache-control": "no-store" },
  });
}
