import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { handleV1 } from "../../server/http/v1";
import { makeKey, makeProject, req } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";

let d: TestDatabase;
let projectId: string;
let key: string;
beforeAll(async () => {
  d = await freshRuntimeDatabase();
  const p = await makeProject(d.db);
  projectId = p.project.id;
  key = (await makeKey(d.db, projectId, p.owner.user.id, "owner")).key;
});
afterAll(() => d.drop());

const TRACE = "5b8efff798038103d269b633813fc60c";
const s = (v: string) => ({ stringValue: v });
const i = (v: number) => ({ intValue: String(v) });
const t0 = 1_767_225_600_000n * 1_000_000n; // 2026-01-01T00:00:00Z in ns

/** What an OpenTelemetry GenAI instrumentation (e.g. OpenLLMetry) exports for one chat call in an agent step. */
const payload = {
  resourceSpans: [
    {
      resource: { attributes: [{ key: "service.name", value: s("support-bot") }] },
      scopeSpans: [
        {
          scope: { name: "opentelemetry.instrumentation.openai" },
          spans: [
            {
              traceId: TRACE,
              spanId: "eee19b7ec3c1b174",
              name: "agent.step",
              startTimeUnixNano: String(t0),
              endTimeUnixNano: String(t0 + 2_000_000_000n),
              attributes: [
                { key: "user.id", value: s("u-42") },
                { key: "session.id", value: s("s-7") },
              ],
              status: {},
            },
            {
              traceId: TRACE,
              spanId: "eee19b7ec3c1b175",
              parentSpanId: "eee19b7ec3c1b174",
              name: "chat gpt-4o-mini",
              startTimeUnixNano: String(t0 + 100_000_000n),
              endTimeUnixNano: String(t0 + 1_600_000_000n),
              attributes: [
                { key: "gen_ai.system", value: s("openai") },
                { key: "gen_ai.operation.name", value: s("chat") },
                { key: "gen_ai.request.model", value: s("gpt-4o-mini") },
                { key: "gen_ai.response.model", value: s("gpt-4o-mini-2024-07-18") },
                { key: "gen_ai.request.temperature", value: { doubleValue: 0.2 } },
                { key: "gen_ai.usage.input_tokens", value: i(120) },
                { key: "gen_ai.usage.output_tokens", value: i(30) },
                { key: "gen_ai.prompt.0.role", value: s("user") },
                { key: "gen_ai.prompt.0.content", value: s("Where is my parcel?") },
                { key: "gen_ai.completion.0.role", value: s("assistant") },
                { key: "gen_ai.completion.0.content", value: s("It ships tomorrow.") },
              ],
              status: { code: 1 },
            },
            { traceId: "not-hex", spanId: "x", name: "broken" },
          ],
        },
      ],
    },
  ],
};

describe("POST /api/v1/otel/v1/traces (OTLP/HTTP JSON)", () => {
  it("stores GenAI spans as a trace with a generation, and reports the rejected span", async () => {
    const res = await handleV1(req("/api/v1/otel/v1/traces", { method: "POST", key, json: payload }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { partialSuccess?: { rejectedSpans: number; errorMessage: string } };
    expect(body.partialSuccess?.rejectedSpans).toBe(1);
    expect(body.partialSuccess?.errorMessage).toContain("span x: traceId must be 32 and spanId 16 hex characters");

    const trace = await d.db.query.traces.findFirst({ where: and(eq(schema.traces.projectId, projectId), eq(schema.traces.id, TRACE)) });
    expect(trace).toMatchObject({
      name: "agent.step",
      userId: "u-42",
      sessionId: "s-7",
      model: "gpt-4o-mini-2024-07-18",
      inputTokens: 120,
      outputTokens: 30,
      latencyMs: 2000,
      timestamp: new Date("2026-01-01T00:00:00Z"),
      metadata: { resource: { "service.name": "support-bot" } },
    });
    const obs = await d.db.select().from(schema.observations).where(eq(schema.observations.traceId, TRACE));
    const gen = obs.find((o) => o.type === "generation");
    expect(gen).toMatchObject({
      id: "eee19b7ec3c1b175",
      parentObservationId: "eee19b7ec3c1b174",
      provider: "openai",
      modelParameters: { temperature: 0.2 },
      input: [{ role: "user", content: "Where is my parcel?" }],
      output: [{ role: "assistant", content: "It ships tomorrow." }],
      latencyMs: 1500,
    });
    expect(obs.find((o) => o.type === "span")?.name).toBe("agent.step");
  });

  it("refuses a content type OTLP does not define (415), a bad shape (400) and a missing key (401)", async () => {
    const text = await handleV1(
      req("/api/v1/otel/v1/traces", { method: "POST", key, body: "{}", headers: { "content-type": "text/plain" } }),
    );
    expect(text.status).toBe(415);
    expect(((await text.json()) as { error: { message: string } }).error.message).toContain("not text/plain");
    const shape = await handleV1(req("/api/v1/otel/v1/traces", { method: "POST", key, json: { resourceSpans: {} } }));
    expect(shape.status).toBe(400);
    expect(((await shape.json()) as { error: { field?: string } }).error.field).toBe("resourceSpans");
    const nested = await handleV1(req("/api/v1/otel/v1/traces", { method: "POST", key, json: { resourceSpans: [{ scopeSpans: {} }] } }));
    expect(((await nested.json()) as { error: { message: string } }).error.message).toBe("resourceSpans[0].scopeSpans: expected an array");
    expect((await handleV1(req("/api/v1/otel/v1/traces", { method: "POST", json: payload }))).status).toBe(401);
  });
});
