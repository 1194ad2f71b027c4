import type { DbOrTx } from "../../db/client";

/**
 * What an eval run of a live target needs from serving and routing. Those domains depend on evals
 * (registry's approvals run eval gates; serving reads the registry), so evals cannot import them:
 * routing provides this port when it loads (server/routing/eval-targets.ts), as every process that
 * serves tRPC or runs jobs does.
 */

/** Who answers: a deployment by name, a registry model version (`ref`: an alias or a version number), or a router. */
export interface LiveRef {
  kind: "deployment" | "model" | "router";
  name: string;
  ref?: string;
}

export interface LiveTarget {
  /** how the target is named in answers and errors: the deployment, `model:NAME:VERSION` or `router:NAME` */
  label: string;
  /** what it serves: chat and completion generate text */
  task: string;
  /** a local model (answers completions and, when it serves chat, chat) or a provider */
  local: boolean;
  defaults: unknown;
  /** the provider's concurrency limit, if it has one */
  concurrencyLimit: number | null;
  /** what its answers come from now (a registry version id, a provider's model, a router's config): the cache key's first part */
  modelKey: string;
  /** USD per 1,000 input and output tokens (a router: its small target's prices); 0 when unpriced */
  prices: { input: number; output: number };
  /** a router's large targets and their prices: to estimate a run's cost range and count large calls */
  large?: { names: string[]; prices: { input: number; output: number } };
}

export interface LiveCall {
  db: DbOrTx;
  projectId: string;
  signal?: AbortSignal;
  /** the prompt version the call was rendered from: its trace records it, as a gateway call's prompt_id does */
  promptVersionId?: string;
}

/** A gateway answer: a JSON body with its status, or a stream (which an eval run does not ask for). */
export type LiveAnswer =
  | {
      kind: "json";
      status: number;
      body: unknown;
      /** the deployment that answered (a router's chosen target), its cost (USD) and the call's trace */
      answeredBy?: string;
      cost?: number;
      traceId?: string;
    }
  | { kind: "stream" };

/** A prompt version's template as an eval run uses it (registry prompts, through routing's provider). */
export type PromptTemplateLike =
  | { type: "text"; prompt: string }
  | { type: "chat"; messages: { role: "system" | "user" | "assistant"; content: string }[] };

export interface EvalPrompt {
  /** the version's row id (model_versions): runs that used it are linked to it for its label's gates */
  id: string;
  name: string;
  version: number;
  template: PromptTemplateLike;
  config: Record<string, unknown>;
}

export interface LiveTargets {
  /** a prompt version by label or number; a DomainError (404 naming the prompt, label or version) when missing */
  prompt(db: DbOrTx, projectId: string, ref: { name: string; label?: string; version?: number }): Promise<EvalPrompt>;
  /** the template filled (server/registry/prompt-render.ts): a variable it uses but not given is a DomainError naming it; others are ignored */
  renderPrompt(template: PromptTemplateLike, variables: Record<string, string | number | boolean>): PromptTemplateLike;
  /** the target as it resolves now, or why it cannot answer (a sentence naming it) */
  resolve(db: DbOrTx, projectId: string, ref: LiveRef): Promise<LiveTarget | string>;
  /** one call through the gateway's service layer, in process; a refusal is a non-200 answer, not a throw */
  call(c: LiveCall, ref: LiveRef, api: "chat" | "completion", body: Record<string, unknown>): Promise<LiveAnswer>;
  /** embeddings of texts by an embedding deployment (the embedding-similarity scorer) */
  embed(c: LiveCall, deployment: string, texts: string[]): Promise<number[][]>;
}

let provided: LiveTargets | null = null;

export function provideLiveTargets(targets: LiveTargets): void {
  provided = targets;
}

export function liveTargets(): LiveTargets {
  if (!provided) throw new Error("live eval targets are provided by server/routing, which this process has not loaded");
  return provided;
}
