import { and, eq, gte, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { getRouter } from "./service-routers";

/**
 * A router's dashboard over the last `hours`: traffic per target per hour, share of large calls,
 * cost against sending everything to the large target, cache hits, fallbacks, latency by target,
 * and quality by route (mean rating of the calls' traces).
 */
export async function routerStats(db: DbOrTx, projectId: string, input: { name: string; hours: number }) {
  const router = await getRouter(db, projectId, input.name);
  const e = schema.routeEvents;
  const since = new Date(Date.now() - input.hours * 3600_000);
  const where = and(eq(e.routerId, router.id), gte(e.createdAt, since));
  const [buckets, byTarget, [totals]] = await Promise.all([
    db
      .select({ hour: sql<string>`date_trunc('hour', ${e.createdAt})::text`, target: e.target, calls: sql<number>`count(*)::int` })
      .from(e)
      .where(where)
      .groupBy(sql`1`, e.target)
      .orderBy(sql`1`),
    db
      .select({
        target: e.target,
        large: sql<boolean>`bool_or(${e.large})`,
        calls: sql<number>`count(*)::int`,
        p50: sql<number>`coalesce(percentile_cont(0.5) within group (order by ${e.latencyMs}), 0)::float8`,
        p95: sql<number>`coalesce(percentile_cont(0.95) within group (order by ${e.latencyMs}), 0)::float8`,
        cost: sql<number>`coalesce(sum(${e.cost}), 0)::float8`,
        rating: sql<number | null>`avg(${schema.traces.ratingMean})::float8`,
        rated: sql<number>`count(${schema.traces.ratingMean})::int`,
      })
      .from(e)
      .leftJoin(schema.traces, and(eq(schema.traces.projectId, e.projectId), eq(schema.traces.id, e.traceId)))
      .where(where)
      .groupBy(e.target)
      .orderBy(e.target),
    db
      .select({
        calls: sql<number>`count(*)::int`,
        large: sql<number>`count(*) filter (where ${e.large})::int`,
        cost: sql<number>`coalesce(sum(${e.cost}), 0)::float8`,
        largeCost: sql<number>`coalesce(sum(${e.largeCost}), 0)::float8`,
        exactHits: sql<number>`count(*) filter (where ${e.cache} = 'exact')::int`,
        semanticHits: sql<number>`count(*) filter (where ${e.cache} = 'semantic')::int`,
        fallbacks: sql<number>`count(*) filter (where ${e.fallback})::int`,
      })
      .from(e)
      .where(where),
  ]);
  const t = totals ?? { calls: 0, large: 0, cost: 0, largeCost: 0, exactHits: 0, semanticHits: 0, fallbacks: 0 };
  return {
    router: { name: router.name, kind: router.kind },
    hours: input.hours,
    totals: {
      ...t,
      largeShare: t.calls ? t.large / t.calls : 0,
      saved: Math.max(0, t.largeCost - t.cost),
      cacheHitRate: t.calls ? (t.exactHits + t.semanticHits) / t.calls : 0,
    },
    buckets,
    byTarget,
  };
}
