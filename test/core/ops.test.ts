import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { metrics } from "../../server/core/metrics";
import { defineJob, enqueue } from "../../server/core/queue";
import { handleHealth, handleMetrics } from "../../server/http/ops";
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

  it("/api/health answers 503 when the database is gone, without details", async () => {
    await d.sql.end();
    const res = await handleHealth();
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: "error", database: "unavailable" });
  });
});
