import protobuf, { type IConversionOptions } from "protobufjs/light.js";
import { DomainError } from "../../core/errors";
import type { OtlpTraces } from "../otel";
import { OTLP_TRACE_DESCRIPTOR } from "./trace-proto";

/**
 * OTLP/HTTP protobuf (`application/x-protobuf`): an ExportTraceServiceRequest decoded into the shape
 * OTLP/JSON has, so one converter (otel.ts) serves both encodings. What differs on the wire: ids are
 * bytes (hex in JSON), 64-bit integers are varints or fixed64 (kept as decimal strings, so a
 * nanosecond time or a large int attribute loses no precision), bytes values are base64 as in JSON.
 */
const root = protobuf.Root.fromJSON(OTLP_TRACE_DESCRIPTOR);
const request = root.lookupType("opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest");
const response = root.lookupType("opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse");

/** Only what was sent (no defaults): an absent end time must stay absent, not become 0. */
const AS_JSON: IConversionOptions = { longs: String, bytes: String, defaults: false };

const hex = (base64: unknown): string => (typeof base64 === "string" ? Buffer.from(base64, "base64").toString("hex") : "");

interface DecodedSpan {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
}

/** A 400 naming the message for a body that is not an ExportTraceServiceRequest; nothing is written. */
export function decodeOtlpProtobuf(body: Uint8Array): OtlpTraces {
  let decoded: { resourceSpans?: { scopeSpans?: { spans?: DecodedSpan[] }[] }[] };
  try {
    decoded = request.toObject(request.decode(body), AS_JSON);
  } catch (err) {
    // truncated or corrupt input; also a value nested deep enough to exhaust the stack (RangeError)
    throw new DomainError("BAD_REQUEST", `Malformed OTLP protobuf body (ExportTraceServiceRequest): ${(err as Error).message}`);
  }
  for (const rs of decoded.resourceSpans ?? [])
    for (const ss of rs.scopeSpans ?? [])
      for (const span of ss.spans ?? []) {
        span.traceId = hex(span.traceId);
        span.spanId = hex(span.spanId);
        // proto3 has no "unset" bytes: an empty parent id is a root span
        span.parentSpanId = hex(span.parentSpanId) || undefined;
      }
  return decoded as OtlpTraces;
}

/** ExportTraceServiceResponse: empty when every span was taken, else partial_success naming what was refused. */
export function encodeOtlpResponse(partial?: { rejectedSpans: number; errorMessage: string }): Uint8Array {
  return response.encode(response.fromObject(partial ? { partialSuccess: partial } : {})).finish();
}
