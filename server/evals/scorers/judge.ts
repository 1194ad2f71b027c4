import type { schema } from "../../../db/client";
import type { JobContext } from "../../core/queue";
import { CallFailed, EVAL_CONCURRENCY, transient, withRetries } from "../generate";
import { type LiveAnswer, type LiveTarget, liveTargets } from "../live";
import { renderTemplate } from "../target";
import {
  argmaxOf,
  type CompletionLogprobs,
  continuationOf,
  firstTokenLogprobs,
  needsEnd,
  optionsOf,
  parseVerdictText,
  spanLogprob,
  type Verdict,
  verdictInstruction,
} from "./verdict";

type Row = typeof schema.datasetRows.$inferSelect;

export interface JudgeScorer {
  kind: "judge";
  name: string;
  deployment: string;
  rubric: string;
  verdict: Verdict;
  reasoning?: boolean;
}

export interface JudgeResult {
  score?: number;
  detail: Record<string, unknown>;
}

/** The verdict's answer budget in tokens (a label of up to 100 characters), and the reasoning's. */
export const VERDICT_TOKENS = 32;
export const REASONING_TOKENS = 128;

/**
 * What one judge needs for a page of items: the run's context (calls are traced, tagged with the
 * run), its deployment, and what it has learned on the way: a deployment that refuses log-probabilities
 * (a 400 to them) is asked for text for the rest of the page.
 */
interface Judge {
  ctx: JobContext<unknown>;
  runId: string | null;
  s: JudgeScorer;
  target: LiveTarget;
  /** local models answer completions (chat deployments too); a provider its own task */
  api: "chat" | "completion";
  noLogprobs: boolean;
}

/** The judge's verdict on every answer of a page (null: nothing to judge), at most 4 calls at once. */
export async function judgePage(
  ctx: JobContext<unknown>,
  runId: string | null,
  s: JudgeScorer,
  items: { row: Row; prediction: string | null }[],
): Promise<(JudgeResult | null)[]> {
  const out: (JudgeResult | null)[] = items.map(() => null);
  const target = await liveTargets().resolve(ctx.db, ctx.projectId as string, { kind: "deployment", name: s.deployment });
  if (typeof target === "string") {
    // the deployment went away after the run was created: every answer unscored, with the reason
    for (const [i, it] of items.entries()) if (it.prediction !== null) out[i] = unscored(`judge ${s.deployment}: ${target}`, "");
    return out;
  }
  const j: Judge = {
    ctx,
    runId,
    s,
    target,
    api: target.local || target.task === "completion" ? "completion" : "chat",
    noLogprobs: false,
  };
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      const it = items[i];
      if (!it) return;
      if (it.prediction !== null) out[i] = await judgeOne(j, it.row, it.prediction);
    }
  };
  const n = Math.max(1, Math.min(EVAL_CONCURRENCY, target.concurrencyLimit ?? EVAL_CONCURRENCY, items.length));
  await Promise.all(Array.from({ length: n }, worker));
  return out;
}

const unscored = (reason: string, raw: string, extra: Record<string, unknown> = {}): JudgeResult => ({
  detail: { unscored: true, reason, raw, ...extra },
});

interface Answered {
  status: number;
  body: unknown;
  traceId?: string;
  cost: number;
}

/** One judge call through the gateway (traced, tagged with the run), retried on 429 and 5xx; another status is returned, not thrown. */
async function call(
  j: Judge,
  idx: number,
  api: "chat" | "completion",
  body: Record<string, unknown>,
): Promise<Answered | { error: string }> {
  const c = { db: j.ctx.db, projectId: j.ctx.projectId as string, signal: j.ctx.signal };
  const metadata = {
    tags: j.runId ? [`eval-judge:${j.runId}`] : ["eval-judge"],
    trace_name: `judge ${j.s.name}${j.runId ? ` of eval run ${j.runId}` : ""}`,
    ...(j.runId ? { eval_run_id: j.runId } : {}),
    eval_item: idx,
    eval_scorer: `judge.${j.s.name}`,
  };
  const r = await withRetries(j.ctx.signal, async () => {
    let a: LiveAnswer;
    try {
      a = await liveTargets().call(c, { kind: "deployment", name: j.s.deployment }, api, { ...body, metadata });
    } catch (err) {
      throw new CallFailed((err as Error).message, true);
    }
    if (a.kind !== "json") throw new CallFailed("the judge answered with a stream", false);
    if (transient(a.status)) throw new CallFailed(errorOf(a.body) ?? `status ${a.status}`, true);
    return a;
  });
  if ("error" in r) return r;
  const a = r.value as Extract<LiveAnswer, { kind: "json" }>;
  return { status: a.status, body: a.body, cost: a.cost ?? 0, ...(a.traceId ? { traceId: a.traceId } : {}) };
}

const errorOf = (body: unknown) => (body as { error?: { message?: string } } | null)?.error?.message;

type ChatBody = {
  choices?: {
    message?: { content?: unknown };
    logprobs?: { content?: { top_logprobs?: { token: string; logprob: number }[] }[] } | null;
  }[];
};
type CompletionBody = { choices?: { index?: number; text?: string; logprobs?: CompletionLogprobs | null }[] };

/** The text of a 200 answer, or why there is none. */
function textOf(a: Answered | { error: string }, api: "chat" | "completion"): { text: string } | { error: string } {
  if ("error" in a) return { error: `the judge call failed: ${a.error}` };
  if (a.status !== 200) return { error: `the judge call failed: ${errorOf(a.body) ?? `status ${a.status}`}` };
  const choice = api === "chat" ? (a.body as ChatBody).choices?.[0]?.message?.content : (a.body as CompletionBody).choices?.[0]?.text;
  return typeof choice === "string" ? { text: choice } : { error: "the judge's answer has no text" };
}

/** The judge's prompt: the rubric filled from the row and the answer, its reasoning if asked for, and the verdict's instruction. */
function verdictPrompt(rubric: string, v: Verdict, reasoning: string | undefined, api: "chat" | "completion"): string {
  const why = reasoning === undefined ? "" : `${api === "chat" ? "Your reasoning" : "Reasoning"}: ${reasoning}\n`;
  if (api === "chat") return `${rubric}\n\n${why}${verdictInstruction(v)} Reply with the verdict only.`;
  return `${rubric}\n\n${why}${verdictInstruction(v)}\nVerdict:`;
}

async function judgeOne(j: Judge, row: Row, prediction: string): Promise<JudgeResult> {
  const { s, api } = j;
  const rubric = renderTemplate(s.rubric, row, { output: prediction }).trim();
  let cost = 0;
  let reasoning: string | undefined;
  if (s.reasoning) {
    const ask =
      api === "chat"
        ? {
            messages: [
              { role: "user", content: `${rubric}\n\nExplain your judgement in two or three sentences. Do not give the verdict yet.` },
            ],
          }
        : { prompt: `${rubric}\n\nExplain your judgement in two or three sentences before the verdict.\nReasoning:`, stop: ["\nVerdict"] };
    const a = await call(j, row.idx, api, { ...ask, max_tokens: REASONING_TOKENS, temperature: 0 });
    const t = textOf(a, api);
    if ("error" in t) return unscored(t.error, "");
    cost += (a as Answered).cost;
    reasoning = t.text.trim();
  }
  const extra = { ...(reasoning !== undefined ? { reasoning } : {}) };
  const prompt = verdictPrompt(rubric, s.verdict, reasoning, api);
  const options = optionsOf(s.verdict);
  const done = (index: number, a: Answered, detail: Record<string, unknown>): JudgeResult => {
    cost += a.cost;
    const o = options[index] as { label: string; score: number };
    return {
      score: o.score,
      detail: {
        verdict: o.label,
        score: o.score,
        ...detail,
        ...extra,
        ...(a.traceId ? { traceId: a.traceId } : {}),
        ...(cost ? { cost } : {}),
      },
    };
  };

  if (!j.noLogprobs && api === "completion") {
    // Each option scored as a continuation of the prompt, all in one call: the prompt and option
    // echoed with their tokens' log-probabilities (OpenAI's echo + logprobs, which local models
    // answer), the option's being the sum over its own tokens. This is the option's exact probability
    // under the judge, whatever its rank among the vocabulary, so even a small model that would
    // never write a label gives a verdict; a first token's top alternatives (at most 20) could miss
    // every label and could not tell apart labels that share a first token.
    const end = needsEnd(options.map((o) => o.label));
    const texts = options.map((o) => prompt + continuationOf(o.label, end));
    const a = await call(j, row.idx, "completion", { prompt: texts, echo: true, logprobs: 0, max_tokens: 1, temperature: 0 });
    if (!("error" in a) && a.status === 200) {
      const choices = (a.body as CompletionBody).choices ?? [];
      const spans = texts.map((t, i) => spanLogprob((choices.find((c) => c.index === i) ?? choices[i])?.logprobs, prompt.length, t.length));
      const index = argmaxOf(spans.map((x) => x?.logprob ?? null));
      if (index !== null && spans.every((x) => x !== null)) {
        // a list in the options' order (an object's keys would come back from jsonb reordered)
        const logprobs = options.map((o, i) => ({ label: o.label, logprob: spans[i]?.logprob ?? null }));
        return done(index, a, {
          method: "logprobs",
          scoring: "continuation",
          logprobs,
          ...(spans.every((x) => x?.exact) ? {} : { exact: false }),
        });
      }
      cost += a.cost;
    } else if ("error" in a) return unscored(`the judge call failed: ${a.error}`, "", extra);
    else if (a.status === 400)
      j.noLogprobs = true; // a provider without echo + logprobs: its text from now on
    else return unscored(`the judge call failed: ${errorOf(a.body) ?? `status ${a.status}`}`, "", extra);
  }

  const logprobs = !j.noLogprobs && api === "chat";
  const ask = api === "chat" ? { messages: [{ role: "user", content: prompt }] } : { prompt };
  let a = await call(j, row.idx, api, {
    ...ask,
    max_tokens: VERDICT_TOKENS,
    temperature: 0,
    ...(logprobs ? { logprobs: true, top_logprobs: 20 } : {}),
  });
  if (logprobs && !("error" in a) && a.status === 400) {
    // a provider that refuses log-probabilities: ask for the text alone, now and for the rest of the page
    j.noLogprobs = true;
    a = await call(j, row.idx, api, { ...ask, max_tokens: VERDICT_TOKENS, temperature: 0 });
  }
  const t = textOf(a, api);
  if ("error" in t) return unscored(t.error, "", extra);
  const answered = a as Answered;
  if (logprobs) {
    // a provider's first token with its 20 likeliest alternatives: where one of them begins an option, the likeliest option wins
    const top = (answered.body as ChatBody).choices?.[0]?.logprobs?.content?.[0]?.top_logprobs ?? [];
    const lps = firstTokenLogprobs(
      top,
      options.map((o) => o.label),
    );
    const index = argmaxOf(lps);
    if (index !== null)
      return done(index, answered, {
        method: "logprobs",
        scoring: "first token",
        logprobs: options.map((o, i) => ({ label: o.label, logprob: lps[i] ?? null })),
        raw: t.text,
      });
  }
  const parsed = parseVerdictText(t.text, s.verdict);
  if ("error" in parsed) return unscored(parsed.error, t.text, { ...extra, ...(answered.traceId ? { traceId: answered.traceId } : {}) });
  return done(parsed.index, answered, { method: "text", raw: t.text });
}
