import { z } from "zod";
import { DomainError } from "../core/errors";
import {
  getLangfuseTrace,
  ingestLangfuseBatch,
  LANGFUSE_EVENT_TYPES,
  listLangfuseTraces,
  MAX_BATCH_BYTES,
  MAX_BATCH_EVENTS,
  parseTracesQuery,
} from "../logs";
import { type CallerContext, type HandlerEntry, handlerRoute as h, type PrincipalOf } from "./entry";
import { json } from "./json";
import { handleCreatePrompt, handleGetPrompt, handleListPrompts } from "./langfuse-prompts";
import { readJsonObjectPerItem } from "./request";

/**
 * Langfuse's public API where its clients need it: the legacy SDKs' batch ingestion and the trace
 * reads. Its clients send `Authorization: Basic base64(publicKey:secretKey)`; with a Keel secret key
 * as the secret, langfuse-public.ts reads it as that key, so these entries take a secret key like any.
 */
const batchInput = z.object({
  batch: z
    .array(
      z.object({
        id: z.string(),
        type: z.enum(LANGFUSE_EVENT_TYPES),
        timestamp: z.string(),
        body: z.record(z.string(), z.unknown()),
      }),
    )
    .max(MAX_BATCH_EVENTS),
  metadata: z.unknown().optional(),
});
const batchOutput = z.object({
  successes: z.array(z.object({ id: z.string(), status: z.number() })),
  errors: z.array(z.object({ id: z.string(), status: z.number(), message: z.string(), error: z.string() })),
});

/** `POST /api/public/ingestion`: 207, one success or error per envelope; a 207 means its successes are committed. */
async function handleIngestion(req: Request, { db, principal }: CallerContext<PrincipalOf<"secretKey">>): Promise<Response> {
  // each event is held to Keel's JSON rule on its own: a poisoned one is that event's error
  const body = await readJsonObjectPerItem(req, MAX_BATCH_BYTES);
  if (!Array.isArray(body.batch))
    throw new DomainError("BAD_REQUEST", "batch: expected an array of events {id, type, timestamp, body}", "batch");
  if (body.batch.length > MAX_BATCH_EVENTS)
    throw new DomainError("PAYLOAD_TOO_LARGE", `batch has ${body.batch.length} events; the limit is ${MAX_BATCH_EVENTS}`, "batch");
  return json(await ingestLangfuseBatch(db, principal.projectId, body.batch), 207);
}

const common = { tag: "langfuse", auth: ["secretKey"] as const, errors: "keel" as const };

export const LANGFUSE_ROUTES: HandlerEntry[] = [
  h({
    ...common,
    method: "POST",
    path: "/api/public/ingestion",
    summary:
      "Langfuse's legacy batch ingestion (langfuse v3 JS, Python v2): traces, spans, generations, events and scores, answered 207 {successes, errors}",
    role: "engineer",
    inputs: [batchInput],
    output: batchOutput,
    request: "json",
    response: "json",
    status: 207,
    handle: handleIngestion,
  }),
  h({
    ...common,
    method: "GET",
    path: "/api/public/traces",
    summary: "Traces in Langfuse's shape ({data, meta}; page, limit, userId, name, sessionId, tags, fromTimestamp, toTimestamp...)",
    role: "viewer",
    project: "key",
    request: "none",
    response: "json",
    handle: async (_req, c) => json(await listLangfuseTraces(c.db, c.project, parseTracesQuery(c.url.searchParams))),
  }),
  h({
    ...common,
    method: "GET",
    path: "/api/public/traces/:traceId",
    summary: "A trace in Langfuse's shape, with its observations and scores",
    role: "viewer",
    project: "key",
    request: "none",
    response: "json",
    handle: async (_req, c) => json(await getLangfuseTrace(c.db, c.project, c.params.traceId ?? "")),
  }),
  h({
    ...common,
    method: "GET",
    path: "/api/public/v2/prompts",
    summary:
      "Prompts in Langfuse's shape ({data: [{name, versions, labels, tags, lastUpdatedAt, lastConfig}], meta}; name, label, tag, page, limit)",
    role: "viewer",
    project: "key",
    request: "none",
    response: "json",
    handle: handleListPrompts,
  }),
  h({
    ...common,
    method: "GET",
    path: "/api/public/v2/prompts/:name",
    summary: "A prompt version in Langfuse's shape (its SDKs' getPrompt): ?label= or ?version=, neither is production",
    role: "viewer",
    project: "key",
    request: "none",
    response: "json",
    handle: handleGetPrompt,
  }),
  h({
    ...common,
    method: "POST",
    path: "/api/public/v2/prompts",
    summary: "Create a prompt's next version in Langfuse's shape (its SDKs' createPrompt): type text|chat, prompt, config, labels, tags",
    role: "engineer",
    project: "key",
    request: "json",
    response: "json",
    status: 201,
    handle: handleCreatePrompt,
  }),
];
