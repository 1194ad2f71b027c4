import { sql } from "drizzle-orm";
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

/** `/api/metrics`: Prometheus text format; job counts by status read from the jobs table at scrape time. */
export async function handleMetrics(): Promise<Response> {
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
  return new Response((await registry.metrics()) + jobLines, {
    headers: { "content-type": registry.contentType, "cache-control": "no-store" },
  });
}
