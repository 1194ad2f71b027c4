/**
 * The saved learned router's model: one of several kinds, chosen per training run.
 *
 * Candidates (in this order; a tie goes to the earlier, simpler one):
 *   logistic  logistic regression on embedding + text features (learned.ts)
 *   tfidf     logistic regression on TF-IDF words and word pairs (tfidf.ts; no embedding)
 *   knn       k nearest training prompts by embedding (knn.ts)
 *   mlp       one hidden layer over the embedding (mlp.ts)
 *   mf        RouteLLM's matrix factorization over the embedding (mf.ts)
 * knn, mlp and mf need an embedding model; without one they are not candidates.
 *
 * Selection: each candidate is trained on a seeded 80% of the training items and scored on the other
 * 20% (the validation slice); the winner is refitted on all items. The criterion is the slice's APGR
 * (RouteLLM's measure, evaluate.ts), the figure the router exists to raise, when the slice has a
 * quality gap to recover; otherwise APGR is undefined (NoGapError: e.g. ratings where the small model
 * was mostly rated good, so "large" at `goodAt` is not better), and the slice's log loss of
 * P(small good enough) decides, a proper score of the probability the threshold cuts. Below
 * MIN_SELECTION_ITEMS training items the slice (under 50 items) would choose by noise, so the first
 * listed candidate is trained alone (logistic by default, the router of issue 6).
 * The stored model carries `selection`: the winner, the criterion and every candidate's figures.
 */
import { CANDIDATE_KINDS, type CandidateKind, EMBEDDING_KINDS } from "./candidate-kinds";
import { type EmbeddingRef, validationSlice } from "./dense";
import { evaluateRouter, NoGapError } from "./evaluate";
import { type EmbedFn, embedInBatches, featureSpec, featureVector } from "./features";
import { isKnnModel, type KnnModel, predictKnn, trainKnn } from "./knn";
import { isLearnedModel, type LearnedModel, predict, predictPrompt, TrainingDataError, trainingLabels, trainLearned } from "./learned";
import { logLoss } from "./logistic";
import { isMfModel, type MfModel, predictMf, trainMf } from "./mf";
import { isMlpModel, type MlpModel, predictMlp, trainMlp } from "./mlp";
import { isTfidfModel, predictTfidf, type TfidfModel, trainTfidf } from "./tfidf";

export { CANDIDATE_KINDS, type CandidateKind, EMBEDDING_KINDS } from "./candidate-kinds";

export const MIN_SELECTION_ITEMS = 250;

export interface Selection {
  winner: CandidateKind;
  /** "apgr" or "logLoss" on the validation slice; "single" when one candidate was trained alone */
  by: "apgr" | "logLoss" | "single";
  validationItems: number;
  seed: number;
  candidates: Array<{ kind: CandidateKind; apgr: number | null; logLoss: number | null; error?: string }>;
  /** why there was no choice, when there was none */
  note?: string;
}

/** A stored router model of any kind; `selection` is absent on models trained before issue 17. */
export type RouterModel = (LearnedModel | TfidfModel | KnnModel | MlpModel | MfModel) & { selection?: Selection };

export function candidateOf(model: RouterModel): CandidateKind {
  return model.kind === "tfidf-logistic" ? "tfidf" : model.kind;
}

/** Shape check for routers.trained read back from JSON: any stored kind. */
export function isRouterModel(v: unknown): v is RouterModel {
  return isLearnedModel(v) || isTfidfModel(v) || isKnnModel(v) || isMlpModel(v) || isMfModel(v);
}

/** The embedding a model needs per decision, or null (tfidf, text-only logistic). */
export function modelEmbedding(model: RouterModel): EmbeddingRef | null {
  if (model.kind === "logistic") return model.featureSpec.embedding;
  if (model.kind === "tfidf-logistic") return null;
  return model.embedding;
}

/** P(small model good enough) of one prompt under any stored kind. */
export function predictRouterModel(model: RouterModel, prompt: string, embedding?: readonly number[] | null): number {
  switch (model.kind) {
    case "logistic":
      return predictPrompt(model, prompt, embedding);
    case "tfidf-logistic":
      return predictTfidf(model, prompt);
    case "knn":
      return predictKnn(model, embedding);
    case "mlp":
      return predictMlp(model, embedding);
    case "mf":
      return predictMf(model, embedding);
  }
}

/** Bulky fields of each kind (weights, vocabularies, stored points): left out of API answers. */
const BULKY = [
  "weights",
  "mean",
  "std",
  "terms",
  "idf",
  "points",
  "labels",
  "basis",
  "centroids",
  "starts",
  "w1",
  "b1",
  "w2",
  "proj",
  "vSmall",
  "vLarge",
  "w",
];

/** The model without its parameters: what the API shows of routers.trained. */
export function modelSummary(model: RouterModel): Record<string, unknown> {
  return Object.fromEntries(Object.entries(model).filter(([k]) => !BULKY.includes(k)));
}

export interface SelectOptions {
  /** embeds prompts (batches); without it the embedding candidates are left out and logistic uses text features */
  embed?: EmbedFn;
  embeddingModel?: string;
  /** candidates to consider, in preference order (default CANDIDATE_KINDS) */
  candidates?: readonly CandidateKind[];
  seed?: number;
  margin?: number;
  targetLargeShare?: number;
  batchSize?: number;
}

interface Data {
  prompts: readonly string[];
  vectors: readonly (readonly number[])[] | null;
  small: readonly number[];
  large: readonly number[];
}

/** Train one candidate kind on `rows` of the data; returns the model and a P(small good enough) scorer for any row. */
export function trainCandidate(
  kind: CandidateKind,
  data: Data,
  rows: readonly number[],
  opts: { seed: number; margin: number; targetLargeShare?: number; embeddingModel: string },
): { model: RouterModel; score: (i: number) => number } {
  const pick = <T>(xs: readonly T[]) => rows.map((i) => xs[i] as T);
  const small = pick(data.small);
  const large = pick(data.large);
  const common = { seed: opts.seed, margin: opts.margin, targetLargeShare: opts.targetLargeShare };
  const vectors = data.vectors;
  const embedding = vectors ? { model: opts.embeddingModel, dim: vectors[0]?.length ?? 0 } : null;
  if (kind === "logistic") {
    const spec = featureSpec(embedding);
    const features = (i: number) => featureVector(spec, data.prompts[i] as string, vectors?.[i]);
    const model = trainLearned(rows.map(features), small, large, { featureSpec: spec, ...common });
    return { model, score: (i) => predict(model, features(i)) };
  }
  if (kind === "tfidf") {
    const model = trainTfidf(pick(data.prompts), small, large, common);
    return { model, score: (i) => predictTfidf(model, data.prompts[i] as string) };
  }
  if (!vectors || !embedding) throw new RangeError(`the ${kind} router needs an embedding model`);
  const V = pick(vectors);
  const o = { ...common, embedding };
  if (kind === "knn") {
    const model = trainKnn(V, small, large, o);
    return { model, score: (i) => predictKnn(model, vectors[i]) };
  }
  if (kind === "mlp") {
    const model = trainMlp(V, small, large, o);
    return { model, score: (i) => predictMlp(model, vectors[i]) };
  }
  const model = trainMf(V, small, large, o);
  return { model, score: (i) => predictMf(model, vectors[i]) };
}

/** Train the candidates, choose one on a validation slice, refit it on every item (see the file header). */
export async function trainSelected(
  items: { prompts: readonly string[]; small: readonly number[]; large: readonly number[] },
  opts: SelectOptions,
): Promise<RouterModel> {
  const n = items.prompts.length;
  const seed = opts.seed ?? 1;
  const margin = opts.margin ?? 0;
  trainingLabels("learned", n, items.small, items.large, margin); // both classes present, lengths agree
  const asked = opts.candidates ?? CANDIDATE_KINDS;
  if (asked.length === 0) throw new RangeError("candidates: name at least one router kind");
  for (const k of asked) if (!CANDIDATE_KINDS.includes(k)) throw new RangeError(`candidates: unknown router kind ${k}`);
  const kinds = opts.embed ? [...new Set(asked)] : asked.filter((k) => !EMBEDDING_KINDS.includes(k));
  if (kinds.length === 0) throw new RangeError(`candidates: ${asked.join(", ")} need an embedding model, and none is configured`);
  const needsVectors = !!opts.embed && kinds.some((k) => k === "logistic" || EMBEDDING_KINDS.includes(k));
  const vectors = needsVectors && opts.embed ? await embedInBatches(opts.embed, items.prompts, opts.batchSize) : null;
  const data: Data = { ...items, vectors };
  const fitOpts = { seed, margin, targetLargeShare: opts.targetLargeShare, embeddingModel: opts.embeddingModel ?? "embedding" };
  const all = Array.from({ length: n }, (_, i) => i);

  const first = kinds[0] as CandidateKind;
  if (kinds.length === 1 || n < MIN_SELECTION_ITEMS) {
    const { model } = trainCandidate(first, data, all, fitOpts);
    const note =
      kinds.length === 1
        ? "one candidate"
        : `${n} training items, fewer than ${MIN_SELECTION_ITEMS}: a validation slice that small would choose by noise`;
    const selection: Selection = {
      winner: first,
      by: "single",
      validationItems: 0,
      seed,
      candidates: [{ kind: first, apgr: null, logLoss: null }],
      note,
    };
    return { ...model, selection };
  }

  const { fit, val } = validationSlice(n, seed ^ 0x5e1ec7);
  const vy = val.map((i) => ((items.small[i] as number) >= (items.large[i] as number) - margin ? 1 : 0));
  const vSmall = val.map((i) => items.small[i] as number);
  const vLarge = val.map((i) => items.large[i] as number);
  const results: Selection["candidates"] = [];
  for (const kind of kinds) {
    try {
      const { score } = trainCandidate(kind, data, fit, fitOpts);
      const p = val.map(score);
      let apgr: number | null = null;
      try {
        apgr = evaluateRouter(
          p.map((q) => 1 - q),
          vSmall,
          vLarge,
        ).apgr;
      } catch (err) {
        if (!(err instanceof NoGapError)) throw err;
      }
      results.push({ kind, apgr, logLoss: logLoss(p, vy) });
    } catch (err) {
      if (!(err instanceof TrainingDataError)) throw err;
      results.push({ kind, apgr: null, logLoss: null, error: err.message });
    }
  }
  const ok = results.filter((r) => r.logLoss !== null);
  if (!ok.length) throw new TrainingDataError(`no candidate could be trained: ${results.map((r) => `${r.kind}: ${r.error}`).join("; ")}`);
  const by: Selection["by"] = ok.every((r) => r.apgr !== null) ? "apgr" : "logLoss";
  let best = ok[0] as (typeof ok)[number];
  for (const r of ok.slice(1)) {
    const better =
      by === "apgr" ? (r.apgr as number) > (best.apgr as number) + 1e-12 : (r.logLoss as number) < (best.logLoss as number) - 1e-12;
    if (better) best = r;
  }
  const { model } = trainCandidate(best.kind, data, all, fitOpts);
  return { ...model, selection: { winner: best.kind, by, validationItems: val.length, seed, candidates: results } };
}
