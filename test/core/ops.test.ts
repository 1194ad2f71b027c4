import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { metrics } from "../../server/core/metrics";
import { defineJob, enqueue } from "../../server/core/queue";
import { handleHealth, handleMetrics, metricsAuthorized } from "../../server/http/ops";
import { routeCatalog, routeLabel } from "../../server/http/route-labels";
import { makeProject } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";

let d: TestDatabase;
beforeAll(async () => {
  d = await freshRuntimeDatabase();
});
afterAll(() => d.drop());

describe("operations endpoints", () => {
  it("/api/health reports the database and the queue", async () => {
    const res = await handleHealth();
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok", database: "ok", queue: { status: "ok", queued: 0, locked: 0 } });
  });

  it("/api/metrics speaks Prometheus text with request and job series", async () => {
    const { project } = await makeProject(d.db);
    const job = defineJob({ name: "test.metric", schema: z.object({}), maxAttempts: 1, timeoutMs: 1000, handle: async () => null });
    await enqueue(d.db, job, {}, { projectId: project.id });
    metrics().httpRequests.inc({ method: "GET", route: "/api/health", status: "200" });
    const res = await handleMetrics();
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toContain('keel_http_requests_total{method="GET",route="/api/health",status="200"} 1');
    expect(text).toContain('keel_jobs{name="test.metric",status="queued"} 1');
    expect(text).toMatch(/^keel_process_resident_memory_bytes \d+/m);
  });

  it("/api/metrics keeps a fixed label set however many random paths are requested", async () => {
    expect(routeCatalog().procedures.has("workspace.projects.list")).toBe(true);
    expect(routeLabel("/api/trpc/workspace.projects.list?batch=1")).toBe("/api/trpc/workspace.projects.list");
    expect(routeLabel("/api/v1/projects/demo/datasets/qa/versions")).toBe("/api/v1/projects/:projectId/datasets/:dataset/versions");
    const rand = () => Math.random().toString(36).slice(2);
    const families = [
      () => `/api/trpc/${rand()}`,
      () => `/api/trpc/${rand()}.${rand()},workspace.projects.list`,
      () => `/api/v1/${rand()}/${rand()}`,
      () => `/api/v1/projects/${rand()}/keys/${rand()}`,
      () => `/api/${rand()}`,
      () => `/${rand()}/${rand()}`,
      () => `/_next/static/${rand()}.js`,
    ];
    // as cli/web.ts records a request
    const hit = (url: string) => metrics().httpRequests.inc({ method: "GET", route: routeLabel(url), status: "404" });
    const series = async () =>
      (await (await handleMetrics()).text()).split("\n").filter((l) => l.startsWith("keel_http_requests_total{")).length;
    for (const f of families) hit(f());
    const before = await series();
    for (let i = 0; i < 1000; i++) hit((families[i % families.length] as () => string)());
    expect(await series()).toBe(before);
  });

  it("/api/metrics needs the bearer token when one is set, and shows the Node version only to its holder", async () => {
    const token = "metrics-token-0123456789";
    const get = (authorization?: string) =>
      handleMetrics(new Request("http://keel.test/api/metrics", { headers: authorization ? { authorization } : {} }), token);
    for (const auth of [undefined, "Bearer wrong-token-0123456789", `Basic ${token}`, "Bearer "]) {
      const res = await get(auth);
      expect(res.status).toBe(401);
      expect(await res.text()).not.toContain("keel_");
    }
    const ok = await get(`Bearer ${token}`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("keel_nodejs_version_info");
    // no token configured: open, as before, but without the version
    const open = await handleMetrics(new Request("http://keel.test/api/metrics"), undefined);
    expect(open.status).toBe(200);
    const text = await open.text();
    expect(text).toMatch(/^keel_process_resident_memory_bytes \d+/m);
    expect(text).not.toContain("nodejs_version_info");
    expect(text).not.toContain(process.version);
    expect(metricsAuthorized(`bearer ${token}`, token)).toBe(true);
    expect(metricsAuthorized(null, undefined)).toBe(true);
  });

  it("/api/health answers 503 when the database is gone, without details", async () => {
    await d.sql.end();
    const res = await handleHealth();
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: "error", database: "unavailable" });
  });
});
