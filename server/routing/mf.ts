/**
 * The matrix-factorization router, after RouteLLM's MF router (Ong et al. 2024; routellm/routers/
 * matrix_factorization/model.py, MFModel): a learned projection of the prompt embedding and a learned
 * embedding per model, scored by a linear read-out of their elementwise product. Our own code.
 *
 *   u = P z                          (projection, DIM x d, no bias; z the standardized embedding)
 *   e_m = v_m / |v_m|                (model embeddings, normalized as RouteLLM does)
 *   s = w · ((e_large - e_small) ⊙ u) (RouteLLM: logit of "the strong model wins" = s(strong) - s(weak))
 *   P(small good enough) = sigmoid(b - s)
 * `b` is ours: RouteLLM's pairwise data is symmetrized (both orders of a pair), so it needs none; with
 * one fixed pair and unbalanced labels the base rate has to live somewhere. With only two models the
 * score is linear in z (a rank-one bilinear form), so MF has no more capacity here than a linear model
 * on the embedding; its difference is the factored, non-convex parameterization RouteLLM trains.
 *
 * Loss: mean binary cross-entropy + (L2 / 2) * (|P|^2 + |w|^2). Training: Adam on seeded mini-batches,
 * seeded N(0, 1/fan_in) initialization, the best epoch by log loss on a seeded validation slice of
 * the training data (early stopping), as mlp.ts.
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

export const MF_DIM = 32;

export interface MfModel {
  kind: "mf";
  embedding: EmbeddingRef;
  dim: number;
  mean: number[];
  std: number[];
  /** DIM x d, row-major */
  proj: number[];
  vSmall: number[];
  vLarge: number[];
  w: number[];
  bias: number;
  threshold: number;
  margin: number;
  trainedOn: number;
  metrics: RouterMetrics;
}

export interface MfTrainOptions {
  embedding: EmbeddingRef;
  seed?: number;
  margin?: number;
  targetLargeShare?: number;
  /** factor dimension (default MF_DIM) */
  dim?: number;
  maxEpochs?: number;
}

/** theta = [P (k x d), vSmall (k), vLarge (k), w (k), b]. */
const layout = (k: number, d: number) => ({ vs: k * d, vl: k * d + k, w: k * d + 2 * k, b: k * d + 3 * k, size: k * d + 3 * k + 1 });

const norm = (theta: Float64Array, at: number, k: number) => {
  let s = 0;
  for (let i = 0; i < k; i++) s += (theta[at + i] as number) ** 2;
  return Math.sqrt(s) || 1;
};

/** Train on embeddings and per-item qualities; TrainingDataError when there is one class only. */
export function trainMf(
  vectors: readonly (readonly number[])[],
  small: readonly number[],
  large: readonly number[],
  opts: MfTrainOptions,
): MfModel {
  const n = vectors.length;
  const margin = opts.margin ?? 0;
  const y = trainingLabels("mf", n, small, large, margin);
  const d = checkVectors("mf", vectors, n);
  if (d !== opts.embedding.dim) throw new RangeError(`mf: vectors have ${d} numbers, the embedding ${opts.embedding.dim}`);
  const k = opts.dim ?? MF_DIM;
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`mf: the factor dimension must be a positive integer, got ${k}`);
  const seed = opts.seed ?? 1;
  const { mean, std } = columnStats(vectors);
  const Z = vectors.map((v) => standardized(v, mean, std));
  const { fit, val } = validationSlice(n, seed);
  const L = layout(k, d);
  const theta = new Float64Array(L.size);
  const normal = gaussian(seededRandom(seed ^ 0x6d66));
  for (let i = 0; i < k * d; i++) theta[i] = normal() / Math.sqrt(d);
  for (let i = 0; i < 3 * k; i++) theta[L.vs + i] = normal() / Math.sqrt(k);
  const u = new Float64Array(k);
  const delta = new Float64Array(k);
  const gDelta = new Float64Array(k);

  /** Fills u and delta, returns P(small good enough). */
  const forward = (z: Float64Array): number => {
    const ns = norm(theta, L.vs, k);
    const nl = norm(theta, L.vl, k);
    let s = 0;
    for (let c = 0; c < k; c++) {
      let a = 0;
      const row = c * d;
      for (let j = 0; j < d; j++) a += (theta[row + j] as number) * (z[j] as number);
      u[c] = a;
      delta[c] = (theta[L.vl + c] as number) / nl - (theta[L.vs + c] as number) / ns;
      s += (theta[L.w + c] as number) * (delta[c] as number) * a;
    }
    return sigmoid((theta[L.b] as number) - s);
  };
  const trained = trainEarlyStopped({
    theta,
    fit,
    val,
    y,
    seed,
    ...(opts.maxEpochs !== undefined ? { maxEpochs: opts.maxEpochs } : {}),
    predict: (i) => forward(Z[i] as Float64Array),
    startBatch: () => gDelta.fill(0),
    accumulate: (i, grad, batchSize) => {
      const z = Z[i] as Float64Array;
      // z_logit = b - s: dLoss/ds = -(p - y)
      const r = (forward(z) - (y[i] as number)) / batchSize;
      grad[L.b] = (grad[L.b] as number) + r;
      for (let c = 0; c < k; c++) {
        const wc = theta[L.w + c] as number;
        const dc = delta[c] as number;
        const uc = u[c] as number;
        grad[L.w + c] = (grad[L.w + c] as number) - r * dc * uc;
        gDelta[c] = (gDelta[c] as number) - r * wc * uc;
        const gu = -r * wc * dc;
        const row = c * d;
        for (let j = 0; j < d; j++) grad[row + j] = (grad[row + j] as number) + gu * (z[j] as number);
      }
    },
    finish: (grad) => {
      // through the normalizations: d e / d v = (I - e e^T) / |v|; delta = e_large - e_small
      for (const [at, sign] of [
        [L.vl, 1],
        [L.vs, -1],
      ] as const) {
        const nv = norm(theta, at, k);
        let dotEG = 0;
        for (let c = 0; c < k; c++) dotEG += ((theta[at + c] as number) / nv) * sign * (gDelta[c] as number);
        for (let c = 0; c < k; c++) grad[at + c] = (sign * (gDelta[c] as number) - ((theta[at + c] as number) / nv) * dotEG) / nv;
      }
      for (let i = 0; i < k * d; i++) grad[i] = (grad[i] as number) + TRAINING.l2 * (theta[i] as number);
      for (let c = 0; c < k; c++) grad[L.w + c] = (grad[L.w + c] as number) + TRAINING.l2 * (theta[L.w + c] as number);
    },
  });
  const t = trained.theta;
  const model = {
    kind: "mf" as const,
    embedding: opts.embedding,
    dim: k,
    mean: compact(mean),
    std: compact(std),
    proj: compact(t.subarray(0, k * d)),
    vSmall: compact(t.subarray(L.vs, L.vs + k)),
    vLarge: compact(t.subarray(L.vl, L.vl + k)),
    w: compact(t.subarray(L.w, L.w + k)),
    bias: t[L.b] as number,
    margin,
    trainedOn: n,
  };
  const p = vectors.map((v) => predictMf(model, v));
  const { threshold, metrics } = fitSummary(p, y, opts.targetLargeShare, trained);
  return { ...model, threshold, metrics };
}

/** P(small model good enough) for one prompt's embedding. */
export function predictMf(model: Omit<MfModel, "threshold" | "metrics">, embedding: readonly number[] | null | undefined): number {
  const x = checkQuery("mf", model.embedding, embedding);
  const d = model.embedding.dim;
  // standardized once, not once per unit: half the work of a decision
  const z = standardized(x, model.mean, model.std);
  const W = model.proj;
  const k = model.dim;
  const len = (v: readonly number[]) => Math.sqrt(v.reduce((a, b) => a + b * b, 0)) || 1;
  const ns = len(model.vSmall);
  const nl = len(model.vLarge);
  let s = 0;
  for (let c = 0; c < k; c++) {
    let a = 0;
    const row = c * d;
    for (let j = 0; j < d; j++) a += (W[row + j] as number) * (z[j] as number);
    s += (model.w[c] as number) * ((model.vLarge[c] as number) / nl - (model.vSmall[c] as number) / ns) * a;
  }
  return sigmoid(model.bias - s);
}

/** Shape check for a model read back from JSON. */
export function isMfModel(v: unknown): v is MfModel {
  const m = v as MfModel | null;
  if (m?.kind !== "mf" || !m.embedding || typeof m.embedding.dim !== "number" || typeof m.dim !== "number") return false;
  const d = m.embedding.dim;
  return (
    Array.isArray(m.proj) &&
    m.proj.length === m.dim * d &&
    [m.vSmall, m.vLarge, m.w].every((a) => Array.isArray(a) && a.length === m.dim) &&
    Array.isArray(m.mean) &&
    m.mean.length === d &&
    Array.isArray(m.std) &&
    m.std.length === d &&
    typeof m.bias === "number" &&
    typeof m.threshold === "number"
  );
}
