/** Pure helpers of the reviewer's workspace: score controls and drafts to ratings (its keys: trace/keys.ts). */

import type { RouterOutputs } from "@/app/_lib/trpc";

export type ScoreConfig = RouterOutputs["logs"]["scoreConfigs"]["list"][number];

/** A draft per config: booleans as booleans; numbers as typed (strings); the category's label; text. */
export type Draft = string | boolean;
export type Drafts = Record<string, Draft | undefined>;

export interface Rating {
  name: string;
  value: number | string | boolean;
  comment?: string;
}

/** Widest integer range still shown as one button per value (1..5, 0..10). */
const MAX_BUTTON_SPAN = 10;

/** The integers of a numeric config shown as buttons, or null when it takes a typed number. */
export function scaleOf(c: ScoreConfig): number[] | null {
  if (c.dataType !== "numeric" || c.min === null || c.max === null) return null;
  if (!Number.isInteger(c.min) || !Number.isInteger(c.max) || c.max - c.min > MAX_BUTTON_SPAN || c.max < c.min) return null;
  return Array.from({ length: c.max - c.min + 1 }, (_, i) => (c.min as number) + i);
}

/** A numeric config's allowed range in words ("1 to 5", "at least 0"); the trace page's rating form uses it too. */
export const rangeText = (c: Pick<ScoreConfig, "min" | "max">) =>
  c.min !== null && c.max !== null
    ? `${c.min} to ${c.max}`
    : c.min !== null
      ? `at least ${c.min}`
      : c.max !== null
        ? `at most ${c.max}`
        : "any number";

/** A numeric config's draft as the number the server takes, or an error naming the config and its range. */
export function numericValue(c: Pick<ScoreConfig, "name" | "min" | "max">, d: Draft): { value: number } | { error: string } {
  const n = Number(d);
  if (typeof d !== "string" || !Number.isFinite(n)) return { error: `${c.name}: enter a number` };
  if ((c.min !== null && n < c.min) || (c.max !== null && n > c.max)) return { error: `${c.name}: ${n} is outside ${rangeText(c)}` };
  return { value: n };
}

/**
 * The ratings to send for a draft, or an error naming the config. Every config but text needs a
 * value (so agreement compares like with like); text is optional. The comment goes with each rating.
 */
export function toRatings(configs: ScoreConfig[], drafts: Drafts, comment: string): { ratings: Rating[] } | { error: string } {
  const out: Rating[] = [];
  const note = comment.trim() || undefined;
  for (const c of configs) {
    const d = drafts[c.id];
    const empty = d === undefined || (typeof d === "string" && d.trim() === "");
    if (empty) {
      if (c.dataType === "text") continue;
      return { error: `Pick a value for ${c.name}` };
    }
    if (c.dataType === "numeric") {
      const n = numericValue(c, d);
      if ("error" in n) return n;
      out.push({ name: c.name, value: n.value, comment: note });
    } else {
      out.push({ name: c.name, value: typeof d === "string" && c.dataType === "text" ? d.trim() : d, comment: note });
    }
  }
  if (out.length === 0) return { error: "Give at least one rating" };
  return { ratings: out };
}
