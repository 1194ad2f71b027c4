import type { scoreOne } from "./score-jsonl";

/** Flatten sentence scores into figures: bleu.score, chrf.score, rouge1.fmeasure, exact_match.score, ... */
export function figuresOf(s: ReturnType<typeof scoreOne>): Record<string, number> {
  const f: Record<string, number> = {};
  if (s.bleu) f["bleu.score"] = s.bleu.score;
  if (s.chrf) f["chrf.score"] = s.chrf.score;
  if (s.exact_match) f["exact_match.score"] = s.exact_match.score;
  for (const [type, v] of Object.entries(s.rouge ?? {})) {
    f[`${type}.precision`] = v.precision;
    f[`${type}.recall`] = v.recall;
    f[`${type}.fmeasure`] = v.fmeasure;
  }
  return f;
}
