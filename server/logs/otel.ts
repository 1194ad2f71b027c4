import { DomainError } from "../core/errors";
import { isLangfuseKey, type LangfuseTrace, langfuseObservation, langfuseTrace } from "./compat/langfuse/otel-attributes";
import { compact, json, num, str } from "./otlp/values";

/**
 * OTLP traces (JSON, or protobuf decoded to the same shape by otlp/protobuf.ts) -> Keel ingest
 * events, following the OpenTelemetry GenAI semantic conventions and Langfuse's `langfuse.*`
 * attributes (compat/langfuse): spans with `gen_ai.*` attributes, or Langfuse generations, become
 * generations (model, provider, tokens, cost, prompt and completion), other spans become spans or
 * events; each OTel trace becomes a Keel trace whose id is the OTel trace id (hex). Trace fields
 * (name, user, session, tags...) come from the root span first, else from any span that carries them
 * (Langfuse propagates them onto every span; a trace's spans may arrive in several requests).
 */

type AnyValue = {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
  /** base64, in JSON and as protobuf bytes are decoded */
  bytesValue?: string;
};
type KeyValue = { key: string; value?: AnyValue };
interface OtlpSpan {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name?: string;
  startTimeUnixNano?: string | number;
  endTimeUnixNano?: string | number;
  attributes?: KeyValue[];
  events?: { name?: string; timeUnixNano?: string | number; attributes?: KeyValue[] }[];
  status?: { code?: number | string; message?: string };
}
export interface OtlpTraces {
  resourceSpans?: { resource?: { attributes?: KeyValue[] }; scopeSpans?: { spans?: OtlpSpan[] }[] }[];
}

/** An int64 as a number while it is exact, else its decimal text (a 2^63 id must not become 9223372036854776000). */
const int = (v: string | number) => (Number.isSafeInteger(Number(v)) ? Number(v) : String(v));

export function anyValue(v: AnyValue | undefined): unknown {
  if (!v) return null;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return int(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(anyValue);
  if (v.kvlistValue) return attrs(v.kvlistValue.values);
  if (v.bytesValue !== undefined) return v.bytesValue;
  return null;
}

export function attrs(kv: KeyValue[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of kv ?? []) out[key] = anyValue(value);
  return out;
}

/** A list the payload must hold as an array: a 400 naming where it is not, before anything is written. */
function list<T>(v: T[] | undefined, path: string): T[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new DomainError("BAD_REQUEST", `${path}: expected an array`, path);
  return v;
}

const nanosToIso = (n: string | number | undefined) =>
  n === undefined || n === "" || Number(n) === 0 ? undefined : new Date(Number(BigInt(n) / 1_000_000n)).toISOString();

/** `gen_ai.prompt.0.role`, `gen_ai.prompt.0.content`, ... -> [{ role, content }, ...] */
function indexedMessages(a: Record<string, unknown>, prefix: string): { role?: unknown; content?: unknown }[] | undefined {
  const msgs: Record<number, Record<string, unknown>> = {};
  for (const [k, v] of Object.entries(a)) {
    const m = k.match(new RegExp(`^${prefix.replace(/\./g, "\\.")}\\.(\\d+)\\.(\\w+)$`));
    if (!m) continue;
    const i = Number(m[1]);
    msgs[i] ??= {};
    (msgs[i] as Record<string, unknown>)[m[2] as string] = v;
  }
  const list = Object.keys(msgs)
    .map(Number)
    .sort((x, y) => x - y)
    .map((i) => msgs[i] as Record<string, unknown>);
  return list.length ? list : undefined;
}

/** Messages carried as span events (`gen_ai.user.message`, `gen_ai.choice`, ...). */
function eventMessages(span: OtlpSpan): { input: unknown[]; output: unknown[] } {
  const input: unknown[] = [];
  const output: unknown[] = [];
  for (const e of span.events ?? []) {
    const a = attrs(e.attributes);
    const m = e.name?.match(/^gen_ai\.(system|user|assistant|tool)\.message$/);
    if (m) input.push({ role: m[1], content: json(a.content ?? a["gen_ai.event.content"]) });
    else if (e.name === "gen_ai.choice") output.push(json(a.message ?? a.content ?? a["gen_ai.event.content"]));
  }
  return { input, output };
}

/** `gen_ai.request.temperature` etc. -> { temperature }, or undefined when there are none. */
function params(a: Record<string, unknown>): Record<string, unknown> | undefined {
  const p = Object.entries(a)
    .filter(([k]) => k.startsWith("gen_ai.request.") && k !== "gen_ai.request.model")
    .map(([k, v]) => [k.slice("gen_ai.request.".length), v]);
  return p.length ? Object.fromEntries(p) : undefined;
}

/** The GenAI conventions' conversation: the current attributes, the older indexed ones, whole JSON, or span events. */
function genAiMessages(a: Record<string, unknown>, span: OtlpSpan): { input?: unknown; output?: unknown } {
  const fromEvents = eventMessages(span);
  return {
    input:
      json(a["gen_ai.input.messages"]) ??
      indexedMessages(a, "gen_ai.prompt") ??
      json(a["gen_ai.prompt"]) ??
      (fromEvents.input.length ? fromEvents.input : undefined),
    output:
      json(a["gen_ai.output.messages"]) ??
      indexedMessages(a, "gen_ai.completion") ??
      json(a["gen_ai.completion"]) ??
      (fromEvents.output.length ? fromEvents.output : undefined),
  };
}

/** Keys that are trace fields (mapped onto the trace, so not repeated in each observation's metadata). */
const TRACE_KEYS = new Set(["user.id", "session.id", "enduser.id"]);

/** The trace fields one span carries: Langfuse's, then the OTel conventions' user and session. */
function traceFieldsOf(a: Record<string, unknown>): LangfuseTrace {
  const lf = langfuseTrace(a);
  return {
    ...lf,
    userId: str(a["user.id"]) ?? lf.userId ?? str(a["enduser.id"]),
    sessionId: str(a["session.id"]) ?? lf.sessionId ?? str(a["gen_ai.conversation.id"]),
  };
}

/** Fields merged across a trace's spans: the root's win, others fill gaps; tags and metadata add up. */
function mergeFields(into: LangfuseTrace, from: LangfuseTrace, isRoot: boolean): LangfuseTrace {
  const out: LangfuseTrace = isRoot ? { ...into, ...compact({ ...from }) } : { ...compact({ ...from }), ...compact({ ...into }) };
  const tags = [...new Set([...(into.tags ?? []), ...(from.tags ?? [])])];
  out.tags = tags.length ? tags : undefined;
  out.metadata = compact(isRoot ? { ...into.metadata, ...from.metadata } : { ...from.metadata, ...into.metadata });
  return out;
}

export interface OtelConversion {
  events: { type: "trace" | "observation"; id: string; body: Record<string, unknown> }[];
  rejected: { spanId: string | null; reason: string }[];
}

interface TraceAcc {
  start?: string;
  root?: OtlpSpan;
  resource: Record<string, unknown>;
  fields: LangfuseTrace;
  /** the root observation's conversation (Langfuse's trace input/output by default) */
  rootIo?: { input?: unknown; output?: unknown };
  /** the first generation's, for traces whose root has none */
  genIo?: { input?: unknown; output?: unknown };
}

export function otlpToEvents(payload: OtlpTraces): OtelConversion {
  const events: OtelConversion["events"] = [];
  const rejected: OtelConversion["rejected"] = [];
  const traces = new Map<string, TraceAcc>();
  list(payload.resourceSpans, "resourceSpans").forEach((rs, i) => {
    const scopes = list(rs?.scopeSpans, `resourceSpans[${i}].scopeSpans`);
    const spans = scopes.flatMap((ss, j) => list(ss?.spans, `resourceSpans[${i}].scopeSpans[${j}].spans`));
    let resource: Record<string, unknown>;
    try {
      resource = attrs(rs.resource?.attributes);
    } catch (err) {
      for (const span of spans) rejected.push({ spanId: span?.spanId ?? null, reason: `resource: ${(err as Error).message}` });
      return;
    }
    for (const span of spans) {
      if (!span?.traceId || !/^[0-9a-fA-F]{32}$/.test(span.traceId) || !span.spanId || !/^[0-9a-fA-F]{16}$/.test(span.spanId)) {
        rejected.push({ spanId: span?.spanId ?? null, reason: "traceId must be 32 and spanId 16 hex characters" });
        continue;
      }
      try {
        convertSpan(span as OtlpSpan & { traceId: string; spanId: string }, resource);
      } catch (err) {
        // a bad time (BigInt of "soon") or a value nested past the stack rejects that span, not the request
        rejected.push({ spanId: span.spanId, reason: `cannot be converted: ${(err as Error).message}` });
      }
    }
  });

  function convertSpan(span: OtlpSpan & { traceId: string; spanId: string }, resource: Record<string, unknown>): void {
    const traceId = span.traceId.toLowerCase();
    const a = attrs(span.attributes);
    const start = nanosToIso(span.startTimeUnixNano);
    const end = nanosToIso(span.endTimeUnixNano);
    const lf = langfuseObservation(a);
    const genAi = a["gen_ai.system"] !== undefined || a["gen_ai.request.model"] !== undefined || a["gen_ai.operation.name"] !== undefined;
    const type = lf.type ?? (genAi ? "generation" : "span");
    const messages = genAiMessages(a, span);
    const input = lf.input ?? messages.input;
    const output = lf.output ?? messages.output;
    const code = span.status?.code;
    const error = code === 2 || code === "STATUS_CODE_ERROR" || lf.error;
    const inTok = lf.usage?.input ?? num(a["gen_ai.usage.input_tokens"] ?? a["gen_ai.usage.prompt_tokens"]);
    const outTok = lf.usage?.output ?? num(a["gen_ai.usage.output_tokens"] ?? a["gen_ai.usage.completion_tokens"]);
    const unmapped = Object.entries(a).filter(([k]) => !k.startsWith("gen_ai.") && !isLangfuseKey(k) && !TRACE_KEYS.has(k));
    const metadata = compact({ ...Object.fromEntries(unmapped), ...lf.metadata });
    events.push({
      type: "observation",
      id: span.spanId.toLowerCase(),
      body: {
        traceId,
        type,
        parentObservationId: span.parentSpanId ? span.parentSpanId.toLowerCase() : undefined,
        name: span.name,
        startTime: start,
        // a Langfuse event is a point in time even where its span was ended later
        endTime: type === "event" ? (start ?? end) : end,
        completionStartTime: lf.completionStartTime,
        model: lf.model ?? str(a["gen_ai.response.model"]) ?? str(a["gen_ai.request.model"]),
        provider: str(a["gen_ai.system"]) ?? str(a["gen_ai.provider.name"]),
        modelParameters: lf.modelParameters ?? params(a),
        input,
        output,
        usage: inTok !== undefined || outTok !== undefined ? { input: inTok, output: outTok } : undefined,
        cost: lf.cost,
        status: error ? "error" : "ok",
        statusMessage: lf.statusMessage ?? (error ? span.status?.message || undefined : undefined),
        metadata,
        prompt: lf.prompt,
      },
    });
    // Langfuse marks the first span it exports as the app's root: its parent (a web framework's span) is not sent
    const isRoot = !span.parentSpanId || a["langfuse.internal.is_app_root"] === true;
    const io = input !== undefined || output !== undefined;
    const t = traces.get(traceId) ?? { resource, fields: {} };
    t.fields = mergeFields(t.fields, traceFieldsOf(a), isRoot);
    if (isRoot) {
      t.root = span;
      if (io) t.rootIo = { input, output };
    }
    // the trace shows (and is searched by) the conversation of its first generation, if its root has none;
    // not for Langfuse's spans: there a trace's input and output are its root's (or set on it), and a
    // generation exported before its root must not race the root's request for them
    if (type === "generation" && lf.type === undefined && !t.genIo && io) t.genIo = { input, output };
    if (start && (!t.start || start < t.start)) t.start = start;
    traces.set(traceId, t);
  }

  for (const [id, t] of traces) {
    const f = t.fields;
    const io = t.rootIo ?? t.genIo;
    const resource = Object.keys(t.resource).length ? { resource: t.resource } : {};
    events.unshift({
      type: "trace",
      id,
      body: {
        timestamp: t.start,
        name: f.name ?? t.root?.name,
        userId: f.userId,
        sessionId: f.sessionId,
        release: f.release,
        tags: f.tags,
        metadata: compact({ ...f.metadata, ...resource }),
        input: f.input ?? io?.input,
        output: f.output ?? io?.output,
      },
    });
  }
  return { events, rejected };
}
