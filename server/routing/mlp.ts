/**
 * The MLP router: one hidden layer over the prompt's standardized embedding, predicting that the
 * small model is good enough (the learned router's label, learned.ts).
 *
 *   h = tanh(W1 z + b1)   (HIDDEN units),   P = sigmoid(w2 · h + b2),   z = (x - mean) / std
 * Loss: mean binary cross-entropy + (L2 / 2) * (|W1|^2 + |w2|^2). Training: Adam (lr LR) on
 * mini-batches of BATCH items in a seeded order, weights drawn from a seeded N(0, 1/fan_in); after
 * each epoch the log loss on a seeded validation slice of the training data (dense.ts) is measured
 * and the weights of the best epoch are kept (early stopping, dense.ts TRAINING.patience epochs without improvement,
 * at most TRAINING.maxEpochs). So the model is a pure function of its inputs and the seed.
 */
import {
  checkQuery,
  checkVectors,
  columnStats,
  compact,
  type EmbeddingRef,
  fitSummary,
  gaussian,
  type RouterMetrics,
  standardized,
  TRAINING,
  trainEarlyStopped,
  validationSlice,
} from "./dense";
import { trainingLabels } from "./learned";
import { sigmoid } from "./logistic";
import { seededRandom } from "./split";

export const HIDDEN = 32;

export interface MlpModel {
  kind: "mlp";
  embedding: EmbeddingRef;
  hidden: number;
  mean: number[];
  std: number[];
  /** HIDDEN x dim, row-major */
  w1: number[];
  b1: number[];
  w2: number[];
  b2: number;
  threshold: number;
  margin: number;
  trainedOn: number;
  metrics: RouterMetrics;
}

export interface MlpTrainOptions {
  embedding: EmbeddingRef;
  seed?: number;
  margin?: number;
  targetLargeShare?: number;
  /** hidden units (default HIDDEN) */
  hidden?: number;
  maxEpochs?: number;
}

/** Parameters in one flat vector: W1 (h x d), b1 (h), w2 (h), b2 (1). */
function forward(theta: Float64Array, d: number, h: number, z: Float64Array, hid: Float64Array): number {
  const o1 = h * d;
  const o2 = o1 + h;
  let out = theta[o2 + h] as number;
  for (let u = 0; u < h; u++) {
    let a = theta[o1 + u] as number;
    const row = u * d;
    for (let j = 0; j < d; j++) a += (theta[row + j] as number) * (z[j] as number);
    const t = Math.tanh(a);
    hid[u] = t;
    out += (theta[o2 + u] as number) * t;
  }
  return sigmoid(out);
}

/** Train on embeddings and per-item qualities; TrainingDataError when there is one class only. */
export function trainMlp(
  vectors: readonly (readonly number[])[],
  small: readonly number[],
  large: readonly number[],
  opts: MlpTrainOptions,
): MlpModel {
  const n = vectors.length;
  const margin = opts.margin ?? 0;
  const y = trainingLabels("mlp", n, small, large, margin);
  const d = checkVectors("mlp", vectors, n);
  if (d !== opts.embedding.dim) throw new RangeError(`mlp: vectors have ${d} numbers, the embedding ${opts.embedding.dim}`);
  const h = opts.hidden ?? HIDDEN;
  if (!(Number.isInteger(h) && h >= 1)) throw new RangeError(`mlp: hidden units must be a positive integer, got ${h}`);
  const seed = opts.seed ?? 1;
  const { mean, std } = columnStats(vectors);
  const Z = vectors.map((v) => standardized(v, mean, std));
  const { fit, val } = validationSlice(n, seed);

  const size = h * d + h + h + 1;
  const theta = new Float64Array(size);
  const normal = gaussian(seededRandom(seed ^ 0x6d6c70));
  for (let i = 0; i < h * d; i++) theta[i] = normal() / Math.sqrt(d);
  for (let u = 0; u < h; u++) theta[h * d + h + u] = normal() / Math.sqrt(h);
  const hid = new Float64Array(h);
  const o1 = h * d;
  const o2 = o1 + h;
  const trained = trainEarlyStopped({
    theta,
    fit,
    val,
    y,
    seed,
    ...(opts.maxEpochs !== undefined ? { maxEpochs: opts.maxEpochs } : {}),
    predict: (i) => forward(theta, d, h, Z[i] as Float64Array, hid),
    accumulate: (i, grad, batchSize) => {
      const z = Z[i] as Float64Array;
      const r = (forward(theta, d, h, z, hid) - (y[i] as number)) / batchSize;
      grad[o2 + h] = (grad[o2 + h] as number) + r;
      for (let u = 0; u < h; u++) {
        const t = hid[u] as number;
        grad[o2 + u] = (grad[o2 + u] as number) + r * t;
        const back = r * (theta[o2 + u] as number) * (1 - t * t);
        grad[o1 + u] = (grad[o1 + u] as number) + back;
        const row = u * d;
        for (let j = 0; j < d; j++) grad[row + j] = (grad[row + j] as number) + back * (z[j] as number);
      }
    },
    finish: (grad) => {
      for (let i = 0; i < h * d; i++) grad[i] = (grad[i] as number) + TRAINING.l2 * (theta[i] as number);
      for (let u = 0; u < h; u++) grad[o2 + u] = (grad[o2 + u] as number) + TRAINING.l2 * (theta[o2 + u] as number);
    },
  });
  const w = trained.theta;
  const model = {
    kind: "mlp" as const,
    embedding: opts.embedding,
    hidden: h,
    mean: compact(mean),
    std: compact(std),
    w1: compact(w.subarray(0, h * d)),
    b1: compact(w.subarray(h * d, h * d + h)),
    w2: compact(w.subarray(h * d + h, h * d + 2 * h)),
    b2: w[h * d + 2 * h] as number,
    threshold: 0,
    margin,
    trainedOn: n,
    metrics: undefined as unknown as RouterMetrics,
  };
  // threshold and metrics from the stored (rounded) weights, exactly as serving will compute P
  const p = vectors.map((v) => predictMlp(model, v));
  const { threshold, metrics } = fitSummary(p, y, opts.targetLargeShare, trained);
  return { ...model, threshold, metrics };
}

/** P(small model good enough) for one prompt's embedding. */
export function predictMlp(model: Omit<MlpModel, "threshold" | "metrics">, embedding: readonly number[] | null | undefined): number {
  const x = checkQuery("mlp", model.embedding, embedding);
  const d = model.embedding.dim;
  // standardized once, not once per unit: half the work of a decision
  const z = standardized(x, model.mean, model.std);
  const W = model.w1;
  let out = model.b2;
  for (let u = 0; u < model.hidden; u++) {
    let a = model.b1[u] as number;
    const row = u * d;
    for (let j = 0; j < d; j++) a += (W[row + j] as number) * (z[j] as number);
    out += (model.w2[u] as number) * Math.tanh(a);
  }
  return sigmoid(out);
}

/** Shape check for a model read back from JSON. */
export function isMlpModel(v: unknown): v is MlpModel {
  const m = v as MlpModel | null;
  if (m?.kind !== "mlp" || !m.embedding || typeof m.embedding.dim !== "number" || typeof m.hidden !== "number") return false;
  const d = m.embedding.dim;
  return (
    Array.isArray(m.w1) &&
    m.w1.length === m.hidden * d &&
    Array.isArray(m.b1) &&
    m.b1.length === m.hidden &&
    Array.isArray(m.w2) &&
    m.w2.length === m.hidden &&
    Array.isArray(m.mean) &&
    m.mean.length === d &&
    Array.isArray(m.std) &&
    m.std.length === d &&
    typeof m.b2 === "number" &&
    typeof m.threshold === "number"
  );
}
