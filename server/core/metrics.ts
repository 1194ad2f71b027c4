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

/** A low-cardinality label for a path: `/api/trpc/<procedure>`, `/api/v1`, `/api/health`, `page`, `static`. */
export function routeGroup(pathname: string): string {
  if (pathname.startsWith("/api/trpc/")) return `/api/trpc/${pathname.slice(10).split(",")[0]?.split("?")[0] ?? ""}`.slice(0, 80);
  if (pathname.startsWith("/api/v1/")) return "/api/v1";
  if (pathname.startsWith("/api/")) return pathname.split("/").slice(0, 3).join("/");
  if (pathname.startsWith("/_next/")) return "static";
  return "page";
}
