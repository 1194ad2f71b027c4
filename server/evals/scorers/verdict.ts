/**
 * A judge's verdict: its options, the instruction the judge reads, and the three ways an answer
 * becomes one option — the options' log-probabilities as continuations of the judge's prompt, the
 * first token's most likely alternatives, or the answer's text. Pure, so they are tested on their own.
 */

export type Verdict = { kind: "categorical"; options: { label: string; score: number }[] } | { kind: "numeric"; min: number; max: number };

export interface VerdictOption {
  label: string;
  score: number;
}

/** Most options a numeric verdict spans (each is scored as a continuation of the prompt). */
export const MAX_NUMERIC_OPTIONS = 101;

/** The options: a categorical verdict's own, or every whole number of a numeric one (its label is the number). */
export function optionsOf(v: Verdict): VerdictOption[] {
  if (v.kind === "categorical") return v.options;
  return Array.from({ length: v.max - v.min + 1 }, (_, i) => ({ label: String(v.min + i), score: v.min + i }));
}

/** What the judge is told to answer. */
export function verdictInstruction(v: Verdict): string {
  if (v.kind === "numeric") return `Answer with a whole number from ${v.min} to ${v.max}.`;
  return `Answer with exactly one of: ${v.options.map((o) => o.label).join(", ")}.`;
}

/**
 * Whether the options, as continuations, need an end: when one label begins another ("1" and "10",
 * "good" and "good enough"), the text starting with the longer also starts with the shorter, so
 * their probabilities would overlap; with a line end after each, the continuations exclude each
 * other and comparing them is exact. Labels that begin no other need none (and a line end would
 * weigh in what the model writes after the label).
 */
export function needsEnd(labels: string[]): boolean {
  const low = labels.map((l) => l.toLowerCase());
  return low.some((a, i) => low.some((b, j) => i !== j && b.startsWith(a)));
}

/** An option as the text after the prompt ("...Verdict:" then " good"). */
export const continuationOf = (label: string, end: boolean): string => ` ${label}${end ? "\n" : ""}`;

/** Legacy completions' log-probabilities, as an echoed prompt returns them. */
export interface CompletionLogprobs {
  tokens?: string[];
  token_logprobs?: (number | null)[];
  text_offset?: number[];
}

/**
 * The log-probability of the text from `start` to `end` of an echoed prompt: the sum over the tokens
 * that cover it. `exact` is false when a token also covers text before `start` (the tokenizer joined
 * the prompt's end to the option's start), so the sum holds some of the prompt too. Null when a token
 * it needs has no log-probability (the text was cut to the model's context) or there are none.
 */
export function spanLogprob(
  lp: CompletionLogprobs | null | undefined,
  start: number,
  end: number,
): { logprob: number; exact: boolean } | null {
  const tokens = lp?.tokens ?? [];
  const offsets = lp?.text_offset ?? [];
  const values = lp?.token_logprobs ?? [];
  let sum = 0;
  let found = false;
  let exact = true;
  for (const [i, t] of tokens.entries()) {
    const from = offsets[i];
    // where it ends: where the next token starts (a token holding part of a character reads as U+FFFD, whose length is not its text's)
    const next = offsets[i + 1];
    const to = next !== undefined && next > (from ?? 0) ? next : (from ?? 0) + t.length;
    if (from === undefined || from >= end || to <= start) continue;
    const v = values[i];
    if (v === null || v === undefined || !Number.isFinite(v)) return null;
    if (from < start) exact = false;
    sum += v;
    found = true;
  }
  return found ? { logprob: sum, exact } : null;
}

/** The index of the highest log-probability (the first of equals); null when none is known. */
export function argmaxOf(values: (number | null)[]): number | null {
  let best: number | null = null;
  for (const [i, v] of values.entries()) if (v !== null && (best === null || v > (values[best] as number))) best = i;
  return best;
}

const logAdd = (a: number | null, b: number) => (a === null ? b : Math.max(a, b) + Math.log1p(Math.exp(-Math.abs(a - b))));

/**
 * Each option's probability that the answer's first token begins it, from that token's most likely
 * alternatives (a provider's `top_logprobs`): a token counts for an option when it begins the label
 * (or is the label followed by punctuation) and begins no other label; tokens shared by several
 * labels decide nothing. Null for an option none of the alternatives begins (less likely than each).
 */
export function firstTokenLogprobs(top: { token: string; logprob: number }[], labels: string[]): (number | null)[] {
  const low = labels.map((l) => l.toLowerCase());
  const out: (number | null)[] = labels.map(() => null);
  for (const t of top) {
    const norm = t.token.replace(/^\s+/, "").toLowerCase();
    if (!norm || !Number.isFinite(t.logprob)) continue;
    const matches = low.flatMap((l, i) =>
      l.startsWith(norm) || (norm.startsWith(l) && /^[^\p{L}\p{N}]/u.test(norm.slice(l.length))) ? [i] : [],
    );
    if (matches.length !== 1) continue;
    const i = matches[0] as number;
    out[i] = logAdd(out[i] ?? null, t.logprob);
  }
  return out;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const MARKER = /(?:verdict|score|rating|answer|grade)\s*[:=]/gi;

/**
 * A verdict read from the judge's text: after its last "Verdict:" (or Score:, Rating:, Answer:,
 * Grade:) when it writes one, else anywhere; the first option label in it (the longest where labels
 * start at one place), or the first number, which must be a whole number within the scale.
 */
export function parseVerdictText(text: string, v: Verdict): { index: number } | { error: string } {
  const markers = [...text.matchAll(MARKER)];
  const last = markers.at(-1);
  const tail = last ? text.slice((last.index ?? 0) + last[0].length) : text;
  const options = optionsOf(v);
  if (v.kind === "numeric") {
    const m = tail.match(/(?<![\p{L}\p{N}.])[-+]?\d+(?:\.\d+)?/u);
    if (!m) return { error: `no number from ${v.min} to ${v.max} in the judge's answer` };
    const n = Number(m[0]);
    if (!Number.isInteger(n)) return { error: `${m[0]} is not a whole number from ${v.min} to ${v.max}` };
    if (n < v.min || n > v.max) return { error: `${m[0]} is outside the scale ${v.min} to ${v.max}` };
    return { index: n - v.min };
  }
  let best: { index: number; at: number; length: number } | null = null;
  for (const [index, o] of options.entries()) {
    const m = new RegExp(`(?<![\\p{L}\\p{N}])${escapeRe(o.label)}(?![\\p{L}\\p{N}])`, "iu").exec(tail);
    if (!m) continue;
    if (!best || m.index < best.at || (m.index === best.at && o.label.length > best.length))
      best = { index, at: m.index, length: o.label.length };
  }
  if (!best) return { error: `none of the options (${options.map((o) => o.label).join(", ")}) in the judge's answer` };
  return { index: best.index };
}
