import { pipeline } from "node:stream/promises";
import { createGunzip, createInflate } from "node:zlib";
import { DomainError } from "../core/errors";
import { decodeUtf8Strict } from "../core/json-guard";
import {
  decodeOtlpProtobuf,
  encodeOtlpResponse,
  ingestBatch,
  MAX_BATCH_BYTES,
  MAX_BATCH_EVENTS,
  type OtlpTraces,
  otlpToEvents,
} from "../logs";
import type { CallerContext, PrincipalOf } from "./entry";
import { json } from "./json";
import { readBodyBytes } from "./request";

type Format = "json" | "protobuf";
type Encoding = "identity" | "gzip" | "deflate";

/** OTLP/HTTP's two encodings by content type; no content type is JSON (a hand-written curl). */
function formatOf(contentType: string | null): Format | null {
  const mime = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (mime === "application/x-protobuf" || mime === "application/protobuf") return "protobuf";
  if (mime === "" || mime === "application/json" || mime.endsWith("+json")) return "json";
  return null;
}

/** One content coding (a chain such as `gzip, gzip` is refused: one layer is all OTLP senders use). */
function encodingOf(header: string | null): Encoding | null {
  const coding = (header ?? "").trim().toLowerCase();
  if (coding === "" || coding === "identity") return "identity";
  if (coding === "gzip" || coding === "x-gzip") return "gzip";
  if (coding === "deflate") return "deflate";
  return null;
}

const unsupported = (message: string) => json({ error: { code: "UNSUPPORTED_MEDIA_TYPE", message } }, 415);

/** Read and drop what is left of a refused body (up to `budget` bytes), so the connection can carry the answer. */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array>, budget: number): Promise<void> {
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    budget -= value.byteLength;
    if (budget < 0) return void (await reader.cancel()); // past the limit: the connection is dropped instead
  }
}

/**
 * The body, decompressed as it streams in. `limit` holds for the bytes received and for the bytes
 * they inflate to, counted chunk by chunk: a gzip bomb stops at `limit` with a 413, never inflating
 * past it in memory.
 */
async function readDecoded(req: Request, encoding: Encoding, limit: number): Promise<Uint8Array> {
  if (encoding === "identity") return readBodyBytes(req, limit);
  const tooLarge = (what: string) => new DomainError("PAYLOAD_TOO_LARGE", `Request body exceeds ${limit} bytes ${what}`);
  if (Number(req.headers.get("content-length") ?? "0") > limit) throw tooLarge("(compressed)");
  if (!req.body) throw new DomainError("BAD_REQUEST", `Content-Encoding ${encoding} with an empty body`);
  // read by hand rather than piped: the pipeline's teardown would cancel the body, and with it the connection
  const reader = req.body.getReader();
  let received = 0;
  async function* compressed() {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      received += value.byteLength;
      if (received > limit) throw tooLarge("(compressed)");
      yield value;
    }
  }
  const chunks: Buffer[] = [];
  let inflated = 0;
  try {
    await pipeline(compressed, encoding === "gzip" ? createGunzip() : createInflate(), async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) {
        inflated += chunk.length;
        if (inflated > limit) throw tooLarge("once decompressed");
        chunks.push(chunk);
      }
    });
  } catch (err) {
    if (received <= limit) await drain(reader, limit - received);
    else await reader.cancel();
    if (err instanceof DomainError) throw err;
    throw new DomainError("BAD_REQUEST", `Malformed ${encoding} body: ${(err as Error).message}`);
  }
  return Buffer.concat(chunks);
}

/** OTLP/JSON: an object whose `resourceSpans` is an array; the spans' values are checked span by span later. */
function parseJson(body: Uint8Array): OtlpTraces {
  const text = decodeUtf8Strict(body);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text || "{}");
  } catch (err) {
    throw new DomainError("BAD_REQUEST", `Malformed JSON body: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    throw new DomainError("BAD_REQUEST", "Request body must be a JSON object (ExportTraceServiceRequest)");
  return parsed as OtlpTraces;
}

/** What OTLP answers: partial_success when spans were refused, nothing otherwise; in the request's encoding. */
function answer(format: Format, partial?: { rejectedSpans: number; errorMessage: string }): Response {
  if (format === "json") return json(partial ? { partialSuccess: partial } : {}, 200);
  // a copy onto a plain ArrayBuffer: protobufjs may hand back a view of a shared pool
  return new Response(new Uint8Array(encodeOtlpResponse(partial)), { status: 200, headers: { "content-type": "application/x-protobuf" } });
}

/**
 * `POST /api/v1/otel/v1/traces` (and Langfuse's `/api/public/otel/v1/traces`): OTLP/HTTP traces,
 * protobuf or JSON, gzip- or deflate-compressed or not, with a secret key. Spans become traces and
 * observations (server/logs/otel.ts). A span that cannot be stored is refused alone and named in
 * partial_success; a body that cannot be read is a 4xx and writes nothing.
 */
export async function handleOtlpTraces(req: Request, { db, principal }: CallerContext<PrincipalOf<"secretKey">>): Promise<Response> {
  const contentType = req.headers.get("content-type");
  const format = formatOf(contentType);
  if (!format) return unsupported(`Send OTLP/HTTP as application/x-protobuf or application/json, not ${contentType}`);
  const contentEncoding = req.headers.get("content-encoding");
  const encoding = encodingOf(contentEncoding);
  if (!encoding) return unsupported(`Content-Encoding ${contentEncoding} is not supported; send gzip, deflate or none`);
  const body = await readDecoded(req, encoding, MAX_BATCH_BYTES);
  const payload = format === "protobuf" ? decodeOtlpProtobuf(body) : parseJson(body);
  const { events, rejected } = otlpToEvents(payload);
  const messages = rejected.map((r) => `span ${r.spanId ?? "?"}: ${r.reason}`);
  for (let i = 0; i < events.length; i += MAX_BATCH_EVENTS) {
    const chunk = events.slice(i, i + MAX_BATCH_EVENTS);
    const results = await ingestBatch(db, principal.projectId, chunk, { source: "api" });
    results.forEach((r, j) => {
      if (r.status !== 201) messages.push(`${chunk[j]?.type} ${r.id}: ${r.error}`);
    });
  }
  if (!messages.length) return answer(format);
  const spans = events.filter((e) => e.type === "observation").length;
  return answer(format, {
    rejectedSpans: Math.min(messages.length, spans + rejected.length),
    errorMessage: messages.slice(0, 20).join("; "),
  });
}
