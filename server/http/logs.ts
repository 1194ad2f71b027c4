import { env } from "../../env";
import { DomainError } from "../core/errors";
import { assertJsonAcceptable } from "../core/json-guard";
import { hitRateLimit } from "../core/ratelimit";
import {
  addRating,
  exportRequest,
  exportTraces,
  ingestCoalesced,
  MAX_BATCH_BYTES,
  MAX_BATCH_EVENTS,
  ratingPost,
  type TraceFilter,
  traceFilter,
} from "../logs";
import type { CallerContext, PrincipalOf, ProjectContext } from "./entry";
import { json } from "./json";
import { clientIp, readJsonObject, readJsonObjectPerItem } from "./request";

/**
 * `POST /api/v1/ingest` with a secret key: `{"batch": [...]}` of up to 1,000 events or 5 MB.
 * 207 with one result per event, in order; a 207 means every 201 in it is committed.
 */
export async function handleIngest(req: Request, { db, principal }: CallerContext<PrincipalOf<"secretKey">>): Promise<Response> {
  // the events are held to the JSON rule one by one: one poisoned event is that event's 400
  const body = await readJsonObjectPerItem(req, MAX_BATCH_BYTES);
  if (!Array.isArray(body.batch)) throw new DomainError("BAD_REQUEST", "batch: expected an array of events", "batch");
  if (body.batch.length > MAX_BATCH_EVENTS)
    throw new DomainError("PAYLOAD_TOO_LARGE", `batch has ${body.batch.length} events; the limit is ${MAX_BATCH_EVENTS}`, "batch");
  const results = await ingestCoalesced(db, principal.projectId, body.batch, { source: "api" });
  return json({ results }, 207);
}

/** The widget's CORS headers, on its answers and (the route entry's errorHeaders) on every refusal. */
export function corsHeaders(origin: string | null): Record<string, string> {
  if (!origin) return {};
  return { "access-control-allow-origin": origin, vary: "Origin" };
}

/** `OPTIONS /api/v1/ratings`: the preflight carries no credentials; the POST itself is checked against the key's origins. */
export async function ratingsPreflight(req: Request): Promise<Response> {
  return new Response(null, {
    status: 204,
    headers: {
      ...corsHeaders(req.headers.get("origin")),
      "access-control-allow-methods": "POST",
      "access-control-allow-headers": "authorization, content-type",
      "access-control-max-age": "600",
    },
  });
}

/**
 * `POST /api/v1/ratings`: one rating, from the embeddable widget (public key, CORS, only from the
 * key's allowed origins, rate limited per key, per end user and per client address) or from a server
 * (secret key; the auth step checked its role). A public key writes ratings of its own project's
 * traces and reads nothing; it may update only the ratings it created for the same end user (409 otherwise).
 */
export async function handleRatings(
  req: Request,
  { db, principal }: CallerContext<PrincipalOf<"publicKey" | "secretKey">>,
): Promise<Response> {
  const origin = req.headers.get("origin");
  const widget = principal.kind === "publicKey";
  // not a role check: where the key may be used from
  if (widget && (!origin || !principal.origins.includes(origin)))
    throw new DomainError("FORBIDDEN", `Origin ${origin ?? "(none)"} is not allowed for this public key`);
  const raw = await readJsonObject(req, 64 * 1024);
  const parsed = ratingPost.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join(".");
    throw new DomainError("BAD_REQUEST", `${field}: ${issue?.message}`, field);
  }
  if (widget) {
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
    source: widget ? "widget" : "api",
    authorUserId: principal.kind === "secretKey" ? principal.userId : null,
    apiKeyId: principal.keyId,
    ownRatingsOnly: widget,
  });
  return json(res, 201, widget ? corsHeaders(origin) : {});
}

/**
 * `GET /api/v1/projects/:p/traces/export?format=jsonl|csv&filter=<JSON of the explorer filter>`:
 * every matching trace, streamed. Any member (or secret key) of the project may export.
 */
export async function handleExport({ db, project, url }: ProjectContext): Promise<Response> {
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
  return exportResponse({ db, project }, format, filter.data);
}

/**
 * `POST /api/v1/projects/:p/traces/export` with `{"format": "jsonl"|"csv", "filter": {...}}`: as the
 * GET, for a filter too long for a URL (the explorer's selection: up to 10,000 ids).
 */
export async function handleExportPost(req: Request, ctx: ProjectContext): Promise<Response> {
  const parsed = exportRequest.safeParse(await readJsonObject(req));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join(".");
    throw new DomainError("BAD_REQUEST", `${field}: ${issue?.message}`, field);
  }
  return exportResponse(ctx, parsed.data.format, parsed.data.filter);
}

function exportResponse({ db, project }: Pick<ProjectContext, "db" | "project">, format: "jsonl" | "csv", filter: TraceFilter): Response {
  const name = `traces-${project.slug}-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-")}.${format}`;
  return new Response(exportTraces(db, project.id, filter, format), {
    headers: {
      "content-type": format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson",
      "content-disposition": `attachment; filename="${name}"`,
      "cache-control": "no-store",
    },
  });
}
