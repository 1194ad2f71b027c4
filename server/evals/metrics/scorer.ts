/**
 * The plug-in interface for scorers (built-in and custom) and a per-process registry. A scorer turns
 * one item (prediction, references, optional metadata) into named figures; `parseOptions` validates
 * the raw snake_case options once per run and throws an Error naming a bad option.
 */
import { type ExactMatchOptions, exactMatch, exactMatchOptionsFromSnake } from "./exact";
import { type RougeOptions, rougeOptionsFromSnake, rougeScoreMulti } from "./rouge";

export interface ScoreItem {
  prediction: string;
  references: string[];
  metadata?: Record<string, unknown>;
}

export interface Scorer<O = unknown> {
  /** Registry key, e.g. "exact_match". */
  name: string;
  parseOptions(raw: unknown): O;
  score(item: ScoreItem, options: O): Record<string, number> | Promise<Record<string, number>>;
}

const registry = new Map<string, Scorer<any>>();

/** Registers a scorer; a second scorer under the same name throws unless `replace` is set. */
export function registerScorer<O>(scorer: Scorer<O>, opts: { replace?: boolean } = {}): void {
  if (!scorer.name) throw new Error("A scorer needs a name");
  if (registry.has(scorer.name) && !opts.replace) throw new Error(`Scorer "${scorer.name}" is already registered`);
  registry.set(scorer.name, scorer);
}

export function getScorer(name: string): Scorer<unknown> {
  const scorer = registry.get(name);
  if (!scorer) throw new Error(`Unknown scorer "${name}" (registered: ${listScorers().join(", ")})`);
  return scorer;
}

export function listScorers(): string[] {
  return [...registry.keys()].sort();
}

/** exact_match → { exact_match: 0 | 1 }. */
export const exactMatchScorer: Scorer<ExactMatchOptions> = {
  name: "exact_match",
  parseOptions: exactMatchOptionsFromSnake,
  score: (item, options) => ({ exact_match: exactMatch(item.prediction, item.references, options) }),
};

/**
 * rouge → `<type>_precision`, `<type>_recall`, `<type>_fmeasure` per type, against the best
 * reference (rouge-score's score_multi). No references gives 0 for every figure.
 */
export const rougeScorer: Scorer<RougeOptions> = {
  name: "rouge",
  parseOptions: rougeOptionsFromSnake,
  score: (item, options) => {
    const out: Record<string, number> = {};
    const scores = item.references.length > 0 ? rougeScoreMulti(item.references, item.prediction, options) : {};
    for (const type of options.rougeTypes) {
      const s = scores[type];
      out[`${type}_precision`] = s?.precision ?? 0;
      out[`${type}_recall`] = s?.recall ?? 0;
      out[`${type}_fmeasure`] = s?.fmeasure ?? 0;
    }
    return out;
  },
};

registerScorer(exactMatchScorer);
registerScorer(rougeScorer);
