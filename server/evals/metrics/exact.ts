/** Exact match: 1 when the prediction equals any reference after the chosen normalization, else 0. Pure. */

/** `none`: compare as is; `strip`: trim surrounding whitespace; `lower`: trim and lowercase. */
export type ExactNormalize = "none" | "strip" | "lower";

export interface ExactMatchOptions {
  normalize?: ExactNormalize;
}

const NORMALIZERS: Record<ExactNormalize, (s: string) => string> = {
  none: (s) => s,
  strip: (s) => s.trim(),
  lower: (s) => s.trim().toLowerCase(),
};

export function exactMatch(prediction: string, references: readonly string[], options: ExactMatchOptions = {}): 0 | 1 {
  const normalize = options.normalize ?? "none";
  const fn = NORMALIZERS[normalize];
  if (!fn) throw new Error(`Unknown exact_match normalize "${String(normalize)}" (known: none, strip, lower)`);
  const p = fn(prediction);
  return references.some((r) => fn(r) === p) ? 1 : 0;
}

/** Maps the snake_case scoring-contract options (`normalize`) to `ExactMatchOptions`; unknown names throw. */
export function exactMatchOptionsFromSnake(raw: unknown): ExactMatchOptions {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== "object" || Array.isArray(raw)) throw new Error("exact_match options must be an object");
  const obj = raw as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (key !== "normalize") throw new Error(`Unknown exact_match option "${key}" (known: normalize)`);
  }
  const n = obj.normalize;
  if (n === undefined) return {};
  if (n !== "none" && n !== "strip" && n !== "lower") {
    throw new Error('exact_match option "normalize" must be one of none, strip, lower');
  }
  return { normalize: n };
}
