import type { DbOrTx } from "../../db/client";
import { env } from "../../env";
import { uuidv7 } from "../core/ids";
import { logger } from "../core/logger";
import { ingestCoalesced } from "../logs";
import { countKeyTokens } from "./key-limits";
import { LITELLM_KEYS } from "./service-contract";

/** What the caller says about the call for its trace: OpenAI's `user` and LiteLLM's `metadata` keys. */
export interface CallTags {
  userId?: string;
  sessionId?: string;
  tags?: string[];
  traceName?: string;
  generationName?: string;
  /** the other metadata keys, stored in the trace's metadata */
  extra?: Record<string, unknown>;
}

/**
 * A request's `user` and `metadata` (parsed by callMetadata: LiteLLM's keys are checked) as the
 * trace's fields. `trace_user_id` wins over `user`, as in LiteLLM's Langfuse logging.
 */
export function callTags(body: { user?: string; metadata?: Record<string, unknown> | null }): CallTags {
  const m = body.metadata;
  if (!m) return body.user === undefined ? {} : { userId: body.user };
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(m)) if (!(LITELLM_KEYS as readonly string[]).includes(k)) extra[k] = v;
  return {
    userId: (m.trace_user_id as string | undefined) ?? body.user,
    sessionId: m.session_id as string | undefined,
    tags: m.tags as string[] | undefined,
    traceName: m.trace_name as string | undefined,
    generationName: m.generation_name as string | undefined,
    extra,
  };
}

export interface GatewayCall {
  projectId: string;
  /** chat, completion, embedding */
  kind: string;
  deployment: string;
  model: string;
  provider: string;
  modelVersionId?: string | null;
  routeDecision?: Record<string, unknown> | null;
  /** the prompt version the call was made from (`prompt_id`) */
  promptVersionId?: string | null;
  /** the secret key that made the call: its trace and spend record it, its tokens count against its tpm */
  keyId?: string | null;
  /** the caller's user, session, tags, names and metadata (callTags) */
  tags?: CallTags;
  input: unknown;
  output: unknown;
  usage: { input: number; output: number };
  /** USD; undefined: priced at ingest from the project's table or the built-in catalogue */
  cost: number | undefined;
  start: Date;
  end: Date;
  /** time to first token (streams) */
  firstToken?: Date | null;
  status: "ok" | "error";
  error?: string;
  /** Keel's own facts about the call (batching, finish reason); they win over the caller's keys */
  metadata?: Record<string, unknown>;
}

/**
 * Every gateway call becomes a trace with one generation (logs domain), written after the response
 * through the ingest group commit, gathered for KEEL_GATEWAY_LOG_LINGER_MS: the caller never waits
 * for it, and a failure is logged, not thrown.
 * Returns the trace id (for the route event and the `x-keel-trace-id` header); a streamed call makes
 * its id first (`uuidv7()`, in process: no query) and passes it, so the header goes out before the body.
 */
export function logCall(db: DbOrTx, call: GatewayCall, traceId = uuidv7()): string {
  const t = call.tags ?? {};
  const events = [
    {
      type: "trace",
      id: traceId,
      body: {
        timestamp: call.start.toISOString(),
        name: t.traceName ?? `gateway ${call.kind}`,
        userId: t.userId,
        sessionId: t.sessionId,
        tags: t.tags?.length ? [...new Set(["gateway", ...t.tags])] : ["gateway"],
        metadata: { ...(t.extra ?? {}), deployment: call.deployment, provider: call.provider, ...(call.metadata ?? {}) },
        input: call.input,
        output: call.output,
        ...(call.modelVersionId ? { modelVersionId: call.modelVersionId } : {}),
        ...(call.routeDecision ? { routeDecision: call.routeDecision } : {}),
        ...(call.promptVersionId ? { promptVersionId: call.promptVersionId } : {}),
      },
    },
    {
      type: "observation",
      id: `${traceId}-gen`,
      body: {
        traceId,
        type: "generation",
        name: t.generationName ?? call.deployment,
        startTime: call.start.toISOString(),
        endTime: call.end.toISOString(),
        ...(call.firstToken ? { completionStartTime: call.firstToken.toISOString() } : {}),
        model: call.model,
        provider: call.provider,
        usage: { input: call.usage.input, output: call.usage.output },
        cost: call.cost,
        status: call.status,
        ...(call.error ? { statusMessage: call.error.slice(0, 5000) } : {}),
      },
    },
  ];
  if (call.keyId) countKeyTokens(call.keyId, call.usage.input + call.usage.output);
  void ingestCoalesced(db, call.projectId, events, { source: "api", spendKeyId: call.keyId }, env.KEEL_GATEWAY_LOG_LINGER_MS)
    .then((res) => {
      const bad = res.find((r) => r.status >= 300);
      if (bad) logger.warn({ traceId, result: bad }, "gateway call not logged");
    })
    .catch((err) => logger.error({ err, traceId }, "gateway call not logged"));
  return traceId;
}
