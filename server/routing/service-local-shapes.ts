import type { GenerateResult, PromptToken, TokenLogprob } from "../serving";

/**
 * OpenAI's response objects for a local model's generations: chat completions and (legacy) text
 * completions, whole and as stream chunks. A choice is one generation with its index among them.
 */
export interface Choice extends GenerateResult {
  index: number;
  /** echoed prompt text before the generated text (completions' `echo`) */
  prefix: string;
  /** with `echo` and `logprobs`: the echoed prompt's tokens, from `offset` in it (a prompt cut to the context keeps its end) */
  echo?: { tokens: PromptToken[]; offset: number };
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** How one endpoint writes its answers. */
export interface Shape {
  whole: (id: string, choices: Choice[], usage: Usage) => unknown;
  delta: (id: string, index: number, text: string, first: boolean) => unknown;
  /** the choice's last chunk: its finish reason, and its log-probabilities when asked for (all of them, here) */
  finish: (id: string, choice: Choice) => unknown;
  usageChunk: (id: string, usage: Usage) => unknown;
  /** the call's output on its trace */
  output: (choices: Choice[]) => unknown;
}

const created = () => Math.floor(Date.now() / 1000);

/** A token's UTF-8 bytes (null when it is part of a character: the decoded text holds U+FFFD). */
const bytesOf = (token: string) => (token.includes("\uFFFD") ? null : Array.from(Buffer.from(token, "utf8")));

const chatLogprobs = (tokens: TokenLogprob[] | undefined) =>
  tokens
    ? {
        content: tokens.map((t) => ({
          token: t.token,
          logprob: t.logprob,
          bytes: bytesOf(t.token),
          top_logprobs: t.top.map((a) => ({ token: a.token, logprob: a.logprob, bytes: bytesOf(a.token) })),
        })),
        refusal: null,
      }
    : null;

/**
 * The legacy completions' log-probabilities; `text_offset` counts from the start of the choice's text.
 * An echoed prompt's tokens come first (the first with null, as OpenAI gives: nothing precedes it).
 */
function completionLogprobs(tokens: TokenLogprob[] | undefined, offset: number, echo?: Choice["echo"]) {
  if (!tokens) return null;
  const all: { token: string; logprob: number | null; top: { token: string; logprob: number }[] }[] = [...(echo?.tokens ?? []), ...tokens];
  // an echoed prompt's tokens know where they start (exact on any text); the generated text starts right after it
  const offsets: number[] = (echo?.tokens ?? []).map((t) => t.offset);
  let at = offset;
  for (const t of tokens) {
    offsets.push(at);
    at += t.token.length;
  }
  return {
    tokens: all.map((t) => t.token),
    token_logprobs: all.map((t) => t.logprob),
    top_logprobs: all.map((t) => (t.logprob === null ? null : Object.fromEntries(t.top.map((a) => [a.token, a.logprob])))),
    text_offset: offsets,
  };
}

/** One output, or the list when there are several choices. */
const oneOrAll = <T>(choices: Choice[], f: (c: Choice) => T): T | T[] => (choices.length === 1 ? f(choices[0] as Choice) : choices.map(f));

export function chatShape(model: string): Shape {
  const chunk = (id: string, choices: unknown[], extra: Record<string, unknown> = {}) => ({
    id,
    object: "chat.completion.chunk",
    created: created(),
    model,
    choices,
    ...extra,
  });
  return {
    whole: (id, choices, usage) => ({
      id,
      object: "chat.completion",
      created: created(),
      model,
      choices: choices.map((c) => ({
        index: c.index,
        message: { role: "assistant", content: c.text, refusal: null },
        finish_reason: c.finishReason,
        logprobs: chatLogprobs(c.tokens),
      })),
      usage,
    }),
    delta: (id, index, text, first) =>
      chunk(id, [{ index, delta: first ? { role: "assistant", content: text } : { content: text }, finish_reason: null }]),
    finish: (id, c) =>
      chunk(id, [{ index: c.index, delta: {}, finish_reason: c.finishReason, ...(c.tokens ? { logprobs: chatLogprobs(c.tokens) } : {}) }]),
    usageChunk: (id, usage) => chunk(id, [], { usage }),
    output: (choices) => oneOrAll(choices, (c) => ({ role: "assistant", content: c.text })),
  };
}

export function completionShape(model: string): Shape {
  const object = (id: string, choices: unknown[], extra: Record<string, unknown> = {}) => ({
    id,
    object: "text_completion",
    created: created(),
    model,
    choices,
    ...extra,
  });
  return {
    whole: (id, choices, usage) =>
      object(
        id,
        choices.map((c) => ({
          text: c.prefix + c.text,
          index: c.index,
          finish_reason: c.finishReason,
          logprobs: completionLogprobs(c.tokens, c.prefix.length, c.echo),
        })),
        { usage },
      ),
    delta: (id, index, text) => object(id, [{ text, index, finish_reason: null, logprobs: null }]),
    finish: (id, c) =>
      object(id, [
        { text: "", index: c.index, finish_reason: c.finishReason, logprobs: completionLogprobs(c.tokens, c.prefix.length, c.echo) },
      ]),
    usageChunk: (id, usage) => object(id, [], { usage }),
    output: (choices) => oneOrAll(choices, (c) => c.prefix + c.text),
  };
}
