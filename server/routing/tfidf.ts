/**
 * The TF-IDF router: L2-regularized logistic regression on a bag of words and word pairs of the
 * prompt text, predicting that the small model is good enough (the learned router's label, learned.ts).
 * It needs no embedding model, and on text where the words themselves say whether the small model
 * copes (a late "but", a domain's vocabulary) it sees what a handful of length features cannot.
 *
 * Vocabulary: unigrams and bigrams of lowercased letter/digit runs from the training prompts, kept
 * when in at least MIN_DF prompts, the MAX_TERMS most frequent (ties by term, so it is deterministic).
 * Vector of a prompt: (1 + ln tf) * idf per term, idf = ln((1 + n) / (1 + df)) + 1 (scikit-learn's
 * smoothed idf), then scaled to unit L2 norm; terms outside the vocabulary are dropped.
 * Fit: logistic.ts's L-BFGS on the sparse rows, L2 strength by log loss on a seeded validation slice
 * of the training split (it shares the split's vocabulary; the idf leak into the slice is small and
 * the same for every candidate strength), then refitted on the whole training split. Score for evaluation: 1 - P(small good enough).
 */
import { calibrateThreshold, largeShareAt } from "./calibrate";
import { trainingLabels } from "./learned";
import { fitLogisticSparse, logLoss, type SparseRow, sigmoid, sparseDot } from "./logistic";
import { seededRandom, shuffled } from "./split";

export const MIN_DF = 2;
export const MAX_TERMS = 20_000;
/** Weaker penalties than the dense grid: unit-norm sparse rows carry little signal per weight. */
export const TFIDF_L2_GRID = [1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2] as const;

export interface TfidfModel {
  kind: "tfidf-logistic";
  terms: string[];
  idf: number[];
  weights: number[];
  bias: number;
  /** route large when P(small good enough) < threshold */
  threshold: number;
  margin: number;
  l2: number;
  trainedOn: number;
  metrics: {
    positives: number;
    trainLogLoss: number;
    trainAccuracy: number;
    /** validation-slice log loss of the chosen L2 strength (null when it was given, or too few rows) */
    cvLogLoss: number | null;
    targetLargeShare: number;
    largeShare: number;
    iterations: number;
  };
}

export interface TfidfTrainOptions {
  seed?: number;
  margin?: number;
  /** fixed L2 strength; default: chosen on a validation slice over TFIDF_L2_GRID */
  l2?: number;
  /** default: the share of training items labelled "large needed" */
  targetLargeShare?: number;
}

/** Unigrams and bigrams of the lowercased letter/digit runs of `text`. */
export function tokenize(text: string): string[] {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const out = words.slice();
  for (let i = 1; i < words.length; i++) out.push(`${words[i - 1]} ${words[i]}`);
  return out;
}

/** Term -> column, idf per column, from the training prompts. */
export function fitVocabulary(prompts: readonly string[]): { terms: string[]; idf: number[] } {
  const df = new Map<string, number>();
  for (const p of prompts) for (const t of new Set(tokenize(p))) df.set(t, (df.get(t) ?? 0) + 1);
  const kept = [...df.entries()]
    .filter(([, c]) => c >= MIN_DF)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, MAX_TERMS)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const n = prompts.length;
  return { terms: kept.map(([t]) => t), idf: kept.map(([, c]) => Math.log((1 + n) / (1 + c)) + 1) };
}

/** The unit-norm TF-IDF row of `text` (empty when no term of it is in the vocabulary). */
export function tfidfRow(columns: ReadonlyMap<string, number>, idf: readonly number[], text: string): SparseRow {
  const tf = new Map<number, number>();
  for (const t of tokenize(text)) {
    const j = columns.get(t);
    if (j !== undefined) tf.set(j, (tf.get(j) ?? 0) + 1);
  }
  const idx = Int32Array.from([...tf.keys()].sort((a, b) => a - b));
  const val = Float64Array.from(idx, (j) => (1 + Math.log(tf.get(j) as number)) * (idf[j] as number));
  let norm = 0;
  for (const v of val) norm += v * v;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let k = 0; k < val.length; k++) val[k] = (val[k] as number) / norm;
  return { idx, val };
}

const columnsOf = (terms: readonly string[]) => new Map(terms.map((t, j) => [t, j] as const));

/** Share of the training rows held out to choose the L2 strength. */
const VALIDATION_SHARE = 0.2;

/**
 * The L2 strength with the lowest log loss on a seeded validation slice (VALIDATION_SHARE of the
 * rows), fitted on the rest; ties go to the stronger penalty. One fit per candidate rather than
 * five-fold cross-validation's five: on 7,000 long prompts the folds took most of a minute.
 */
function chooseL2Sparse(X: readonly SparseRow[], y: readonly number[], d: number, seed: number): { l2: number; cvLogLoss: number | null } {
  const nVal = Math.round(X.length * VALIDATION_SHARE);
  if (nVal < 2 || X.length - nVal < 2) return { l2: TFIDF_L2_GRID[3], cvLogLoss: null };
  const order = shuffled(
    Array.from({ length: X.length }, (_, i) => i),
    seededRandom(seed),
  );
  const val = order.slice(0, nVal);
  const fitRows = order.slice(nVal);
  let best = { l2: TFIDF_L2_GRID[0] as number, cvLogLoss: Number.POSITIVE_INFINITY };
  for (const l2 of TFIDF_L2_GRID) {
    const fit = fitLogisticSparse(
      fitRows.map((i) => X[i] as SparseRow),
      fitRows.map((i) => y[i] as number),
      d,
      { l2 },
    );
    const p = val.map((i) => sigmoid(fit.bias + sparseDot(fit.weights, X[i] as SparseRow)));
    const loss = logLoss(
      p,
      val.map((i) => y[i] as number),
    );
    if (loss <= best.cvLogLoss + 1e-12) best = { l2, cvLogLoss: loss };
  }
  return best;
}

/** Train on prompts and their small/large qualities; TrainingDataError when there is one class only. */
export function trainTfidf(
  prompts: readonly string[],
  small: readonly number[],
  large: readonly number[],
  opts: TfidfTrainOptions = {},
): TfidfModel {
  const n = prompts.length;
  const margin = opts.margin ?? 0;
  const y = trainingLabels("tfidf", n, small, large, margin);
  const positives = y.reduce<number>((a, b) => a + b, 0);
  const { terms, idf } = fitVocabulary(prompts);
  const columns = columnsOf(terms);
  const X = prompts.map((p) => tfidfRow(columns, idf, p));
  const d = terms.length;
  const { l2, cvLogLoss } = opts.l2 !== undefined ? { l2: opts.l2, cvLogLoss: null } : chooseL2Sparse(X, y, d, opts.seed ?? 1);
  const fit = fitLogisticSparse(X, y, d, { l2 });
  const p = X.map((x) => sigmoid(fit.bias + sparseDot(fit.weights, x)));
  const targetLargeShare = opts.targetLargeShare ?? (n - positives) / n;
  const threshold = calibrateThreshold(p, targetLargeShare);
  return {
    kind: "tfidf-logistic",
    terms,
    idf,
    weights: fit.weights,
    bias: fit.bias,
    threshold,
    margin,
    l2,
    trainedOn: n,
    metrics: {
      positives,
      trainLogLoss: logLoss(p, y),
      trainAccuracy: p.filter((q, i) => (q >= 0.5 ? 1 : 0) === y[i]).length / n,
      cvLogLoss,
      targetLargeShare,
      largeShare: largeShareAt(p, threshold),
      iterations: fit.iterations,
    },
  };
}

/** Column maps per model, built once: a decision is then a tokenization and a sparse dot product. */
const columnCache = new WeakMap<TfidfModel, Map<string, number>>();

/** P(small model good enough) for one prompt. */
export function predictTfidf(model: TfidfModel, prompt: string): number {
  let columns = columnCache.get(model);
  if (!columns) {
    columns = columnsOf(model.terms);
    columnCache.set(model, columns);
  }
  return sigmoid(model.bias + sparseDot(model.weights, tfidfRow(columns, model.idf, prompt)));
}

/** Shape check for a model read back from JSON. */
export function isTfidfModel(v: unknown): v is TfidfModel {
  const m = v as TfidfModel | null;
  return (
    !!m &&
    m.kind === "tfidf-logistic" &&
    Array.isArray(m.terms) &&
    Array.isArray(m.idf) &&
    Array.isArray(m.weights) &&
    m.terms.length === m.weights.length &&
    m.idf.length === m.weights.length &&
    typeof m.bias === "number" &&
    typeof m.threshold === "number"
  );
}
