import { createHash } from "node:crypto";
import { and, eq, isNull } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import type { JobContext } from "../core/queue";
import { type EvalPrompt, type LiveAnswer, type LiveRef, type LiveTarget, liveTargets } from "./live";
import { DEFAULT_TEMPLATE, type LiveTargetInput, promptVariables, refOf, renderTemplate, resolvePrompt } from "./target";

type Row = typeof schema.datasetRows.$inferSelect;
export interface Generated {
  idx: number;
  prediction: string;
  error: string | null;
  cacheKey: string | null;
  /** a generated answer's facts (stored predictions have none); a cached answer repeats its first run's */
  answeredBy?: string | null;
  latencyMs?: number | null;
  cost?: number | null;
  traceId?: string | null;
}

/** At most this many calls at once per run; the provider's own limit (callUpstream) applies under it. */
export const EVAL_CONCURRENCY = 4;
const ATTEMPTS = 3;
const BACKOFF_MS = 200;

/** What a run's generation needs once: the target (with what its answers come from), the API to call, and the cost ceiling. */
export interface Generator {
  ref: LiveRef;
  deployment: LiveTarget;
  api: "chat" | "completion";
  /** the prompt version the run renders each row with (its stored version, not its label now), and its config's parameters */
  prompt: EvalPrompt | null;
  promptParams: Record<string, unknown>;
  concurrency: number;
  /** USD spent so far by the run (resumed runs start from their stored items) and its ceiling */
  spent: number;
  maxCost: number | null;
}

export async function generatorFor(
  db: DbOrTx,
  projectId: string,
  target: LiveTargetInput,
  budget?: { spent: number; maxCost: number | null },
): Promise<Generator> {
  const ref = refOf(target);
  const d = await liveTargets().resolve(db, projectId, ref);
  if (typeof d === "string") throw new Error(d);
  const prompt = target.prompt ? await resolvePrompt(db, projectId, target.prompt) : null;
  // a chat prompt sends its messages; a text prompt a completion, or one user message where the target answers chat
  const kind = prompt ? (prompt.template.type === "chat" ? "chat" : undefined) : target.template?.kind;
  const api = target.kind === "router" ? "chat" : (kind ?? (d.task === "completion" ? "completion" : "chat"));
  const limit = d.concurrencyLimit ?? EVAL_CONCURRENCY;
  return {
    ref,
    deployment: d,
    api,
    prompt,
    promptParams: prompt ? configParams(prompt.config) : {},
    concurrency: Math.max(1, Math.min(EVAL_CONCURRENCY, limit)),
    spent: budget?.spent ?? 0,
    maxCost: budget?.maxCost ?? null,
  };
}

/**
 * The sampling parameters of a prompt version's config that an eval call takes: a subset of what the
 * gateway's prompt_id forwards (server/routing/service-prompt.ts), since the run's target fixes the
 * model and an eval item sends no tools or response format.
 */
const CONFIG_PARAMS = ["temperature", "top_p", "max_tokens", "stop", "seed", "frequency_penalty", "presence_penalty"];
const configParams = (config: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(config).filter(([k, v]) => CONFIG_PARAMS.includes(k) && v !== null && v !== undefined));

/** What one item sends: the rendered text (a prompt or one user message), or a chat prompt's messages. */
export type Rendered = string | { role: string; content: string }[];

/** A row rendered through the run's prompt version or template; a variable the row lacks is the item's error, naming it. */
export function renderRow(g: Generator, target: LiveTargetInput, row: Row): { rendered: Rendered } | { error: string } {
  if (!g.prompt) return { rendered: renderTemplate(target.template?.text ?? DEFAULT_TEMPLATE, row) };
  try {
    const t = liveTargets().renderPrompt(g.prompt.template, promptVariables(row.input));
    return { rendered: t.type === "chat" ? t.messages : t.prompt };
  } catch (err) {
    return { error: `prompt ${g.prompt.name} version ${g.prompt.version}: ${(err as Error).message} in the row's input` };
  }
}

/** Thrown when a run's answers have cost its ceiling: the run stops as failed, keeping what it scored. */
export class CostCeilingReached extends Error {}

/** The cache key of one answer: the model, the target's defaults, the API, the rendered input and the parameters. */
export function cacheKeyOf(g: Generator, target: LiveTargetInput, rendered: Rendered): string {
  const facts = [g.deployment.modelKey, g.deployment.defaults, g.api, rendered, target.params ?? {}];
  // a prompt's parameters change its answers; runs without one keep their earlier keys
  if (Object.keys(g.promptParams).length) facts.push(g.promptParams);
  return createHash("sha256").update(JSON.stringify(facts)).digest("hex");
}

/** An answer of an earlier run in the project with the same key, if any. */
async function cached(db: DbOrTx, projectId: string, key: string) {
  const items = schema.evalItems;
  const [hit] = await db
    .select({ prediction: items.prediction, answeredBy: items.answeredBy, latencyMs: items.latencyMs, traceId: items.traceId })
    .from(items)
    .where(and(eq(items.projectId, projectId), eq(items.cacheKey, key), isNull(items.error)))
    .limit(1);
  return hit ?? null;
}

/** Worth another try: rate limits, upstream failures and anything that is not the gateway refusing the request. */
export const transient = (status: number) => status === 429 || status >= 500;

/** A failed gateway call; `retry` when another try may succeed. */
export class CallFailed extends Error {
  constructor(
    message: string,
    readonly retry: boolean,
  ) {
    super(message);
  }
}

/** The answer text of a JSON gateway result, or why there is none. */
function textOf(result: LiveAnswer, api: "chat" | "completion") {
  if (result.kind !== "json") throw new CallFailed("the deployment answered with a stream", false);
  const body = result.body as { error?: { message?: string }; choices?: { text?: string; message?: { content?: unknown } }[] };
  if (result.status !== 200) throw new CallFailed(body.error?.message ?? `status ${result.status}`, transient(result.status));
  const choice = body.choices?.[0];
  const text = api === "chat" ? choice?.message?.content : choice?.text;
  if (typeof text !== "string") throw new CallFailed("the answer has no text", false);
  return { text, answeredBy: result.answeredBy ?? null, cost: result.cost ?? 0, traceId: result.traceId ?? null };
}

/** One call through the gateway's service layer (in process), logged as a trace tagged with the run. */
async function callOnce(ctx: JobContext<unknown>, runId: string, g: Generator, target: LiveTargetInput, idx: number, rendered: Rendered) {
  const p = target.params ?? {};
  const text = typeof rendered === "string" ? rendered : "";
  const body = {
    // the prompt version's parameters go under the target's own
    ...g.promptParams,
    ...(g.api === "chat"
      ? { messages: typeof rendered === "string" ? [{ role: "user", content: rendered }] : rendered }
      : { prompt: text }),
    ...(p.maxTokens !== undefined ? { max_tokens: p.maxTokens } : {}),
    ...(p.temperature !== undefined ? { temperature: p.temperature } : {}),
    ...(p.seed !== undefined ? { seed: p.seed } : {}),
    metadata: { tags: [`eval-run:${runId}`], trace_name: `eval run ${runId}`, eval_run_id: runId, eval_item: idx },
  };
  const c = { db: ctx.db, projectId: ctx.projectId as string, signal: ctx.signal, ...(g.prompt ? { promptVersionId: g.prompt.id } : {}) };
  let answer: LiveAnswer;
  try {
    answer = await liveTargets().call(c, g.ref, g.api, body);
  } catch (err) {
    throw new CallFailed((err as Error).message, true);
  }
  return textOf(answer, g.api);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `call` tried up to 3 times, backing off, while it fails with a CallFailed worth another try (any
 * other throw ends it); the value, or the last failure's message. Cancellation throws.
 */
export async function withRetries<T>(signal: AbortSignal, call: () => Promise<T>): Promise<{ value: T } | { error: string }> {
  let last = "";
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    if (signal.aborted) throw new Error(`eval run stopped: ${String(signal.reason ?? "cancelled")}`);
    try {
      return { value: await call() };
    } catch (err) {
      last = (err as Error).message;
      if (!(err instanceof CallFailed && err.retry) || signal.aborted) break;
      if (attempt < ATTEMPTS) await sleep(BACKOFF_MS * 2 ** (attempt - 1));
    }
  }
  if (signal.aborted) throw new Error(`eval run stopped: ${String(signal.reason ?? "cancelled")}`);
  return { error: last };
}

/** One item: from the cache, else the deployment with retries on transient failures; a final failure is the item's error. */
async function generateOne(ctx: JobContext<unknown>, runId: string, g: Generator, target: LiveTargetInput, row: Row): Promise<Generated> {
  const r0 = renderRow(g, target, row);
  if ("error" in r0)
    return { idx: row.idx, prediction: "", error: r0.error, cacheKey: null, answeredBy: null, latencyMs: null, cost: null, traceId: null };
  const rendered = r0.rendered;
  const cacheKey = cacheKeyOf(g, target, rendered);
  const hit = await cached(ctx.db, ctx.projectId as string, cacheKey);
  // a cached answer costs nothing now; its answerer, latency and trace are the first run's
  if (hit !== null) return { idx: row.idx, error: null, cacheKey, ...hit, cost: 0 };
  const r = await withRetries(ctx.signal, async () => {
    const started = performance.now();
    const a = await callOnce(ctx, runId, g, target, row.idx, rendered);
    return { ...a, latencyMs: performance.now() - started };
  });
  if ("error" in r)
    return { idx: row.idx, prediction: "", error: r.error, cacheKey: null, answeredBy: null, latencyMs: null, cost: null, traceId: null };
  const a = r.value;
  g.spent += a.cost;
  return {
    idx: row.idx,
    prediction: a.text,
    error: null,
    cacheKey,
    answeredBy: a.answeredBy ?? g.deployment.label,
    latencyMs: a.latencyMs,
    cost: a.cost,
    traceId: a.traceId,
  };
}

/**
 * Answers for a page of rows, at most `g.concurrency` at once, in row order. `onItem` runs as each
 * one ends (progress); cancellation stops taking new items and throws. Once the run's spending
 * reaches its ceiling no new item is started: the page comes back short (the items in flight finish
 * and are kept), and the caller stops the run.
 */
export async function generatePage(
  ctx: JobContext<unknown>,
  runId: string,
  g: Generator,
  target: LiveTargetInput,
  page: Row[],
  onItem: () => Promise<void>,
): Promise<Generated[]> {
  const out: Generated[] = new Array(page.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      const row = page[i];
      if (!row) return;
      if (ctx.signal.aborted) throw new Error(`eval run stopped: ${String(ctx.signal.reason ?? "cancelled")}`);
      if (g.maxCost !== null && g.spent >= g.maxCost) return;
      out[i] = await generateOne(ctx, runId, g, target, row);
      await onItem();
    }
  };
  await Promise.all(Array.from({ length: Math.min(g.concurrency, page.length) }, worker));
  // short when the ceiling stopped it: up to the first item never started (an answer in flight past it is dropped)
  const firstMissing = out.findIndex((x) => !x);
  return firstMissing < 0 ? out : out.slice(0, firstMissing);
}
