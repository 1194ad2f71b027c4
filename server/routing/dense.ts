/**
 * Shared pieces of the embedding routers (knn.ts, mlp.ts, mf.ts): input checks, a seeded validation
 * slice, Adam, Gaussian draws, and the metrics every stored router model carries (the shape the
 * learned router's `metrics` has had since issue 6, so the console and the API read any kind alike).
 */
import { calibrateThreshold, largeShareAt } from "./calibrate";
import { logLoss } from "./logistic";
import { seededRandom, shuffled } from "./split";

/** The metrics of a trained router model (learned.ts's LearnedModel.metrics, for every kind). */
export interface RouterMetrics {
  /** training items labelled "small good enough" */
  positives: number;
  trainLogLoss: number;
  trainAccuracy: number;
  /** held-out log loss that chose the model's hyper-parameters (null when there were too few items) */
  cvLogLoss: number | null;
  targetLargeShare: number;
  /** share of training items under the threshold */
  largeShare: number;
  /** optimizer steps (epochs for the neural kinds, 0 for kNN) */
  iterations: number;
}

/** The embedding a model was trained on; serving must pass one of the same model and dimension. */
export interface EmbeddingRef {
  model: string;
  dim: number;
}

/** Checks embedding vectors for training: some, one length, finite numbers. RangeError names the row. */
export function checkVectors(kind: string, vectors: readonly (readonly number[])[], n: number): number {
  if (vectors.length !== n) throw new RangeError(`${kind}: ${vectors.length} embedding vectors for ${n} training items`);
  const dim = vectors[0]?.length ?? 0;
  if (dim === 0) throw new RangeError(`${kind}: embedding vectors are empty`);
  for (const [i, v] of vectors.entries()) {
    if (v.length !== dim) throw new RangeError(`${kind}: embedding vector ${i} has ${v.length} numbers, the first has ${dim}`);
    for (const x of v) if (!Number.isFinite(x)) throw new RangeError(`${kind}: embedding vector ${i} holds a non-finite number`);
  }
  return dim;
}

/** The query vector a model needs: its dimension, finite. */
export function checkQuery(kind: string, embedding: EmbeddingRef, v: readonly number[] | null | undefined): readonly number[] {
  if (!v || v.length !== embedding.dim)
    throw new RangeError(
      `the ${kind} router needs a ${embedding.dim}-dimensional ${embedding.model} embedding, got ${v?.length ?? "none"}`,
    );
  return v;
}

/** Share of training items held out to choose hyper-parameters / stop training. */
export const VALIDATION_SHARE = 0.2;

/** A seeded split of 0..n-1 into a validation slice (VALIDATION_SHARE, at least 2 when n >= 10) and the rest. */
export function validationSlice(n: number, seed: number): { fit: number[]; val: number[] } {
  const order = shuffled(
    Array.from({ length: n }, (_, i) => i),
    seededRandom(seed),
  );
  const nVal = n >= 10 ? Math.max(2, Math.round(n * VALIDATION_SHARE)) : 0;
  return { val: order.slice(0, nVal), fit: order.slice(nVal) };
}

/** Standard normal draws (Box-Muller) from a seeded uniform source. */
export function gaussian(rand: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** Adam (Kingma & Ba) over one flat parameter vector; `step` applies a gradient in place. */
export class Adam {
  private m: Float64Array;
  private v: Float64Array;
  private t = 0;
  constructor(
    size: number,
    private lr: number,
    private b1 = 0.9,
    private b2 = 0.999,
    private eps = 1e-8,
  ) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }
  step(params: Float64Array, grad: Float64Array): void {
    this.t++;
    const c1 = 1 - this.b1 ** this.t;
    const c2 = 1 - this.b2 ** this.t;
    for (let i = 0; i < params.length; i++) {
      const g = grad[i] as number;
      const m = this.b1 * (this.m[i] as number) + (1 - this.b1) * g;
      const v = this.b2 * (this.v[i] as number) + (1 - this.b2) * g * g;
      this.m[i] = m;
      this.v[i] = v;
      params[i] = (params[i] as number) - (this.lr * (m / c1)) / (Math.sqrt(v / c2) + this.eps);
    }
  }
}

/** The embedding routers' training schedule (mlp.ts, mf.ts): Adam's step, batch, epochs and early-stopping patience. */
export const TRAINING = { lr: 3e-3, batch: 32, maxEpochs: 60, patience: 6, l2: 1e-3 } as const;

export interface EarlyStopped {
  /** the parameters to keep: the best epoch's by validation log loss, or the last when there is no validation slice */
  theta: Float64Array;
  /** that epoch's validation log loss (null without a validation slice) */
  cvLogLoss: number | null;
  /** the epoch kept (with validation), or the epochs run */
  iterations: number;
}

/**
 * Mini-batch Adam over seeded shuffles of `fit`, keeping the epoch with the lowest log loss on `val`
 * and stopping after `patience` epochs without improvement (the loop mlp.ts and mf.ts share).
 * `predict(i)` is P(y = 1) of item i under the current `theta`; `accumulate(i, grad, batchSize)` adds
 * item i's gradient of the batch's mean log loss (`startBatch` resets any other sums first); `finish(grad)` adds what is not per item (L2, chain
 * rules through normalizations) before the step.
 */
export function trainEarlyStopped(o: {
  theta: Float64Array;
  fit: readonly number[];
  val: readonly number[];
  y: readonly number[];
  seed: number;
  maxEpochs?: number;
  predict: (i: number) => number;
  accumulate: (i: number, grad: Float64Array, batchSize: number) => void;
  finish: (grad: Float64Array) => void;
  /** before each batch: reset what `accumulate` sums besides `grad` */
  startBatch?: () => void;
}): EarlyStopped {
  const { theta, fit, val, y } = o;
  const adam = new Adam(theta.length, TRAINING.lr);
  const grad = new Float64Array(theta.length);
  const order = seededRandom(o.seed ^ 0x0bad);
  const valLoss = () =>
    logLoss(
      val.map((i) => o.predict(i)),
      val.map((i) => y[i] as number),
    );
  let best = { loss: val.length ? valLoss() : Number.POSITIVE_INFINITY, theta: theta.slice(), epoch: 0 };
  const maxEpochs = o.maxEpochs ?? TRAINING.maxEpochs;
  let epoch = 0;
  for (; epoch < maxEpochs; epoch++) {
    const idx = shuffled(fit, order);
    for (let s = 0; s < idx.length; s += TRAINING.batch) {
      const batch = idx.slice(s, s + TRAINING.batch);
      grad.fill(0);
      o.startBatch?.();
      for (const i of batch) o.accumulate(i, grad, batch.length);
      o.finish(grad);
      adam.step(theta, grad);
    }
    if (!val.length) continue;
    const loss = valLoss();
    if (loss < best.loss - 1e-9) best = { loss, theta: theta.slice(), epoch: epoch + 1 };
    else if (epoch + 1 - best.epoch >= TRAINING.patience) break;
  }
  return val.length ? { theta: best.theta, cvLogLoss: best.loss, iterations: best.epoch } : { theta, cvLogLoss: null, iterations: epoch };
}

/** Training-data metrics and the calibrated threshold from in-sample P(small good enough). */
export function fitSummary(
  p: readonly number[],
  y: readonly number[],
  targetLargeShare: number | undefined,
  extra: { cvLogLoss: number | null; iterations: number },
): { threshold: number; metrics: RouterMetrics } {
  const n = y.length;
  const positives = y.reduce((a, b) => a + b, 0);
  const target = targetLargeShare ?? (n - positives) / n;
  const threshold = calibrateThreshold(p, target);
  return {
    threshold,
    metrics: {
      positives,
      trainLogLoss: logLoss(p, y),
      trainAccuracy: p.filter((q, i) => (q >= 0.5 ? 1 : 0) === y[i]).length / n,
      cvLogLoss: extra.cvLogLoss,
      targetLargeShare: target,
      largeShare: largeShareAt(p, threshold),
      iterations: extra.iterations,
    },
  };
}

/** Column means and standard deviations of vectors (a constant column gets std 1). */
export function columnStats(X: readonly (readonly number[])[]): { mean: number[]; std: number[] } {
  const d = X[0]?.length ?? 0;
  const mean = new Array<number>(d).fill(0);
  const sq = new Array<number>(d).fill(0);
  for (const r of X) for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) + (r[j] as number);
  for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) / X.length;
  for (const r of X) for (let j = 0; j < d; j++) sq[j] = (sq[j] as number) + ((r[j] as number) - (mean[j] as number)) ** 2;
  const std = sq.map((s) => {
    const v = Math.sqrt(s / X.length);
    return v > 1e-12 ? v : 1;
  });
  return { mean, std };
}

/** (x - mean) / std into a Float64Array. */
export function standardized(x: readonly number[], mean: readonly number[], std: readonly number[]): Float64Array {
  const out = new Float64Array(x.length);
  for (let j = 0; j < x.length; j++) out[j] = ((x[j] as number) - (mean[j] as number)) / (std[j] as number);
  return out;
}

/** Rounds to float32 precision and keeps 7 significant digits: stored weights stay small in JSON. */
export const compact = (xs: ArrayLike<number>): number[] => Array.from(xs, (x) => Number(Math.fround(x).toPrecision(7)));
