/** Display formatting for logged calls: durations, token counts, previews (money: formatCost in app/_lib/format). */

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

export const formatInt = (n: number | null | undefined) => (n === null || n === undefined ? "—" : integer.format(n));

/** Milliseconds: "850 ms" under a second, "1.50 s" from there. */
export function formatLatency(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** Mean rating to two decimals with the count: "0.75 (4)". */
export function formatRating(mean: number | null, count: number): string {
  if (!count) return "—";
  return mean === null ? `(${count})` : `${mean.toFixed(2)} (${count})`;
}

/** The text of a chat message's content: a string, or the text of its `{type: "text", text}` parts. */
export function contentText(content: unknown): string | null {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    const texts = content
      .map((p) => (typeof p === "string" ? p : p && typeof p === "object" && "text" in p && typeof p.text === "string" ? p.text : null))
      .filter((t): t is string => t !== null);
    return texts.length ? texts.join("\n") : null;
  }
  return null;
}

/** Something readable from a logged value: the last user message of a chat, a message's content, a string. */
export function readableText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (Array.isArray(value)) {
    const msgs = value.filter((m): m is { role: unknown; content: unknown } => !!m && typeof m === "object" && "role" in m);
    const pick = msgs.findLast((m) => m.role === "user") ?? msgs.at(-1);
    if (pick) return contentText(pick.content) ?? JSON.stringify(pick.content);
    return JSON.stringify(value);
  }
  if (typeof value === "object") {
    const o = value as Record<string, unknown>;
    const choice = Array.isArray(o.choices) ? (o.choices[0] as { message?: unknown } | undefined)?.message : undefined;
    if (choice) return readableText(choice);
    const text = contentText(o.content) ?? contentText(o.text);
    if (text !== null) return text;
  }
  return JSON.stringify(value);
}

/**
 * A list preview from the server's first 300 characters of the JSON text. Usually cut mid-value, so
 * when it does not parse, take the last "content"/"text" string it reaches (likely the user's turn).
 */
export function previewText(raw: string | null): string {
  if (raw === null || raw === "null") return "";
  try {
    return readableText(JSON.parse(raw));
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
