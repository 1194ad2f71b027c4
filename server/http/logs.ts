import { env } from "../../env";
import { DomainError } from "../core/errors";
import { assertJsonAcceptable } from "../core/json-guard";
import { hitRateLimit } from "../core/ratelimit";
import { getRuntime } from "../core/runtime";
import {
  addRating,
  exportTraces,
  ingestBatch,
  ingestCoalesced,
  MAX_BATCH_BYTES,
  MAX_BATCH_EVENTS,
  type OtlpTraces,
  otlpToEvents,
  ratingPost,
  traceFilter,
} from "../logs";
import { atLeast, type Principal, projectAccess } from "../workspace";
import { contextFromRequest } from "./context";
import { json, jsonError } from "./json";
import { clientIp, readJsonObject, readJsonObjectPerItem } from "./request";

async function authenticate(req: Request): Promise<{ principal: Principal | null; db: Awaited<ReturnType<typeof getRuntime>>["db"] }> {
  const { db } = await getRuntime();
  const ctx = await contextFromRequest(db, req, new Headers());
  return { principal: ctx.principal, db };
}

/**
 * `POST /api/v1/ingest` with a secret key: `{"batch": [...]}` of up to 1,000 events or 5 MB.
 * 207 with one result per event, in order; a 207 means every 201 in it is committed.
 */
export async function handleIngest(req: Request): Promise<Response> {
  try {
    const { principal, db } = await authenticate(req);
    if (!principal) throw new DomainError("UNAUTHORIZED", "Send Authorization: Bearer sk_...");
    if (principal.kind !== "secretKey") throw new DomainError("FORBIDDEN", "Ingestion takes a secret key (sk_) of the project");
    if (!atLeast(principal.role, "engineer"))
      throw new DomainError("FORBIDDEN", `This key acts as ${principal.role}; ingestion needs engineer or higher`);
    // the events are held to the JSON rule one by one: one poisoned event is that event's 400
    const body = await readJsonObjectPerItem(req, MAX_BATCH_BYTES);
    if (!Array.isArray(body.batch)) throw new DomainError("BAD_REQUEST", "batch: expected an array of events", "batch");
    if (body.batch.length > MAX_BATCH_EVENTS)
      throw new DomainError("PAYLOAD_TOO_LARGE", `batch has ${body.batch.length} events; the limit is ${MAX_BATCH_EVENTS}`, "batch");
    const results = await ingestCoalesced(db, principal.projectId, body.batch, { source: "api" });
    return json({ results }, 207);
  } catch (err) {
    return jsonError(err);
  }
}

function corsHeaders(origin: string | null): Record<string, string> {
  if (!origin) return {};
  return { "access-control-allow-origin": origin, vary: "Origin" };
}

/**
 * `POST /api/v1/ratings`: one rating, from the embeddable widget (public key, CORS, only from the
 * key's allowed origins, rate limited per key, per end user and per client address) or from a server (secret key).
 * A public key writes ratings of its own project's traces and reads nothing; it may update only
 * the ratings it created for the same end user (409 otherwise).
 */
export async function handleRatings(req: Request): Promise<Response> {
  const origin = req.headers.get("origin");
  if (req.method === "OPTIONS") {
    // Preflight carries no credentials; the POST itself is checked against the key's origins.
    return new Response(null, {
      status: 204,
      headers: {
        ...corsHeaders(origin),
        "access-control-allow-methods": "POST",
        "access-control-allow-headers": "authorization, content-type",
        "access-control-max-age": "600",
      },
    });
  }
  try {
    const { principal, db } = await authenticate(req);
    if (!principal || principal.kind === "user")
      throw new DomainError("UNAUTHORIZED", "Send Authorization: Bearer pk_... (widget) or sk_...");
    let source: "widget" | "api" = "api";
    if (principal.kind === "publicKey") {
      source = "widget";
      if (!origin || !principal.origins.includes(origin))
        throw new DomainError("FORBIDDEN", `Origin ${origin ?? "(none)"} is not allowed for this public key`);
    } else if (!atLeast(principal.role, "annotator")) {
      throw new DomainError("FORBIDDEN", `This key acts as ${principal.role}; rating needs annotator or higher`);
    }
    const raw = await readJsonObject(req, 64 * 1024);
    const parsed = ratingPost.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join(".");
      throw new DomainError("BAD_REQUEST", `${field}: ${issue?.message}`, field);
    }
    if (principal.kind === "publicKey") {
      const ip = clientIp(req);
      const who = parsed.data.endUserId ? `user:${parsed.data.endUserId}` : `ip:${ip}`;
      // per address too: a client rotating endUserId on every call would otherwise escape the per-user limit
      const limits = [
        await hitRateLimit(db, `widget:key:${principal.keyId}`, env.KEEL_WIDGET_RATE_PER_KEY),
        await hitRateLimit(db, `widget:${principal.keyId}:${who}`, env.KEEL_WIDGET_RATE_PER_USER),
        await hitRateLimit(db, `widget:${principal.keyId}:addr:${ip}`, env.KEEL_WIDGET_RATE_PER_ADDRESS),
      ];
      const refused = limits.find((l) => !l.allowed);
      if (refused) {
        const retry = Math.max(1, Math.ceil((refused.resetAt.getTime() - Date.now()) / 1000));
        return json({ error: { code: "TOO_MANY_REQUESTS", message: "Too many ratings; try again later" } }, 429, {
          ...corsHeaders(origin),
          "retry-after": String(retry),
        });
      }
    }
    const res = await addRating(db, principal.projectId, parsed.data, {
      source,
      authorUserId: principal.kind === "secretKey" ? principal.userId : null,
      apiKeyId: principal.keyId,
      ownRatingsOnly: principal.kind === "publicKey",
    });
    return json(res, 201, principal.kind === "publicKey" ? corsHeaders(origin) : {});
  } catch (err) {
    const res = jsonError(err);
    if (origin) for (const [k, v] of Object.entries(corsHeaders(origin))) res.headers.set(k, v);
    return res;
  }
}

/**
 * `POST /api/v1/otel/v1/traces`: OTLP/HTTP JSON (ExportTraceServiceRequest) with a secret key;
 * GenAI spans become traces and observations. Answers ExportTraceServiceResponse, with
 * partialSuccess naming what was rejected.
 */
export async function handleOtlpTraces(req: Request): Promise<Response> {
  try {
    const type = req.headers.get("content-type") ?? "";
    if (type && !type.includes("json"))
      return json({ error: { code: "UNSUPPORTED_MEDIA_TYPE", message: `Send OTLP/HTTP JSON (application/json), not ${type}` } }, 415);
    const { principal, db } = await authenticate(req);
    if (!principal) throw new DomainError("UNAUTHORIZED", "Send Authorization: Bearer sk_...");
    if (principal.kind !== "secretKey") throw new DomainError("FORBIDDEN", "OTLP export takes a secret key (sk_) of the project");
    if (!atLeast(principal.role, "engineer"))
      throw new DomainError("FORBIDDEN", `This key acts as ${principal.role}; ingestion needs engineer or higher`);
    // the events are held to the JSON rule one by one: one poisoned event is that event's 400
    const body = await readJsonObjectPerItem(req, MAX_BATCH_BYTES);
    if (body.resourceSpans !== undefined && !Array.isArray(body.resourceSpans))
      throw new DomainError("BAD_REQUEST", "resourceSpans: expected an array", "resourceSpans");
    const { events, rejected } = otlpToEvents(body as OtlpTraces);
    const messages = rejected.map((r) => `span ${r.spanId ?? "?"}: ${r.reason}`);
    for (let i = 0; i < events.length; i += MAX_BATCH_EVENTS) {
      const chunk = events.slice(i, i + MAX_BATCH_EVENTS);
      const results = await ingestBatch(db, principal.projectId, chunk, { source: "api" });
      results.forEach((r, j) => {
        if (r.status !== 201) messages.push(`${chunk[j]?.type} ${r.id}: ${r.error}`);
      });
    }
    const spans = events.filter((e) => e.type === "observation").length;
    const failedSpans = messages.length;
    return json(
      failedSpans
        ? {
            partialSuccess: {
              rejectedSpans: Math.min(failedSpans, spans + rejected.length),
              errorMessage: messages.slice(0, 20).join("; "),
            },
          }
        : {},
      200,
    );
  } catch (err) {
    return jsonError(err);
  }
}

/**
 * `GET /api/v1/projects/:p/traces/export?format=jsonl|csv&filter=<JSON of the explorer filter>`:
 * every matching trace, streamed. Any member (or secret key) of the project may export.
 */
export async function handleExport(req: Request, projectRef: string): Promise<Response> {
  try {
    const { principal, db } = await authenticate(req);
    if (!principal) throw new DomainError("UNAUTHORIZED", "Sign in or send Authorization: Bearer sk_...");
    const project = await projectAccess(db, principal, projectRef);
    const url = new URL(req.url);
    const format = url.searchParams.get("format") ?? "jsonl";
    if (format !== "jsonl" && format !== "csv") throw new DomainError("BAD_REQUEST", "format must be jsonl or csv", "format");
    let raw: unknown = {};
    try {
      raw = JSON.parse(url.searchParams.get("filter") ?? "{}", (k, v) =>
        (k === "from" || k === "to") && typeof v === "string" ? new Date(v) : v,
      );
    } catch {
      throw new DomainError("BAD_REQUEST", "filter must be JSON", "filter");
    }
    assertJsonAcceptable(raw, { root: "filter" }); // a NUL in a search term would be a 500 from PostgreSQL
    const filter = traceFilter.safeParse(raw);
    if (!filter.success) {
      const issue = filter.error.issues[0];
      throw new DomainError("BAD_REQUEST", `filter.${issue?.path.join(".")}: ${issue?.message}`, `filter.${issue?.path.join(".")}`);
    }
    const name = `traces-${project.slug}-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-")}.${format}`;
    return new Response(exportTraces(db, project.id, filter.data, format), {
      headers: {
        "content-type": format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson",
        "content-disposition": `attachment; filename="${name}"`,
        "cache-control": "no-store",
      },
    });
  } catch (err) {
    return jsonError(err);
  }
}
