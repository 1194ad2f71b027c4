/**
 * The scorers that need nothing but the answer (and its references): regex and JSON checks, and the
 * cosine the embedding scorer takes between vectors. Pure, so they are tested on their own.
 */

/** A regex scorer's pattern compiled, or why it does not compile. Flags g and y are not taken: they make `test` stateful. */
export function compilePattern(pattern: string, flags = ""): RegExp | string {
  try {
    return new RegExp(pattern, flags);
  } catch (err) {
    return (err as Error).message;
  }
}

/** 1 when the answer matches, else 0. */
export const regexScore = (re: RegExp, answer: string): number => (re.test(answer) ? 1 : 0);

/**
 * The JSON an answer holds: the whole text, else the first fenced block in it (```json ... ``` or
 * ``` ... ```), as models often wrap JSON in one, with words around it.
 */
export function parseJsonAnswer(answer: string): { ok: true; value: unknown } | { ok: false; error: string } {
  const whole = tryParse(answer.trim());
  if (whole.ok) return whole;
  const fenced = answer.match(/```[ \t]*(?:json)?[ \t]*\r?\n([\s\S]*?)```/i);
  if (fenced) {
    const inner = tryParse((fenced[1] as string).trim());
    if (inner.ok) return inner;
    return { ok: false, error: `the fenced block is not JSON: ${inner.error}` };
  }
  return whole;
}

function tryParse(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/**
 * 1 when the answer is JSON holding every required key (top-level keys of an object), else 0 with
 * why (shown beside the item).
 */
export function jsonScore(answer: string, requiredKeys: string[] = []): { score: 0 | 1; reason?: string; missing?: string[] } {
  const parsed = parseJsonAnswer(answer);
  if (!parsed.ok) return { score: 0, reason: `not JSON: ${parsed.error}` };
  if (!requiredKeys.length) return { score: 1 };
  const v = parsed.value;
  if (v === null || typeof v !== "object" || Array.isArray(v))
    return {
      score: 0,
      reason: `JSON ${v === null ? "null" : Array.isArray(v) ? "array" : typeof v}, not an object with the required keys`,
    };
  const missing = requiredKeys.filter((k) => !Object.hasOwn(v, k));
  return missing.length ? { score: 0, reason: `missing keys: ${missing.join(", ")}`, missing } : { score: 1 };
}

/** Cosine similarity; 0 when either vector is all zeros (nothing to compare). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`vectors of different lengths (${a.length} and ${b.length})`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** The closest of the references to the answer: its index and cosine; null without references. */
export function closest(answer: ArrayLike<number>, references: ArrayLike<number>[]): { index: number; cosine: number } | null {
  let best: { index: number; cosine: number } | null = null;
  for (const [index, r] of references.entries()) {
    const c = cosine(answer, r);
    if (!best || c > best.cosine) best = { index, cosine: c };
  }
  return best;
}
