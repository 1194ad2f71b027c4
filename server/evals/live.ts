import type { DbOrTx } from "../../db/client";

/**
 * What an eval run of a live deployment needs from serving and routing. Those domains depend on
 * evals (registry's approvals run eval gates; serving reads the registry), so evals cannot import
 * them: routing provides this port when it loads (server/routing/eval-targets.ts), as every process
 * that serves tRPC or runs jobs does.
 */
export interface LiveDeployment {
  name: string;
  task: string;
  kind: "local" | "provider";
  defaults: unknown;
  /** the provider's concurrency limit, if it has one */
  concurrencyLimit: number | null;
  /** the model its answers come from now: a registry version id, or the provider and its model */
  modelKey: string;
}

export interface LiveCall {
  db: DbOrTx;
  projectId: string;
  signal?: AbortSignal;
}

/** A gateway answer: a JSON body with its status, or a stream (which an eval run does not ask for). */
export type LiveAnswer = { kind: "json"; status: number; body: unknown } | { kind: "stream" };

export interface LiveTargets {
  /** the deployment as it resolves now, or null when the project has none of that name */
  resolve(db: DbOrTx, projectId: string, name: string): Promise<LiveDeployment | null>;
  /** one call through the gateway's service layer, in process; a refusal is a non-200 answer, not a throw */
  call(c: LiveCall, api: "chat" | "completion", body: Record<string, unknown>): Promise<LiveAnswer>;
}

let provided: LiveTargets | null = null;

export function provideLiveTargets(targets: LiveTargets): void {
  provided = targets;
}

export function liveTargets(): LiveTargets {
  if (!provided) throw new Error("live eval targets are provided by server/routing, which this process has not loaded");
  return provided;
}
