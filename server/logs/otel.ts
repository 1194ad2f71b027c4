/**
 * OTLP/HTTP JSON traces -> Keel ingest events, following the OpenTelemetry GenAI semantic
 * conventions: spans with `gen_ai.*` attributes become generations (model, provider, tokens,
 * prompt and completion), other spans become spans; each OTel trace becomes a Keel trace whose id is
 * the OTel trace id (hex) and whose name, user, session come from its root span.
 */

type AnyValue = {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
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

export function anyValue(v: AnyValue | undefined): unknown {
  if (!v) return null;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(anyValue);
  if (v.kvlistValue) return attrs(v.kvlistValue.values);
  return null;
}

export function attrs(kv: KeyValue[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of kv ?? []) out[key] = anyValue(value);
  return out;
}

const nanosToIso = (n: string | number | undefined) =>
  n === undefined || n === "" || Number(n) === 0 ? undefined : new Date(Number(BigInt(n) / 1_000_000n)).toISOString();
const num = (v: unknown) =>
  typeof v === "number" && Number.isFinite(v)
    ? v
    : typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))
      ? Number(v)
      : undefined;
const str = (v: unknown) => (typeof v === "string" && v ? v : undefined);
const json = (v: unknown) => {
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
};

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

export interface OtelConversion {
  events: { type: "trace" | "observation"; id: string; body: Record<string, unknown> }[];
  rejected: { spanId: string | null; reason: string }[];
}

export function otlpToEvents(payload: OtlpTraces): OtelConversion {
  const events: OtelConversion["events"] = [];
  const rejected: OtelConversion["rejected"] = [];
  const traces = new Map<
    string,
    {
      start?: string;
      root?: OtlpSpan;
      rootAttrs?: Record<string, unknown>;
      resource: Record<string, unknown>;
      input?: unknown;
      output?: unknown;
    }
  >();
  for (const rs of payload.resourceSpans ?? []) {
    let resource: Record<string, unknown>;
    try {
      resource = attrs(rs.resource?.attributes);
    } catch (err) {
      for (const ss of rs.scopeSpans ?? [])
        for (const span of ss.spans ?? []) rejected.push({ spanId: span.spanId ?? null, reason: `resource: ${(err as Error).message}` });
      continue;
    }
    for (const ss of rs.scopeSpans ?? []) {
      for (const span of ss.spans ?? []) {
        if (!span.traceId || !/^[0-9a-fA-F]{32}$/.test(span.traceId) || !span.spanId || !/^[0-9a-fA-F]{16}$/.test(span.spanId)) {
          rejected.push({ spanId: span.spanId ?? null, reason: "traceId must be 32 and spanId 16 hex characters" });
          continue;
        }
        try {
          convertSpan(span as OtlpSpan & { traceId: string; spanId: string }, resource);
        } catch (err) {
          // a bad time (BigInt of "soon") or a value nested past the stack rejects that span, not the request
          rejected.push({ spanId: span.spanId, reason: `cannot be converted: ${(err as Error).message}` });
        }
      }
    }
  }
  function convertSpan(span: OtlpSpan & { traceId: string; spanId: string }, resource: Record<string, unknown>): void {
    const traceId = span.traceId.toLowerCase();
    const a = attrs(span.attributes);
    const start = nanosToIso(span.startTimeUnixNano);
    const isGen = a["gen_ai.system"] !== undefined || a["gen_ai.request.model"] !== undefined || a["gen_ai.operation.name"] !== undefined;
    const fromEvents = eventMessages(span);
    const input =
      json(a["gen_ai.input.messages"]) ?? indexedMessages(a, "gen_ai.prompt") ?? (fromEvents.input.length ? fromEvents.input : undefined);
    const output =
      json(a["gen_ai.output.messages"]) ??
      indexedMessages(a, "gen_ai.completion") ??
      (fromEvents.output.length ? fromEvents.output : undefined);
    const code = span.status?.code;
    const error = code === 2 || code === "STATUS_CODE_ERROR";
    const inTok = num(a["gen_ai.usage.input_tokens"] ?? a["gen_ai.usage.prompt_tokens"]);
    const outTok = num(a["gen_ai.usage.output_tokens"] ?? a["gen_ai.usage.completion_tokens"]);
    const known = new Set(Object.keys(a).filter((k) => k.startsWith("gen_ai.")));
    const metadata = Object.fromEntries(Object.entries(a).filter(([k]) => !known.has(k)));
    events.push({
      type: "observation",
      id: span.spanId.toLowerCase(),
      body: {
        traceId,
        type: isGen ? "generation" : "span",
        parentObservationId: span.parentSpanId ? span.parentSpanId.toLowerCase() : undefined,
        name: span.name,
        startTime: start,
        endTime: nanosToIso(span.endTimeUnixNano),
        model: str(a["gen_ai.response.model"]) ?? str(a["gen_ai.request.model"]),
        provider: str(a["gen_ai.system"]) ?? str(a["gen_ai.provider.name"]),
        modelParameters: params(a),
        input,
        output,
        usage: inTok !== undefined || outTok !== undefined ? { input: inTok, output: outTok } : undefined,
        status: error ? "error" : "ok",
        statusMessage: error ? span.status?.message : undefined,
        metadata: Object.keys(metadata).length ? metadata : undefined,
      },
    });
    const t = traces.get(traceId) ?? { resource };
    // the trace shows (and is searched by) the conversation of its first generation
    if (isGen && t.input === undefined && t.output === undefined) {
      t.input = input;
      t.output = output;
    }
    if (start && (!t.start || start < t.start)) t.start = start;
    if (!span.parentSpanId) {
      t.root = span;
      t.rootAttrs = a;
    }
    traces.set(traceId, t);
  }
  for (const [id, t] of traces) {
    const a = t.rootAttrs ?? {};
    events.unshift({
      type: "trace",
      id,
      body: {
        timestamp: t.start,
        name: t.root?.name,
        userId: str(a["user.id"]) ?? str(a["enduser.id"]),
        sessionId: str(a["session.id"]) ?? str(a["gen_ai.conversation.id"]),
        metadata: Object.keys(t.resource).length ? { resource: t.resource } : undefined,
        input: t.input,
        output: t.output,
      },
    });
  }
  return { events, rejected };
}
