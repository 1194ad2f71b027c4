import { Readable } from "node:stream";
import { schema } from "../../db/client";
import { artifactStore } from "../core/artifacts";
import { DomainError } from "../core/errors";
import { parseJsonStrict } from "../core/json-guard";
import { ingestBatch, MAX_BATCH_BYTES } from "../logs";
import { mlflowShapes } from "../registry";
import { describeError } from "../trpc/errors";
import type { Context } from "../trpc/init";
import { createCaller } from "../trpc/root";
import type { ProjectContext } from "./entry";
import type { MlflowContext, MlflowRoute } from "./mlflow-core";
import { quoteNonFinite } from "./mlflow-json";
import { experimentOf } from "./mlflow-logged-models";
import { readBodyBytes } from "./request";

/**
 * MLflow 3's trace API (`/api/3.0/mlflow/traces...`) on Keel's traces. A client logs a trace in two
 * steps: `POST /traces` with its TraceInfoV3 (Keel stores a trace under the client's trace id, and
 * one span observation covering it), then an upload of `traces.json` (its spans) to the trace's
 * artifact location through the artifact proxy, which becomes the trace's observations. MLflow's
 * own fields (experiment, state, tags, metadata) are kept in the trace's metadata under `mlflow`,
 * and the trace carries the tag `mlflow-experiment:<id>`, which search filters on.
 */

const { str, maxResults } = mlflowShapes;

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined => (v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : undefined);
const stringMap = (v: unknown, field: string): Record<string, string> => {
  const o = v === undefined || v === null ? {} : obj(v);
  if (!o) throw new DomainError("BAD_REQUEST", `'${field}' must be an object of strings`, field);
  for (const [k, x] of Object.entries(o))
    if (typeof x !== "string") throw new DomainError("BAD_REQUEST", `'${field}.${k}' must be a string`, `${field}.${k}`);
  return o as Record<string, string>;
};

export const experimentTag = (experimentId: string) => `mlflow-experiment:${experimentId}`;
export const traceLocation = (experimentId: string, traceId: string) => `mlflow-artifacts:/${experimentId}/traces/${traceId}/artifacts`;
const TRACE_DATA = "traces.json";

/** What Keel keeps of an MLflow trace, in the trace's metadata under `mlflow`. */
interface MlflowTraceMeta {
  experiment_id: string;
  client_request_id?: string;
  state: string;
  trace_metadata: Record<string, string>;
  tags: Record<string, string>;
  /** the uploaded traces.json, content-addressed */
  trace_data?: { sha256: string; size: number };
}

/** A procedure through the caller's own tRPC context (its checks), errors as DomainErrors for MLflow's shape. */
async function viaProcedure<T>(trpc: Context, call: (caller: ReturnType<typeof createCaller>) => Promise<T>): Promise<T> {
  try {
    return await call(createCaller(trpc));
  } catch (err) {
    const { status, body } = describeError(err);
    if (status === 404) throw new DomainError("NOT_FOUND", body.message, body.field);
    if (status === 400) throw new DomainError("BAD_REQUEST", body.message, body.field);
    throw err;
  }
}

/** `"1.5s"` (protobuf's Duration in JSON) to milliseconds. */
function durationMs(v: unknown): number | null {
  if (v === undefined || v === null || v === "") return null;
  const m = typeof v === "string" ? v.match(/^(\d+(?:\.\d+)?)s$/) : null;
  if (!m)
    throw new DomainError(
      "BAD_REQUEST",
      `Invalid execution_duration ${JSON.stringify(v)}: expected a Duration such as "1.5s"`,
      "execution_duration",
    );
  return Math.round(Number(m[1]) * 1000);
}

function timeOf(v: unknown, field: string): Date {
  const d = typeof v === "string" ? new Date(v) : typeof v === "number" ? new Date(v) : null;
  if (!d || Number.isNaN(d.getTime()))
    throw new DomainError("BAD_REQUEST", `Invalid ${field} ${JSON.stringify(v)}: expected an RFC 3339 time`, field);
  return d;
}

/** A preview as the JSON it usually is (a request's inputs), else the text. */
const previewValue = (s: unknown) => {
  if (typeof s !== "string" || !s) return undefined;
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return s;
  }
};

/** Store events through logs ingest; any refused event refuses the request, naming it. */
async function ingest(c: { db: MlflowContext["db"]; project: { id: string } }, events: unknown[]): Promise<void> {
  for (let i = 0; i < events.length; i += 500) {
    const results = await ingestBatch(c.db, c.project.id, events.slice(i, i + 500), { source: "api" });
    const bad = results.find((r) => r.status !== 201);
    if (bad) throw new DomainError("BAD_REQUEST", `trace ${bad.id ?? ""}: ${bad.error ?? "refused"}`);
  }
}

const ROOT = (traceId: string) => `${traceId}/trace`;

/** StartTraceV3: `{trace: {trace_info}}` stored as a Keel trace; answers the info with its artifact location tag. */
async function startTrace(c: MlflowContext) {
  const info = obj(obj(c.params.trace)?.trace_info);
  if (!info) throw new DomainError("BAD_REQUEST", "Missing value for required parameter 'trace.trace_info'.", "trace.trace_info");
  const traceId = str(info, "trace_id", true);
  const location = obj(info.trace_location);
  const expId = str(obj(location?.mlflow_experiment) ?? {}, "experiment_id");
  if (!expId)
    throw new DomainError(
      "BAD_REQUEST",
      "Missing value for required parameter 'trace_info.trace_location.mlflow_experiment.experiment_id'.",
      "trace_location",
    );
  const experiment = await experimentOf(c, expId);
  const start = info.request_time === undefined ? new Date() : timeOf(info.request_time, "request_time");
  const duration = durationMs(info.execution_duration);
  const state = str(info, "state") ?? "OK";
  if (!["OK", "ERROR", "IN_PROGRESS", "STATE_UNSPECIFIED"].includes(state))
    throw new DomainError("BAD_REQUEST", `Invalid state ${JSON.stringify(state)}: use OK, ERROR or IN_PROGRESS`, "state");
  const metadata = stringMap(info.trace_metadata, "trace_metadata");
  const tags: Record<string, string> = {
    ...stringMap(info.tags, "tags"),
    "mlflow.artifactLocation": traceLocation(experiment.id, traceId),
  };
  const meta: MlflowTraceMeta = { experiment_id: experiment.id, state, trace_metadata: metadata, tags };
  const clientRequestId = str(info, "client_request_id");
  if (clientRequestId) meta.client_request_id = clientRequestId;
  const name = tags["mlflow.traceName"];
  await ingest(c, [
    {
      type: "trace",
      id: traceId,
      body: {
        timestamp: start.toISOString(),
        name,
        userId: metadata["mlflow.trace.user"],
        sessionId: metadata["mlflow.trace.session"],
        tags: [experimentTag(experiment.id)],
        metadata: { mlflow: meta },
        input: previewValue(info.request_preview),
        output: previewValue(info.response_preview),
      },
    },
    {
      type: "observation",
      id: ROOT(traceId),
      body: {
        traceId,
        type: "span",
        name: name ?? "mlflow trace",
        startTime: start.toISOString(),
        endTime: duration === null ? undefined : new Date(start.getTime() + duration).toISOString(),
        status: state === "ERROR" ? "error" : "ok",
      },
    },
  ]);
  return {
    trace: {
      trace_info: { ...info, trace_location: { type: "MLFLOW_EXPERIMENT", mlflow_experiment: { experiment_id: experiment.id } }, tags },
    },
  };
}

type KeelTrace = Awaited<ReturnType<ReturnType<typeof createCaller>["logs"]["traces"]["get"]>>["trace"];
const mlflowMetaOf = (t: { metadata: unknown }) => obj(obj(t.metadata)?.mlflow) as MlflowTraceMeta | undefined;
const preview = (v: unknown) => (v === null || v === undefined ? "" : typeof v === "string" ? v : JSON.stringify(v)).slice(0, 1000);

/** A Keel trace as MLflow's TraceInfoV3 (traces Keel logged itself have no experiment). */
function toTraceInfo(t: Pick<KeelTrace, "id" | "timestamp" | "input" | "output" | "latencyMs" | "status" | "metadata">) {
  const m = mlflowMetaOf(t);
  return {
    trace_id: t.id,
    ...(m?.client_request_id ? { client_request_id: m.client_request_id } : {}),
    ...(m ? { trace_location: { type: "MLFLOW_EXPERIMENT", mlflow_experiment: { experiment_id: m.experiment_id } } } : {}),
    request_preview: preview(t.input),
    response_preview: preview(t.output),
    request_time: new Date(t.timestamp).toISOString(),
    ...(t.latencyMs !== null ? { execution_duration: `${t.latencyMs / 1000}s` } : {}),
    state: m?.state ?? (t.status === "error" ? "ERROR" : "OK"),
    trace_metadata: m?.trace_metadata ?? {},
    tags: m?.tags ?? {},
    assessments: [],
  };
}

async function getKeelTrace(trpc: Context, projectId: string, traceId: string) {
  return viaProcedure(trpc, (caller) => caller.logs.traces.get({ projectId, traceId }));
}

const TIME_KEYS = new Set(["timestamp_ms", "timestamp", "request_time"]);

/** MLflow's trace filter, the part Keel's trace filter can answer: status and request time. */
function traceFilterOf(input: string | undefined): { status?: "ok" | "error"; from?: Date; to?: Date } {
  const out: { status?: "ok" | "error"; from?: Date; to?: Date } = {};
  if (!input?.trim()) return out;
  for (const part of input.split(/\s+AND\s+/i)) {
    const m = part.trim().match(/^(?:(?:trace|attributes?)\.)?(\w+)\s*(=|>=|<=|>|<)\s*(?:'([^']*)'|"([^"]*)"|(\d+))$/i);
    const key = m?.[1]?.toLowerCase() ?? "";
    const op = m?.[2];
    const value = m?.[3] ?? m?.[4] ?? m?.[5];
    if (m && (key === "status" || key === "state") && op === "=" && /^(OK|ERROR)$/i.test(value ?? ""))
      out.status = (value as string).toUpperCase() === "ERROR" ? "error" : "ok";
    else if (m && TIME_KEYS.has(key) && m[5] !== undefined && op !== "=") {
      const ms = Number(m[5]);
      if (op === ">" || op === ">=") out.from = new Date(op === ">" ? ms + 1 : ms);
      else out.to = new Date(op === "<=" ? ms + 1 : ms);
    } else
      throw new DomainError(
        "BAD_REQUEST",
        `Unsupported trace filter ${JSON.stringify(part.trim())}: Keel answers trace.status = 'OK'|'ERROR' and trace.timestamp_ms > / >= / < / <= <epoch ms>, joined by AND`,
        "filter",
      );
  }
  return out;
}

async function searchTraces(c: MlflowContext) {
  const locations = Array.isArray(c.params.locations) ? c.params.locations : [];
  const ids = locations.map((l) => str(obj(obj(l)?.mlflow_experiment) ?? {}, "experiment_id")).filter((x): x is string => !!x);
  const legacy = Array.isArray(c.params.experiment_ids) ? c.params.experiment_ids.map(String) : [];
  const all = [...ids, ...legacy];
  if (all.length !== 1)
    throw new DomainError("BAD_REQUEST", `Search one experiment at a time (got ${all.length} in 'locations')`, "locations");
  const experiment = await experimentOf(c, all[0] as string);
  const order = Array.isArray(c.params.order_by) ? c.params.order_by : [];
  if (order.some((o) => typeof o !== "string" || !/^(trace\.)?(timestamp_ms|timestamp|request_time)\s+DESC$/i.test(o.trim())))
    throw new DomainError("BAD_REQUEST", "Keel orders traces newest first only: order_by ['timestamp_ms DESC']", "order_by");
  const limit = maxResults(c.params, 100, 100);
  const page = await viaProcedure(c.trpc, (caller) =>
    caller.logs.traces.list({
      projectId: c.project.id,
      filter: { ...traceFilterOf(str(c.params, "filter")), tags: [experimentTag(experiment.id)] },
      cursor: str(c.params, "page_token"),
      limit,
    }),
  );
  // the list's rows hold no metadata: each trace's info is read whole (a page is at most 100)
  const full = await Promise.all(page.items.map((row) => getKeelTrace(c.trpc, c.project.id, row.id)));
  return { traces: full.map((d) => toTraceInfo(d.trace)), ...(page.nextCursor ? { next_page_token: page.nextCursor } : {}) };
}

/** The trace API under /api/3.0/mlflow (the MLflow 3 client falls back to 2.0 paths only on ENDPOINT_NOT_FOUND). */
export const MLFLOW_TRACE_ROUTES: MlflowRoute[] = [
  { prefix: "/api/3.0/mlflow", method: "POST", path: "/traces", write: true, handle: startTrace },
  {
    prefix: "/api/3.0/mlflow",
    method: "POST",
    path: "/traces/search",
    handle: searchTraces,
  },
  {
    prefix: "/api/3.0/mlflow",
    method: "GET",
    path: "/traces/:trace_id",
    handle: async (c) => {
      const d = await getKeelTrace(c.trpc, c.project.id, str(c.params, "trace_id", true));
      return { trace: { trace_info: toTraceInfo(d.trace) } };
    },
  },
];

// ---------------------------------------------------------------- traces.json through the artifact proxy

type Span = Json & { span_id?: unknown; parent_span_id?: unknown; name?: unknown; attributes?: unknown; status?: unknown };
const GENERATION_TYPES = new Set(["LLM", "CHAT_MODEL"]);
/** Span attributes are JSON text (MLflow dumps each value); read back, or kept as text. */
const attrValue = (v: unknown) => (typeof v === "string" ? previewValue(v) : v);
const nsToIso = (v: unknown) => {
  const n = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? new Date(Math.floor(n / 1e6)).toISOString() : undefined;
};

/** One MLflow span (span dict v3/v4, as `Span.to_dict` writes it) as a Keel observation event. */
function spanEvent(traceId: string, span: Span, i: number) {
  const id = typeof span.span_id === "string" && span.span_id ? span.span_id : null;
  if (!id) throw new DomainError("BAD_REQUEST", `spans[${i}].span_id: missing`, `spans.${i}.span_id`);
  const attrs = Object.fromEntries(Object.entries(obj(span.attributes) ?? {}).map(([k, v]) => [k, attrValue(v)]));
  const {
    "mlflow.spanInputs": input,
    "mlflow.spanOutputs": output,
    "mlflow.spanType": type,
    "mlflow.chat.tokenUsage": usage,
    ...rest
  } = attrs;
  const status = obj(span.status);
  const tokens = obj(usage);
  const parent = typeof span.parent_span_id === "string" && span.parent_span_id ? `${traceId}/${span.parent_span_id}` : ROOT(traceId);
  const model = attrs["mlflow.llm.model"] ?? attrs["gen_ai.request.model"];
  return {
    type: "observation",
    id: `${traceId}/${id}`,
    body: {
      traceId,
      parentObservationId: parent,
      type: GENERATION_TYPES.has(String(type)) ? "generation" : "span",
      name: typeof span.name === "string" ? span.name.slice(0, 500) : undefined,
      startTime: nsToIso(span.start_time_unix_nano),
      endTime: nsToIso(span.end_time_unix_nano),
      input,
      output,
      model: typeof model === "string" ? model.slice(0, 200) : undefined,
      usage: tokens
        ? {
            input: Number.isInteger(tokens.input_tokens) ? tokens.input_tokens : undefined,
            output: Number.isInteger(tokens.output_tokens) ? tokens.output_tokens : undefined,
          }
        : undefined,
      status: /ERROR/i.test(String(status?.code ?? "")) ? "error" : "ok",
      statusMessage: typeof status?.message === "string" && status.message ? status.message.slice(0, 5000) : undefined,
      metadata: { ...rest, ...(type ? { "mlflow.spanType": type } : {}) },
    },
  };
}

/** The trace of an artifact location, this project's and this experiment's (else a 404). */
async function mlflowTrace(c: ProjectContext, experimentId: string, traceId: string) {
  const d = await getKeelTrace(c.trpc, c.project.id, traceId);
  const meta = mlflowMetaOf(d.trace);
  if (!meta || meta.experiment_id !== experimentId) throw new DomainError("NOT_FOUND", `trace ${traceId} not found`, "path");
  return { trace: d.trace, meta };
}

const onlyTraceData = (path: string) => {
  if (path !== TRACE_DATA)
    throw new DomainError("BAD_REQUEST", `A trace's artifact location holds ${TRACE_DATA} only (got ${JSON.stringify(path)})`, "path");
};

/**
 * `PUT <exp>/traces/<trace_id>/artifacts/traces.json`: the spans become the trace's observations
 * (under its root span), and the file is kept (content-addressed) to be served back as sent.
 */
export async function putTraceData(c: ProjectContext, req: Request, experimentId: string, traceId: string, path: string): Promise<void> {
  onlyTraceData(path);
  const { trace, meta } = await mlflowTrace(c, experimentId, traceId);
  const bytes = await readBodyBytes(req, MAX_BATCH_BYTES);
  const parsed = obj(parseJsonStrict(quoteNonFinite(Buffer.from(bytes).toString("utf8")), { what: TRACE_DATA }));
  const spans = parsed?.spans;
  if (!Array.isArray(spans)) throw new DomainError("BAD_REQUEST", `${TRACE_DATA} must be an object with a 'spans' list`, "spans");
  const events = spans.map((s, i) => spanEvent(traceId, (obj(s) ?? {}) as Span, i));
  const store = artifactStore();
  const staged = await store.stage(Readable.from([bytes]));
  await store.commit(staged);
  await c.db.insert(schema.artifactBlobs).values({ sha256: staged.sha256, size: staged.size }).onConflictDoNothing();
  const trace_data = { sha256: staged.sha256, size: staged.size };
  await ingest(c, [
    { type: "trace", id: trace.id, body: { metadata: { ...obj(trace.metadata), mlflow: { ...meta, trace_data } } } },
    ...events,
  ]);
}

/** The kept traces.json (404 until one was uploaded), or the listing of the location. */
export async function traceDataFile(
  c: ProjectContext,
  experimentId: string,
  traceId: string,
): Promise<{ path: string; size: number; sha256: string }[]> {
  const { meta } = await mlflowTrace(c, experimentId, traceId);
  return meta.trace_data ? [{ path: TRACE_DATA, ...meta.trace_data }] : [];
}
