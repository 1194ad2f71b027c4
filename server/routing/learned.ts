/**
 * The learned router's model: logistic regression on prompt features predicting that the small
 * model's answer is good enough, and the threshold that turns that probability into a decision.
 *
 * Label (per training item with a small and a large quality, higher = better):
 *   y = 1 ("small is good enough")  iff  small_quality >= large_quality - margin
 * With 0/1 correctness and margin 0 that is: the small model is right, or both are wrong (the large
 * one would not have helped). With scores (ratings, ROUGE, ...) `margin` is the loss of quality the
 * project accepts; 0 by default.
 *
 * Decision: route large when P(y = 1 | prompt) < threshold. The router's score for evaluation is
 * 1 - P (predicted need for the large model).
 */
import { calibrateThreshold, largeShareAt } from "./calibrate";
import { type EmbedFn, type FeatureSpec, featureMatrix, featureVector } from "./features";
import { chooseL2, fitLogistic, logLoss, predictStandardized, standardize, standardizer } from "./logistic";

/** A trained learned router, as stored (JSON) in routers.trained. */
export interface LearnedModel {
  kind: "logistic";
  /** one weight per feature, for standardized features */
  weights: number[];
  bias: number;
  featureSpec: FeatureSpec;
  /** standardization from the training data: z = (x - mean) / std */
  mean: number[];
  std: number[];
  /** route large when P(small good enough) < threshold */
  threshold: number;
  /** the label rule: y = 1 iff small_quality >= large_quality - margin */
  margin: number;
  l2: number;
  /** training items */
  trainedOn: number;
  metrics: {
    /** training items labelled "small good enough" */
    positives: number;
    trainLogLoss: number;
    trainAccuracy: number;
    /** mean held-out log loss of the chosen L2 strength (null when too few items for folds) */
    cvLogLoss: number | null;
    /** the target share of large calls the threshold was calibrated to, and the share it gives on the training data */
    targetLargeShare: number;
    largeShare: number;
    iterations: number;
  };
}

export interface TrainOptions {
  featureSpec: FeatureSpec;
  /** seeds the cross-validation folds; same seed and data, same model */
  seed?: number;
  margin?: number;
  /** fixed L2 strength; default: chosen by 5-fold cross-validation */
  l2?: number;
  /** calibrate the threshold to this share of large calls on the training data; default: the share of items labelled 0 */
  targetLargeShare?: number;
}

/** Thrown when the training data cannot make a router (none, or one class only). */
export class TrainingDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TrainingDataError";
  }
}

export function smallGoodEnough(small: number, large: number, margin = 0): 0 | 1 {
  return small >= large - margin ? 1 : 0;
}

/**
 * The 0/1 labels a router classifier learns ("small model good enough"), checked: some items, inputs
 * of one length, and both kinds present (TrainingDataError otherwise). Shared by every trained kind.
 */
export function trainingLabels(kind: string, n: number, small: readonly number[], large: readonly number[], margin: number): (0 | 1)[] {
  if (n === 0) throw new TrainingDataError(`no training data: the ${kind} router needs items with a small and a large model quality`);
  if (small.length !== n || large.length !== n) throw new RangeError("inputs, small and large differ in length");
  const y = small.map((s, i) => smallGoodEnough(s, large[i] as number, margin));
  const positives = y.reduce<number>((a, b) => a + b, 0);
  if (positives === 0 || positives === n)
    throw new TrainingDataError(
      `all ${n} training items are labelled "${positives ? "small model good enough" : "large model needed"}": a classifier needs both kinds`,
    );
  return y;
}

/** Train on feature vectors (built with `featureVector(spec, ...)`) and per-item qualities. */
export function trainLearned(
  features: readonly (readonly number[])[],
  small: readonly number[],
  large: readonly number[],
  opts: TrainOptions,
): LearnedModel {
  const n = features.length;
  const margin = opts.margin ?? 0;
  const y = trainingLabels("learned", n, small, large, margin);
  const positives = y.reduce<number>((a, b) => a + b, 0);
  const { l2, cvLogLoss } = opts.l2 !== undefined ? { l2: opts.l2, cvLogLoss: null } : chooseL2(features, y, { seed: opts.seed ?? 1 });
  const { mean, std } = standardizer(features);
  const Z = features.map((r) => standardize(r, mean, std));
  const fit = fitLogistic(Z, y, { l2 });
  const p = Z.map((z) => predictStandardized(fit, z));
  const targetLargeShare = opts.targetLargeShare ?? (n - positives) / n;
  const threshold = calibrateThreshold(p, targetLargeShare);
  return {
    kind: "logistic",
    weights: fit.weights,
    bias: fit.bias,
    featureSpec: opts.featureSpec,
    mean,
    std,
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

/** P(small model good enough) for a raw (unstandardized) feature vector. */
export function predict(model: LearnedModel, features: readonly number[]): number {
  if (features.length !== model.weights.length)
    throw new RangeError(`the model takes ${model.weights.length} features, got ${features.length}`);
  return predictStandardized(model, standardize(features, model.mean, model.std));
}

/** Train from prompts: features (embeddings in batches through `embed` when the spec has them) then `trainLearned`. */
export async function trainLearnedFromPrompts(
  items: { prompts: readonly string[]; small: readonly number[]; large: readonly number[] },
  opts: TrainOptions & { embed?: EmbedFn; batchSize?: number },
): Promise<LearnedModel> {
  if (items.prompts.length === 0)
    throw new TrainingDataError("no training data: the learned router needs items with a small and a large model quality");
  const X = await featureMatrix(opts.featureSpec, items.prompts, opts.embed, opts.batchSize);
  return trainLearned(X, items.small, items.large, opts);
}

/** P(small good enough) of one prompt given its embedding (null/undefined when the spec has none). */
export function predictPrompt(model: LearnedModel, prompt: string, embedding?: readonly number[] | null): number {
  return predict(model, featureVector(model.featureSpec, prompt, embedding));
}

/** Shape check for a model read back from JSON (routers.trained). */
export function isLearnedModel(v: unknown): v is LearnedModel {
  const m = v as LearnedModel | null;
  return (
    !!m &&
    m.kind === "logistic" &&
    Array.isArray(m.weights) &&
    typeof m.bias === "number" &&
    Array.isArray(m.mean) &&
    Array.isArray(m.std) &&
    m.mean.length === m.weights.length &&
    m.std.length === m.weights.length &&
    typeof m.threshold === "number" &&
    !!m.featureSpec &&
    Array.isArray(m.featureSpec.text)
  );
}
