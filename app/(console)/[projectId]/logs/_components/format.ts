/** Display formatting for logged calls: durations, token counts, previews (money: formatCost in app/_lib/format). */

import { previewText as chatPreview } from "./chat/parse";

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

export const formatInt = (n: number | null | undefined) => (n === null || n === undefined ? "—" : integer.format(n));

/** Milliseconds: "850 ms" under a second, "1.50 s" from there. */
export function formatLatency(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/**
 * A list preview from the server's first 300 characters of the JSON text. Usually cut mid-value, so
 * when it does not parse, take the last "content"/"text" string it reaches (likely the user's turn);
 * when it does, the chat parser's preview (any chat shape: OpenAI, Anthropic, Langfuse, OTel GenAI).
 */
export function previewText(raw: string | null): string {
  if (raw === null || raw === "null") return "";
  try {
    return chatPreview(JSON.parse(raw), 300);
  } catch {
    const hits = [...raw.matchAll(/"(?:content|text)"\s*:\s*"((?:[^"\\]|\\.)*)/g)];
    // a long string value cut short: the string itself
    const last = hits.at(-1)?.[1] ?? (raw.startsWith('"') ? raw.slice(1).replace(/\\$/, "") : undefined);
    if (last === undefined) return raw;
    try {
      return `${JSON.parse(`"${last}"`)}…`;
    } catch {
      return `${last.replace(/\\n/g, " ").replace(/\\(.)/g, "$1")}…`;
    }
  }
}

const clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
const dayClock = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });

/** Compact list time: the clock (to the second) for today, else the day and minute. */
export function formatListTime(d: Date, now = new Date()): string {
  return d.toDateString() === now.toDateString() ? clock.format(d) : dayClock.format(d);
}

/**
 * One score of a trace, in its own terms (never mixed with another score): numeric "4.5 (2)",
 * boolean "yes", "no" or "67% yes (3)", categorical its labels, text the number of answers.
 */
export function formatScore(s: { dataType: string; mean: number | null; count: number; labels: string[] } | undefined): string {
  if (!s?.count) return "—";
  const n = s.count > 1 ? ` (${s.count})` : "";
  if (s.dataType === "categorical" && s.labels.length) return s.labels.join(", ") + n;
  if (s.dataType === "text" || s.mean === null) return `${s.count} answer${s.count === 1 ? "" : "s"}`;
  if (s.dataType === "boolean") return s.count === 1 ? (s.mean >= 1 ? "yes" : "no") : `${Math.round(s.mean * 100)}% yes${n}`;
  return `${Number(s.mean.toFixed(2))}${n}`;
}
