/** Pure helpers of the reviewer's workspace: score controls, drafts to ratings, keyboard shortcuts. */

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

/** Focus is somewhere typing goes: single-key shortcuts stay out of its way. */
export function isTextField(el: EventTarget | null): boolean {
  if (!el || typeof (el as HTMLElement).tagName !== "string") return false;
  const h = el as HTMLElement;
  if (h.isContentEditable || h.tagName === "TEXTAREA" || h.tagName === "SELECT") return true;
  return h.tagName === "INPUT" && !["checkbox", "radio", "button", "submit", "reset"].includes((h as HTMLInputElement).type);
}

/** The config that digit keys pick for: the first numeric or categorical one. */
export const digitConfig = (configs: ScoreConfig[]) => configs.find((c) => c.dataType === "numeric" || c.dataType === "categorical");
/** The config that y/n pick for: the first boolean one. */
export const yesNoConfig = (configs: ScoreConfig[]) => configs.find((c) => c.dataType === "boolean");

/**
 * What a key press sets, if anything: y/n for the first boolean config; for the first numeric config
 * a digit is its own value (when in range); for the first categorical config 1..9 is the nth category.
 */
export function shortcutValue(configs: ScoreConfig[], key: string): { configId: string; value: Draft } | null {
  const k = key.toLowerCase();
  if (k === "y" || k === "n") {
    const b = yesNoConfig(configs);
    return b ? { configId: b.id, value: k === "y" } : null;
  }
  if (!/^[0-9]$/.test(key)) return null;
  const c = digitConfig(configs);
  if (!c) return null;
  const d = Number(key);
  if (c.dataType === "categorical") {
    const cat = d >= 1 ? c.categories?.[d - 1] : undefined;
    return cat ? { configId: c.id, value: cat.label } : null;
  }
  if ((c.min !== null && d < c.min) || (c.max !== null && d > c.max)) return null;
  return { configId: c.id, value: String(d) };
}

/** The hint shown next to a config's control, naming its keys. */
export function shortcutHint(configs: ScoreConfig[], c: ScoreConfig): string | undefined {
  if (yesNoConfig(configs)?.id === c.id) return "keys Y / N";
  if (digitConfig(configs)?.id !== c.id) return undefined;
  if (c.dataType === "categorical") {
    const n = Math.min(9, c.categories?.length ?? 0);
    return n ? `keys 1–${n}` : undefined;
  }
  const lo = Math.max(0, Math.ceil(c.min ?? 0));
  const hi = Math.min(9, Math.floor(c.max ?? 9));
  return lo <= hi ? `keys ${lo}–${hi}` : undefined;
}
