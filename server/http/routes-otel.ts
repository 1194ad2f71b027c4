import { type HandlerEntry, handlerRoute as h } from "./entry";
import { handleOtlpTraces } from "./otel";

/**
 * OpenTelemetry's OTLP/HTTP trace export, at Keel's path and at Langfuse's (its SDKs post there, with
 * Basic auth that langfuse-public.ts turns into the secret key before dispatch). Both take protobuf
 * or JSON, gzip or deflate or neither; the body kind below is the JSON one the document can describe.
 */
const otlp = (path: string, summary: string): HandlerEntry =>
  h({
    method: "POST",
    path,
    tag: "otel",
    summary,
    auth: ["secretKey"],
    role: "engineer",
    request: "json",
    response: "json",
    errors: "keel",
    handle: handleOtlpTraces,
  });

export const OTEL_ROUTES: HandlerEntry[] = [
  otlp("/api/v1/otel/v1/traces", "OTLP/HTTP traces (protobuf or JSON, gzip or not), logged as calls"),
  otlp(
    "/api/public/otel/v1/traces",
    "Langfuse's OTLP endpoint (Authorization: Basic base64(any:sk_...)): Langfuse SDK spans logged as calls",
  ),
];
