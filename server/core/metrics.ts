import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

/** One Prometheus registry per process, on globalThis so every module copy records into it. */
interface Metrics {
  registry: Registry;
  httpRequests: Counter<"method" | "route" | "status">;
  httpDuration: Histogram<"method" | "route">;
}

const g = globalThis as { __keelMetrics?: Metrics };

function create(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "keel_" });
  return {
    registry,
    httpRequests: new Counter({
      name: "keel_http_requests_total",
      help: "HTTP requests served, by method, route group and status",
      labelNames: ["method", "route", "status"],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: "keel_http_request_duration_seconds",
      help: "HTTP request duration in seconds",
      labelNames: ["method", "route"],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}

export const metrics = (): Metrics => {
  g.__keelMetrics ??= create();
  return g.__keelMetrics;
};

/** What routes exist, for labels: tRPC procedure paths and /api/v1 route patterns (server/http/route-labels.ts). */
export interface RouteCatalog {
  procedures: ReadonlySet<string>;
  /** `/api/v1` patterns without the prefix, `:param` and a trailing `*rest` as in server/http/routes.ts */
  v1Patterns: readonly string[];
}

/** The patterns split once and grouped by segment count; a `*rest` pattern is tried for any longer path. */
interface CompiledPatterns {
  byLength: Map<number, { pattern: string; segs: string[] }[]>;
  withRest: { pattern: string; segs: string[] }[];
}
const compiled = new WeakMap<readonly string[], CompiledPatterns>();
function compile(patterns: readonly string[]): CompiledPatterns {
  let c = compiled.get(patterns);
  if (c) return c;
  c = { byLength: new Map(), withRest: [] };
  for (const pattern of patterns) {
    const segs = pattern.split("/").filter(Boolean);
    if (segs.some((s) => s.startsWith("*"))) c.withRest.push({ pattern, segs });
    else c.byLength.set(segs.length, [...(c.byLength.get(segs.length) ?? []), { pattern, segs }]);
  }
  compiled.set(patterns, c);
  return c;
}

const matches = (ps: readonly string[], segs: readonly string[]): boolean => {
  for (let i = 0; i < ps.length; i++) {
    const p = ps[i] as string;
    if (p.startsWith("*")) return segs.length > i;
    if (i >= segs.length || (!p.startsWith(":") && p !== segs[i])) return false;
  }
  return ps.length === segs.length;
};

/** The first pattern (in catalog order) a path's segments match: a label is computed on every request, so no scan of all of them. */
function v1Pattern(patterns: readonly string[], segs: readonly string[]): string | undefined {
  const c = compile(patterns);
  const hits = [...(c.byLength.get(segs.length) ?? []), ...c.withRest].filter((p) => matches(p.segs, segs));
  if (hits.length <= 1) return hits[0]?.pattern;
  return patterns.find((p) => hits.some((h) => h.pattern === p));
}

/**
 * A label for a request path from a fixed set, so /api/metrics cannot grow with requested paths:
 * a known tRPC procedure (a batch is labelled by its first), an /api/v1 route pattern, a few fixed
 * API paths, `static` or `page`; anything else shares `unknown` within its family. Raw path
 * segments never become labels.
 */
export function routeGroup(url: string, catalog: RouteCatalog): string {
  const pathname = url.split("?")[0] ?? "/";
  if (pathname.startsWith("/api/trpc/")) {
    const first = pathname.slice(10).split(",")[0] ?? "";
    return catalog.procedures.has(first) ? `/api/trpc/${first}` : "/api/trpc/unknown";
  }
  if (pathname === "/api/v1" || pathname.startsWith("/api/v1/")) {
    const segs = pathname.slice(7).split("/").filter(Boolean);
    const hit = v1Pattern(catalog.v1Patterns, segs);
    return hit ? `/api/v1${hit}` : "/api/v1/unknown";
  }
  if (pathname === "/api/health" || pathname === "/api/metrics") return pathname;
  if (pathname.startsWith("/api/2.0/mlflow")) return "/api/2.0/mlflow";
  if (pathname.startsWith("/api/")) return "/api/unknown";
  if (pathname.startsWith("/_next/")) return "static";
  return "page";
}
