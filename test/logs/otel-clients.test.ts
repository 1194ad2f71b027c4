import { AsyncLocalStorage } from "node:async_hooks";
import { deflateSync, gzipSync } from "node:zlib";
import { LangfuseSpanProcessor } from "@langfuse/otel";
import { propagateAttributes, setLangfuseTracerProvider, startObservation } from "@langfuse/tracing";
import { type Context, type ContextManager, context, DiagLogLevel, diag, ROOT_CONTEXT, SpanStatusCode, trace } from "@opentelemetry/api";
import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import { OTLPTraceExporter as JsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtoExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, type ReadableSpan, SimpleSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { sql } from "drizzle-orm";
import protobuf from "protobufjs/light.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { OTLP_TRACE_DESCRIPTOR } from "../../server/logs/otlp/trace-proto";
import { getTrace } from "../../server/logs/traces";
import { makeKey, makeProject } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";
import { type KeelServer, startKeel } from "../sdk/helpers";

/**
 * The real OpenTelemetry exporters (protobuf and JSON, gzip on and off) and Langfuse's own SDK
 * (`@langfuse/tracing` + `@langfuse/otel`) against a live Keel on node:http; what they sent is read
 * back from Keel's logs service.
 */
let d: TestDatabase;
let keel: KeelServer;
let projectId: string;
let key: string;
let viewerKey: string;
/** what each request to Keel carried, as the server saw it */
let seen: { path: string; type?: string; encoding?: string; auth?: string }[] = [];
const warnings: string[] = [];
const errors: string[] = [];

/** Context across awaits, as @opentelemetry/context-async-hooks gives it (not installed): Langfuse propagates trace attributes through it. */
class AsyncContext implements ContextManager {
  private als = new AsyncLocalStorage<Context>();
  active = () => this.als.getStore() ?? ROOT_CONTEXT;
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A) {
    return this.als.run(ctx, (): ReturnType<F> => Reflect.apply(fn, thisArg, args));
  }
  bind = <T>(_ctx: Context, target: T) => target;
  enable = () => this;
  disable = () => {
    this.als.disable();
    return this;
  };
}

beforeAll(async () => {
  d = await freshRuntimeDatabase();
  const p = await makeProject(d.db);
  projectId = p.project.id;
  key = (await makeKey(d.db, projectId, p.owner.user.id, "owner")).key;
  viewerKey = (await makeKey(d.db, projectId, p.owner.user.id, "viewer")).key;
  keel = await startKeel();
  keel.intercept = (req) => {
    const h = req.headers;
    seen.push({ path: req.url ?? "", type: h["content-type"], encoding: h["content-encoding"], auth: h.authorization });
    return false;
  };
  const log =
    (into: string[]) =>
    (message: string, ...args: unknown[]) =>
      void into.push([message, ...args.map(String)].join(" "));
  diag.setLogger({ error: log(errors), warn: log(warnings), info: () => {}, debug: () => {}, verbose: () => {} }, DiagLogLevel.WARN);
  context.setGlobalContextManager(new AsyncContext());
});
afterAll(async () => {
  context.disable();
  diag.disable();
  await keel.close();
  await d.drop();
});
beforeEach(() => {
  seen = [];
  warnings.length = 0;
  errors.length = 0;
});

/** The exporter, with each export's result kept: the exporter itself decides whether Keel's answer was a success. */
function recording(exporter: SpanExporter) {
  const results: ExportResult[] = [];
  const wrapped: SpanExporter = {
    export: (spans: ReadableSpan[], done: (r: ExportResult) => void) =>
      exporter.export(spans, (r) => {
        results.push(r);
        done(r);
      }),
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
  return { results, exporter: wrapped };
}

const T0 = Date.parse("2026-01-01T00:00:00.000Z");

/** An agent step with one chat call, as a GenAI instrumentation exports it: each span posted as it ends (two requests). */
async function agentStep(exporter: SpanExporter, label: string, genAttributes: Record<string, number | string> = {}) {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": `svc-${label}` }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer("opentelemetry.instrumentation.openai");
  const root = tracer.startSpan(`agent ${label}`, {
    startTime: T0,
    attributes: {
      "user.id": `u-${label}`,
      "session.id": `s-${label}`,
      "app.step": 3,
      "app.ratio": 0.5,
      "app.ok": true,
      "app.tags": ["a", "b"],
    },
  });
  const gen = tracer.startSpan(
    "chat gpt-4o-mini",
    {
      startTime: T0 + 100,
      attributes: {
        "gen_ai.system": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
        "gen_ai.request.temperature": 0.2,
        "gen_ai.usage.input_tokens": 120,
        "gen_ai.usage.output_tokens": 30,
        "gen_ai.prompt.0.role": "user",
        "gen_ai.prompt.0.content": `Where is parcel ${label}?`,
        "gen_ai.completion.0.role": "assistant",
        "gen_ai.completion.0.content": "It ships tomorrow.",
        ...genAttributes,
      },
    },
    trace.setSpan(context.active(), root),
  );
  gen.setStatus({ code: SpanStatusCode.ERROR, message: "rate limited, retried" });
  // one export at a time (see the Langfuse test on concurrent exports of one trace)
  gen.end(T0 + 1600);
  await provider.forceFlush();
  root.end(T0 + 2000);
  await provider.forceFlush();
  await provider.shutdown();
  return { traceId: root.spanContext().traceId, rootId: root.spanContext().spanId, genId: gen.spanContext().spanId };
}

/** The exporters type `compression` as their CompressionAlgorithm enum, whose values are these strings. */
type Compression = NonNullable<NonNullable<ConstructorParameters<typeof ProtoExporter>[0]>["compression"]>;
const compressionOf = (c: "gzip" | "none") => c as Compression;

const tracesUrl = () => `${keel.url}/api/v1/otel/v1/traces`;

describe("the OpenTelemetry OTLP/HTTP exporters", () => {
  it.each([
    ["protobuf", "gzip"],
    ["protobuf", "none"],
    ["json", "gzip"],
    ["json", "none"],
  ] as const)("%s with compression %s: spans land as a trace and observations", async (encoding, compression) => {
    const label = `${encoding}-${compression}`;
    const config = { url: tracesUrl(), headers: { Authorization: `Bearer ${key}` }, compression: compressionOf(compression) };
    const rec = recording(encoding === "protobuf" ? new ProtoExporter(config) : new JsonExporter(config));
    const { traceId, rootId, genId } = await agentStep(rec.exporter, label);

    expect(rec.results.map((r) => r.code)).toEqual([ExportResultCode.SUCCESS, ExportResultCode.SUCCESS]);
    expect(errors).toEqual([]);
    expect(seen).toHaveLength(2);
    for (const s of seen) {
      expect(s.type).toBe(encoding === "protobuf" ? "application/x-protobuf" : "application/json");
      expect(s.encoding).toBe(compression === "gzip" ? "gzip" : undefined);
    }

    const { trace: t, observations } = await getTrace(d.db, projectId, traceId);
    expect(t).toMatchObject({
      name: `agent ${label}`,
      userId: `u-${label}`,
      sessionId: `s-${label}`,
      timestamp: new Date(T0),
      latencyMs: 2000,
      model: "gpt-4o-mini-2024-07-18",
      inputTokens: 120,
      outputTokens: 30,
      status: "error",
      input: [{ role: "user", content: `Where is parcel ${label}?` }],
      output: [{ role: "assistant", content: "It ships tomorrow." }],
    });
    expect((t.metadata as { resource: Record<string, unknown> }).resource["service.name"]).toBe(`svc-${label}`);
    const root = observations.find((o) => o.id === rootId);
    const gen = observations.find((o) => o.id === genId);
    expect(root).toMatchObject({
      type: "span",
      parentObservationId: null,
      startTime: new Date(T0),
      endTime: new Date(T0 + 2000),
      status: "ok",
      // attribute kinds survive both encodings; user and session went to the trace
      metadata: { "app.step": 3, "app.ratio": 0.5, "app.ok": true, "app.tags": ["a", "b"] },
    });
    expect(gen).toMatchObject({
      type: "generation",
      name: "chat gpt-4o-mini",
      parentObservationId: rootId,
      startTime: new Date(T0 + 100),
      endTime: new Date(T0 + 1600),
      latencyMs: 1500,
      provider: "openai",
      model: "gpt-4o-mini-2024-07-18",
      modelParameters: { temperature: 0.2 },
      inputTokens: 120,
      outputTokens: 30,
      status: "error",
      statusMessage: "rate limited, retried",
    });
  });

  it("answers protobuf with a protobuf partial_success naming the refused span, which the exporter reads", async () => {
    const rec = recording(
      new ProtoExporter({ url: tracesUrl(), headers: { Authorization: `Bearer ${key}` }, compression: compressionOf("gzip") }),
    );
    const { traceId, rootId, genId } = await agentStep(rec.exporter, "partial", { "gen_ai.usage.input_tokens": -5 });
    expect(rec.results.map((r) => r.code)).toEqual([ExportResultCode.SUCCESS, ExportResultCode.SUCCESS]);
    const partial = warnings.find((w) => w.startsWith("Received Partial Success response:"));
    expect(partial).toBeDefined();
    const body = JSON.parse((partial as string).slice("Received Partial Success response: ".length)) as {
      rejectedSpans: number;
      errorMessage: string;
    };
    expect(body.rejectedSpans).toBe(1);
    expect(body.errorMessage).toContain(`observation ${genId}: body.usage.input`);
    const { observations } = await getTrace(d.db, projectId, traceId);
    expect(observations.map((o) => o.id)).toEqual([rootId]);
  });
});

/** OTLP protobuf built by hand from the same message definitions, for what an SDK's attributes cannot carry (kvlists, bytes, int64 past 2^53). */
const otlp = protobuf.Root.fromJSON(OTLP_TRACE_DESCRIPTOR);
const RequestType = otlp.lookupType("opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest");
const ResponseType = otlp.lookupType("opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse");

describe("OTLP protobuf values", () => {
  it("keeps int64 values and nanosecond times exact, and maps kvlists, arrays and bytes", async () => {
    const traceId = "0af7651916cd43dd8448eb211c80319c";
    const spanId = "b7ad6b7169203331";
    const message = RequestType.fromObject({
      resourceSpans: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: "by-hand" } }] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: Buffer.from(traceId, "hex"),
                  spanId: Buffer.from(spanId, "hex"),
                  name: "lookup",
                  startTimeUnixNano: "1767225600123456789",
                  endTimeUnixNano: "1767225601987654321",
                  attributes: [
                    { key: "big", value: { intValue: "9007199254740993" } },
                    { key: "negative", value: { intValue: "-42" } },
                    { key: "blob", value: { bytesValue: Buffer.from("hi") } },
                    {
                      key: "nested",
                      value: {
                        kvlistValue: {
                          values: [
                            {
                              key: "k",
                              value: { arrayValue: { values: [{ stringValue: "x" }, { doubleValue: 1.5 }, { boolValue: false }] } },
                            },
                          ],
                        },
                      },
                    },
                  ],
                },
              ],
            },
          ],
        },
      ],
    });
    const res = await fetch(tracesUrl(), {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/x-protobuf", "content-encoding": "deflate" },
      body: deflateSync(RequestType.encode(message).finish()),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-protobuf");
    expect(ResponseType.toObject(ResponseType.decode(new Uint8Array(await res.arrayBuffer())))).toEqual({});
    const { trace: t, observations } = await getTrace(d.db, projectId, traceId);
    expect(t.timestamp).toEqual(new Date("2026-01-01T00:00:00.123Z"));
    expect(observations[0]).toMatchObject({
      id: spanId,
      parentObservationId: null,
      endTime: new Date("2026-01-01T00:00:01.987Z"),
      metadata: { big: "9007199254740993", negative: -42, blob: Buffer.from("hi").toString("base64"), nested: { k: ["x", 1.5, false] } },
    });
  });
});

/** Row counts of the logs tables: a refused request writes nothing. */
async function logRows() {
  const [row] = await d.db.execute<{ traces: number; observations: number }>(
    sql`SELECT (SELECT count(*)::int FROM traces) AS traces, (SELECT count(*)::int FROM observations) AS observations`,
  );
  return row;
}

const spanJson = (traceId: string) =>
  JSON.stringify({
    resourceSpans: [
      { scopeSpans: [{ spans: [{ traceId, spanId: "00f067aa0ba902b7", name: "s", startTimeUnixNano: "1767225600000000000" }] }] },
    ],
  });

describe("bad input: a clear refusal, and nothing written", () => {
  const post = (headers: Record<string, string>, body: BodyInit, path = "/api/v1/otel/v1/traces") =>
    fetch(`${keel.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${key}`, ...headers }, body });
  const message = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

  it("a content type OTLP does not define: 415 naming it", async () => {
    const before = await logRows();
    const res = await post({ "content-type": "text/plain" }, spanJson("1".repeat(32)));
    expect(res.status).toBe(415);
    expect((await message(res)).message).toBe("Send OTLP/HTTP as application/x-protobuf or application/json, not text/plain");
    expect(await logRows()).toEqual(before);
  });

  it("an unknown content encoding: 415 naming it", async () => {
    const before = await logRows();
    const res = await post({ "content-type": "application/json", "content-encoding": "br" }, spanJson("2".repeat(32)));
    expect(res.status).toBe(415);
    expect((await message(res)).message).toContain("Content-Encoding br is not supported");
    expect(await logRows()).toEqual(before);
  });

  it("corrupt protobuf, and a gzip header on a body that is not gzip: 400", async () => {
    const before = await logRows();
    // a length prefix running past the end, then bytes of no valid wire type
    for (const body of [Buffer.from([0x0a, 0xff, 0xff, 0x03, 0x01]), Buffer.from([0xff, 0xff, 0xff, 0xff])]) {
      const res = await post({ "content-type": "application/x-protobuf" }, body);
      expect(res.status).toBe(400);
      expect((await message(res)).message).toMatch(/^Malformed OTLP protobuf body \(ExportTraceServiceRequest\): /);
    }
    const res = await post({ "content-type": "application/json", "content-encoding": "gzip" }, spanJson("3".repeat(32)));
    expect(res.status).toBe(400);
    expect((await message(res)).message).toMatch(/^Malformed gzip body: /);
    expect(await logRows()).toEqual(before);
  });

  it("a gzip bomb (1 MB inflating to 1 GiB): 413 once 5 MB are inflated", async () => {
    const before = await logRows();
    // gzip members concatenated are one gzip stream (RFC 1952): 128 members of 8 MiB of zeros
    const member = gzipSync(Buffer.alloc(8 * 1024 * 1024));
    const bomb = Buffer.concat(Array.from({ length: 128 }, () => member));
    for (const type of ["application/json", "application/x-protobuf"]) {
      const started = process.memoryUsage().rss;
      const res = await post({ "content-type": type, "content-encoding": "gzip" }, bomb);
      expect(res.status).toBe(413);
      expect((await message(res)).message).toBe("Request body exceeds 5242880 bytes once decompressed");
      expect(process.memoryUsage().rss - started).toBeLessThan(256 * 1024 * 1024);
    }
    expect(await logRows()).toEqual(before);
  });

  it("Langfuse's path: Basic auth without a Keel secret key is a 401; a viewer's key a 403", async () => {
    const before = await logRows();
    const path = "/api/public/otel/v1/traces";
    const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;
    const cases: [Record<string, string>, number, string][] = [
      [{}, 401, "Send Authorization: Basic base64(publicKey:secretKey)"],
      [{ authorization: basic("pk-lf-1", "sk-lf-1") }, 401, "is not a Keel secret key"],
      [{ authorization: `Basic ${Buffer.from("no-colon").toString("base64")}` }, 401, "is not base64 of publicKey:secretKey"],
      [{ authorization: basic("pk-lf-1", `sk_${"x".repeat(40)}`) }, 401, "is not a valid Keel secret key"],
      [{ authorization: basic("pk-lf-1", viewerKey) }, 403, "engineer role"],
    ];
    for (const [headers, status, text] of cases) {
      const res = await fetch(`${keel.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: spanJson("4".repeat(32)),
      });
      expect(res.status, JSON.stringify(headers)).toBe(status);
      expect((await message(res)).message).toContain(text);
    }
    expect(await logRows()).toEqual(before);
  });
});

describe("Langfuse's SDK (@langfuse/tracing + @langfuse/otel's LangfuseSpanProcessor)", () => {
  it("lands generations, spans and events in Keel's columns, with the trace's name, user, session, tags, release", async () => {
    const processor = new LangfuseSpanProcessor({
      baseUrl: keel.url,
      publicKey: "pk-lf-anything",
      secretKey: key,
      exportMode: "immediate",
      mediaUploadEnabled: false,
      environment: "staging",
      release: "v1.2.3",
    });
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    setLangfuseTracerProvider(provider);
    const completionStart = new Date(Date.now() + 300);
    // each span is posted as it ends ("immediate"); waiting for each post keeps them in order: two
    // concurrent requests for one trace can each miss the other's observations in the trace's rollups
    const posted = () => processor.forceFlush();
    const ids = await propagateAttributes(
      {
        traceName: "support-chat",
        userId: "u-lf",
        sessionId: "s-lf",
        tags: ["prod", "faq"],
        metadata: { feature: "parcel" },
        version: "7",
      },
      async () => {
        const root = startObservation("handle-request", { input: { question: "Where is my parcel?" }, metadata: { step: "route" } });
        const gen = root.startObservation(
          "llm-call",
          {
            model: "gpt-4o-mini",
            modelParameters: { temperature: 0.2, max_tokens: 100 },
            input: [{ role: "user", content: "Where is my parcel?" }],
          },
          { asType: "generation" },
        );
        gen.update({
          output: { role: "assistant", content: "It ships tomorrow." },
          usageDetails: { input: 120, output: 30, total: 150 },
          costDetails: { input: 0.0012, output: 0.0006, total: 0.0018 },
          completionStartTime: completionStart,
        });
        gen.end();
        await posted();
        const event = root.startObservation("cache-miss", { level: "WARNING", statusMessage: "cold cache" }, { asType: "event" });
        await posted();
        const tool = root.startObservation("carrier-lookup", { input: { parcel: "P-1" } }, { asType: "tool" });
        tool.update({ level: "ERROR", statusMessage: "carrier API down" }).end();
        await posted();
        root.update({ output: { answer: "It ships tomorrow." } }).end();
        return { traceId: root.traceId, root: root.id, gen: gen.id, event: event.id, tool: tool.id };
      },
    );
    await posted();
    await provider.shutdown();

    expect(errors).toEqual([]);
    expect(seen).toHaveLength(4);
    for (const s of seen) {
      expect(s.path).toBe("/api/public/otel/v1/traces");
      expect(s.auth).toBe(`Basic ${Buffer.from(`pk-lf-anything:${key}`).toString("base64")}`);
    }

    const { trace: t, observations } = await getTrace(d.db, projectId, ids.traceId);
    expect(t).toMatchObject({
      name: "support-chat",
      userId: "u-lf",
      sessionId: "s-lf",
      tags: ["prod", "faq"],
      release: "v1.2.3",
      input: { question: "Where is my parcel?" },
      output: { answer: "It ships tomorrow." },
      model: "gpt-4o-mini",
      inputTokens: 120,
      outputTokens: 30,
      cost: 0.0018,
      status: "error",
    });
    expect(t.metadata).toMatchObject({ feature: "parcel", environment: "staging", version: "7" });
    const byId = new Map(observations.map((o) => [o.id, o]));
    expect(byId.get(ids.gen)).toMatchObject({
      type: "generation",
      name: "llm-call",
      parentObservationId: ids.root,
      model: "gpt-4o-mini",
      modelParameters: { temperature: 0.2, max_tokens: 100 },
      input: [{ role: "user", content: "Where is my parcel?" }],
      output: { role: "assistant", content: "It ships tomorrow." },
      inputTokens: 120,
      outputTokens: 30,
      cost: 0.0018,
      completionStartTime: completionStart,
      status: "ok",
    });
    expect(byId.get(ids.root)).toMatchObject({
      type: "span",
      name: "handle-request",
      parentObservationId: null,
      input: { question: "Where is my parcel?" },
      output: { answer: "It ships tomorrow." },
      metadata: { step: "route" },
    });
    expect(byId.get(ids.event)).toMatchObject({ type: "event", statusMessage: "cold cache", status: "ok", metadata: { level: "WARNING" } });
    expect(byId.get(ids.tool)).toMatchObject({
      type: "span",
      input: { parcel: "P-1" },
      status: "error",
      statusMessage: "carrier API down",
      metadata: { observationType: "tool" },
    });
    // every langfuse.* attribute was mapped, none copied into metadata
    for (const o of observations)
      expect(Object.keys((o.metadata as object | null) ?? {}).filter((k) => k.includes("langfuse"))).toEqual([]);
    expect(Object.keys(t.metadata as object).filter((k) => k.includes("langfuse"))).toEqual([]);
  });
});
