/**
 * One set of rating keys for the trace page and annotation queues (pure, unit-tested beside here):
 * y / n thumbs or yes/no (the first boolean score), 1–9 the first numeric score's value or the first
 * categorical score's n-th category, Enter submits, s skips (queues), c jumps to the comment, ? help.
 */

export interface KeyScore {
  id: string;
  name: string;
  dataType: "numeric" | "categorical" | "boolean" | "text";
  min: number | null;
  max: number | null;
  categories: { label: string; value: number }[] | null;
}

export type KeyAction =
  | { kind: "pick"; configId: string; value: string | boolean }
  | { kind: "submit" }
  | { kind: "skip" }
  | { kind: "comment" }
  | { kind: "help" };

/** Focus is somewhere typing goes: single-key shortcuts stay out of its way. */
export function isTextField(el: EventTarget | null): boolean {
  if (!el || typeof (el as HTMLElement).tagName !== "string") return false;
  const h = el as HTMLElement;
  if (h.isContentEditable || h.tagName === "TEXTAREA" || h.tagName === "SELECT") return true;
  return h.tagName === "INPUT" && !["checkbox", "radio", "button", "submit", "reset"].includes((h as HTMLInputElement).type);
}

/** The score y/n pick for: the first boolean one. */
export const yesNoScore = <C extends KeyScore>(configs: C[]) => configs.find((c) => c.dataType === "boolean");
/** The score digits pick for: the first numeric or categorical one. */
export const digitScore = <C extends KeyScore>(configs: C[]) =>
  configs.find((c) => c.dataType === "numeric" || c.dataType === "categorical");

/** What a key (KeyboardEvent.key, no modifiers) does, or null. Digits out of a score's range do nothing. */
export function ratingKey(configs: KeyScore[], key: string): KeyAction | null {
  if (key === "Enter") return { kind: "submit" };
  if (key === "?") return { kind: "help" };
  const k = key.toLowerCase();
  if (k === "s") return { kind: "skip" };
  if (k === "c") return { kind: "comment" };
  if (k === "y" || k === "n") {
    const b = yesNoScore(configs);
    return b ? { kind: "pick", configId: b.id, value: k === "y" } : null;
  }
  if (!/^[1-9]$/.test(key)) return null;
  const c = digitScore(configs);
  if (!c) return null;
  const d = Number(key);
  if (c.dataType === "categorical") {
    const cat = c.categories?.[d - 1];
    return cat ? { kind: "pick", configId: c.id, value: cat.label } : null;
  }
  if ((c.min !== null && d < c.min) || (c.max !== null && d > c.max)) return null;
  return { kind: "pick", configId: c.id, value: String(d) };
}

/** The hint next to a score's control naming its keys, or undefined when no key drives it. */
export function keyHint(configs: KeyScore[], c: KeyScore): string | undefined {
  if (yesNoScore(configs)?.id === c.id) return "keys Y / N";
  if (digitScore(configs)?.id !== c.id) return undefined;
  if (c.dataType === "categorical") {
    const n = Math.min(9, c.categories?.length ?? 0);
    return n ? `keys 1–${n} pick a label` : undefined;
  }
  const lo = Math.max(1, Math.ceil(c.min ?? 1));
  const hi = Math.min(9, Math.floor(c.max ?? 9));
  return lo <= hi ? `keys ${lo}–${hi}` : undefined;
}
