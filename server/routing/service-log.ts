import type { DbOrTx } from "../../db/client";
import { env } from "../../env";
import { uuidv7 } from "../core/ids";
import { logger } from "../core/logger";
import { ingestCoalesced } from "../logs";

export interface GatewayCall {
  projectId: string;
  /** chat, completion, embedding */
  kind: string;
  deployment: string;
  model: string;
  provider: string;
  modelVersionId?: string | null;
  routeDecision?: Record<string, unknown> | null;
  userId?: string;
  input: unknown;
  output: unknown;
  usage: { input: number; output: number };
  /** USD */
  cost: number;
  start: Date;
  end: Date;
  /** time to first token (streams) */
  firstToken?: Date | null;
  status: "ok" | "error";
  error?: string;
  metadata?: Record<string, unknown>;
}

/**
 * Every gateway call becomes a trace with one generation (logs domain), written after the response
 * through the ingest group commit, gathered for KEEL_GATEWAY_LOG_LINGER_MS: the caller never waits
 * for it, and a failure is logged, not thrown.
 * Returns the trace id (for the route event and the `x-keel-trace-id` header).
 */
export function logCall(db: DbOrTx, call: GatewayCall, traceId = uuidv7()): string {
  const events = [
    {
      type: "trace",
      id: traceId,
      body: {
        timestamp: call.start.toISOString(),
        name: `gateway ${call.kind}`,
        userId: call.userId,
        tags: ["gateway"],
        metadata: { deployment: call.deployment, provider: call.provider, ...(call.metadata ?? {}) },
        input: call.input,
        output: call.output,
        ...(call.modelVersionId ? { modelVersionId: call.modelVersionId } : {}),
        ...(call.routeDecision ? { routeDecision: call.routeDecision } : {}),
      },
    },
    {
      type: "observation",
      id: `${traceId}-gen`,
      body: {
        traceId,
        type: "generation",
        name: call.deployment,
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
  void ingestCoalesced(db, call.projectId, events, { source: "api" }, env.KEEL_GATEWAY_LOG_LINGER_MS)
    .then((res) => {
      const bad = res.find((r) => r.status >= 300);
      if (bad) logger.warn({ traceId, result: bad }, "gateway call not logged");
    })
    .catch((err) => logger.error({ err, traceId }, "gateway call not logged"));
  return traceId;
}
