/** How a new queue is filled: the traces of a filter, or a list of trace ids. Pure, for the form. */

import type { RouterInputs } from "@/app/_lib/trpc";

export type AddItems = RouterInputs["logs"]["queues"]["addItems"]["items"];

const HOUR = 3_600_000;
export const TIME_PRESETS = [
  { value: "", label: "Any time", ms: 0 },
  { value: "1h", label: "Last hour", ms: HOUR },
  { value: "24h", label: "Last 24 hours", ms: 24 * HOUR },
  { value: "7d", label: "Last 7 days", ms: 7 * 24 * HOUR },
  { value: "30d", label: "Last 30 days", ms: 30 * 24 * HOUR },
] as const;
export type TimePreset = (typeof TIME_PRESETS)[number]["value"];

/** Most trace ids one paste may hold (the server's limit per call). */
export const MAX_TRACE_IDS = 10_000;

/** "a, b ,c" into ["a", "b", "c"]. */
export const parseTags = (s: string) => [
  ...new Set(
    s
      .split(",")
      .map((t) => t.trim())
      .filter(Boolean),
  ),
];

/** One id a line; blank lines and repeats dropped. */
export const parseTraceIds = (s: string) => [
  ...new Set(
    s
      .split(/\r?\n/)
      .map((t) => t.trim())
      .filter(Boolean),
  ),
];

export interface FillDraft {
  mode: "filter" | "ids";
  tags: string;
  search: string;
  range: TimePreset;
  ids: string;
}

/** The addItems input for a draft, or an error naming what is missing. */
export function itemsOf(d: FillDraft, now = Date.now()): { items: AddItems } | { error: string; field: "tags" | "ids" } {
  if (d.mode === "ids") {
    const traceIds = parseTraceIds(d.ids);
    if (traceIds.length === 0) return { error: "Paste at least one trace id", field: "ids" };
    if (traceIds.length > MAX_TRACE_IDS) return { error: `At most ${MAX_TRACE_IDS.toLocaleString()} ids at a time`, field: "ids" };
    if (traceIds.some((id) => id.length > 200)) return { error: "A trace id is longer than 200 characters", field: "ids" };
    return { items: { traceIds } };
  }
  const tags = parseTags(d.tags);
  if (tags.length > 20) return { error: "At most 20 tags", field: "tags" };
  const preset = TIME_PRESETS.find((p) => p.value === d.range);
  const filter: Extract<AddItems, { filter: unknown }>["filter"] = {};
  if (tags.length) filter.tags = tags;
  if (d.search.trim()) filter.search = d.search.trim();
  if (preset?.ms) filter.from = new Date(now - preset.ms);
  return { items: { filter } };
}

/** In words, for the form: what the filter will add. */
export function describeFilter(d: FillDraft): string {
  const tags = parseTags(d.tags);
  const parts: string[] = [];
  if (tags.length) parts.push(`tagged ${tags.join(" and ")}`);
  if (d.search.trim()) parts.push(`matching “${d.search.trim()}”`);
  const preset = TIME_PRESETS.find((p) => p.value === d.range);
  if (preset?.ms) parts.push(`from the ${preset.label.toLowerCase()}`);
  return parts.length
    ? `Adds every trace ${parts.join(", ")} (newest first, up to 10,000).`
    : "No conditions: adds every trace in the project (newest first, up to 10,000).";
}
