import { DomainError } from "../core/errors";
import {
  checkDeclaredSize,
  EVAL_STREAM_MAX_BYTES,
  evalOptions,
  evalReportOut,
  evaluateUpload,
  keySelf,
  keySelfOut,
  playgroundRequest,
} from "../routing";
import { type HandlerEntry, handlerRoute as h, type ProjectContext } from "./entry";
import { json } from "./json";
import { handlePlayground } from "./playground";
import { fieldTypes, queryInput } from "./routes";

/** The options' field types, for coercing the query string (as the procedure routes do). */
const OPTION_TYPES = fieldTypes({
  properties: { trainFrac: { type: "number" }, seed: { type: "integer" }, margin: { type: "number" }, embedding: { type: "string" } },
});

/** A form post would reach the line parser as "line 1: invalid JSON"; say what to send instead. */
const FORM_TYPES = ["multipart/form-data", "application/x-www-form-urlencoded"];

/**
 * The body's chunks, read by hand rather than iterated: when the parser stops early (a bad line,
 * a 409), ending the iteration must not cancel the body, which would drop the connection before the
 * client reads the answer. `received` counts the bytes read so far.
 */
function bodyChunks(reader: ReadableStreamDefaultReader<Uint8Array>) {
  const state = { received: 0 };
  async function* chunks() {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      state.received += value.byteLength;
      yield value;
    }
  }
  return { state, chunks: chunks() };
}

/** Read and drop the rest of a refused body (within the limit), so the connection carries the answer. */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array>, budget: number): Promise<void> {
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    budget -= value.byteLength;
    if (budget < 0) return void (await reader.cancel()); // past the limit: the connection is dropped instead
  }
}

/**
 * `POST /api/v1/projects/:p/routing/evaluate?trainFrac=0.5&seed=1&margin=0&embedding=tiny-bert-embed|none`:
 * the labelled JSONL file as the raw body, parsed as it streams in (server/routing/service-eval.ts),
 * RouteLLM's measures per router kind back. Nothing is written.
 */
export async function handleRouterEvaluate(req: Request, { project, url }: ProjectContext): Promise<Response> {
  checkDeclaredSize(Number(req.headers.get("content-length") ?? "0"));
  const type = (req.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (FORM_TYPES.includes(type))
    throw new DomainError(
      "BAD_REQUEST",
      `Send the JSONL file itself as the body (content-type application/x-ndjson), not a form (${type})`,
      "content-type",
    );
  const encoding = (req.headers.get("content-encoding") ?? "identity").trim().toLowerCase();
  if (encoding !== "identity")
    throw new DomainError(
      "BAD_REQUEST",
      `Content-Encoding ${encoding} is not supported here; send the file uncompressed`,
      "content-encoding",
    );
  const reader = (req.body ?? new Blob([]).stream()).getReader();
  const { state, chunks } = bodyChunks(reader);
  try {
    const report = await evaluateUpload(project.id, chunks, queryInput(url, OPTION_TYPES));
    const { scores: _scores, ...out } = report;
    return json(out);
  } catch (err) {
    if (state.received <= EVAL_STREAM_MAX_BYTES) await drain(reader, EVAL_STREAM_MAX_BYTES - state.received);
    else await reader.cancel();
    throw err;
  }
}

export const ROUTING_ROUTES: HandlerEntry[] = [
  h({
    method: "POST",
    path: "/api/v1/projects/:projectId/routing/evaluate",
    tag: "routing",
    summary:
      "Evaluate router kinds on a labelled JSONL file (the body, up to 256 MiB, lines {prompt, small_quality, large_quality}); options in the query. Nothing is saved",
    auth: ["session", "secretKey"],
    role: "engineer",
    project: "path",
    inputs: [evalOptions],
    output: evalReportOut,
    request: "ndjson",
    response: "json",
    errors: "keel",
    handle: handleRouterEvaluate,
  }),
  h({
    method: "GET",
    path: "/api/v1/keys/self",
    tag: "routing",
    summary: "The calling secret key's gateway limits, spend this day and month, and remaining budget",
    auth: ["secretKey"],
    role: "viewer",
    output: keySelfOut,
    request: "none",
    response: "json",
    errors: "keel",
    handle: async (_req, { db, principal }) => json(await keySelf(db, principal.keyId)),
  }),
  h({
    method: "POST",
    path: "/api/v1/projects/:projectId/playground",
    tag: "routing",
    summary:
      "The console's playground: one gateway call (a deployment, router:<name> or a registry prompt; chat or completion) for a signed-in member, traced with the tag playground. `stream: true` answers SSE in OpenAI's chunk shape; x-keel-trace-id and a router's x-keel-route-* headers say where it went",
    auth: ["session"],
    role: "engineer",
    project: "path",
    inputs: [playgroundRequest],
    request: "json",
    response: "sse",
    errors: "openai",
    handle: handlePlayground,
  }),
];
