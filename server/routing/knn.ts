/**
 * The kNN router: P(small model good enough) of a prompt is the smoothed share of "small good enough"
 * labels among the k training prompts whose embeddings are most similar to it.
 *
 *   P = (hits among the k nearest + ALPHA * prior) / (k + ALPHA),   prior = training share of label 1
 * The smoothing keeps P off 0 and 1 (log loss stays finite) and pulls an item with few close
 * neighbours towards the base rate.
 *
 * Similarity: cosine in a PCA_DIM-dimensional principal subspace of the training embeddings (centred;
 * the basis by seeded subspace iteration on at most PCA_SAMPLE of them; labels play no part).
 * The stored points are grouped by spherical k-means (CLUSTERS groups, seeded); a decision projects
 * the prompt (dim x PCA_DIM multiply-adds) and scans the PROBE groups whose centroids are most similar
 * to it (about a quarter of the points): an approximate search, the same in training (k's choice, the
 * threshold) as in serving. About 8,000 multiply-adds for 256-dimensional embeddings, as many as the
 * MLP router's. Why so few: a decision's p99 must stay under 1 ms on a loaded 2-core machine, where
 * a longer one is often preempted (every point at full dimension: p50 0.4 ms, p99 25 ms at load 10;
 * every point at PCA-32: p50 70 µs, p99 4.1 ms; see BENCHMARKS.md).
 * Stored points: at most MAX_POINTS (a seeded sample when there are more), projected, unit-normalized,
 * quantized to int8 (round(127 * v); a cosine moves by about 0.01 at most, reordering only near-ties)
 * and base64-encoded. k is chosen from K_GRID by log loss on a seeded validation slice of the
 * training data (dense.ts VALIDATION_SHARE), neighbours from the rest.
 */
import {
  checkQuery,
  checkVectors,
  columnStats,
  compact,
  type EmbeddingRef,
  fitSummary,
  type RouterMetrics,
  validationSlice,
} from "./dense";
import { buildIndex, pcaBasis, project, search } from "./knn-index";
import { trainingLabels } from "./learned";
import { logLoss } from "./logistic";
import { seededRandom, shuffled } from "./split";

export { CLUSTERS, PROBE } from "./knn-index";

export const MAX_POINTS = 1000;
export const PCA_DIM = 16;
const PCA_SAMPLE = 2000;
export const K_GRID = [5, 10, 20, 40] as const;
const ALPHA = 2;

export interface KnnModel {
  kind: "knn";
  embedding: EmbeddingRef;
  k: number;
  prior: number;
  /** projection: z = basis (pcaDim x dim, row-major) . (x - mean) */
  pcaDim: number;
  mean: number[];
  basis: number[];
  /** int8 unit vectors, `count` x `pcaDim`, base64, grouped by cluster */
  points: string;
  /** unit centroids (clusters x pcaDim, row-major) and where each cluster's points start (clusters + 1 offsets) */
  centroids: number[];
  starts: number[];
  count: number;
  /** 0/1 label per stored point */
  labels: number[];
  threshold: number;
  margin: number;
  trainedOn: number;
  metrics: RouterMetrics;
}

export interface KnnTrainOptions {
  embedding: EmbeddingRef;
  seed?: number;
  margin?: number;
  /** fixed k; default: chosen from K_GRID on a validation slice */
  k?: number;
  maxPoints?: number;
  targetLargeShare?: number;
}

const smoothed = (hits: number, k: number, prior: number) => (hits + ALPHA * prior) / (k + ALPHA);

/** Train on embeddings and per-item qualities; TrainingDataError when there is one class only. */
export function trainKnn(
  vectors: readonly (readonly number[])[],
  small: readonly number[],
  large: readonly number[],
  opts: KnnTrainOptions,
): KnnModel {
  const n = vectors.length;
  const margin = opts.margin ?? 0;
  const y = trainingLabels("knn", n, small, large, margin);
  const dim = checkVectors("knn", vectors, n);
  if (dim !== opts.embedding.dim) throw new RangeError(`knn: vectors have ${dim} numbers, the embedding ${opts.embedding.dim}`);
  const seed = opts.seed ?? 1;
  const maxPoints = opts.maxPoints ?? MAX_POINTS;
  const prior = y.reduce<number>((a, b) => a + b, 0) / n;
  // the principal subspace, from a seeded sample of the centred training vectors
  const pcaDim = Math.min(PCA_DIM, dim);
  const { mean } = columnStats(vectors);
  const meanC = compact(mean);
  const sample = shuffled(
    Array.from({ length: n }, (_, i) => i),
    seededRandom(seed ^ 0x5a),
  ).slice(0, PCA_SAMPLE);
  const centred = sample.map((i) => Float64Array.from(vectors[i] as number[], (v, j) => v - (meanC[j] as number)));
  const basis = compact(pcaBasis(centred, dim, pcaDim, seed).flatMap((q) => Array.from(q)));
  const Z = vectors.map((v) => project(v, meanC, basis, pcaDim));

  // k: validation log loss, neighbours from the rest (capped as the stored set will be)
  let k = opts.k;
  let cvLogLoss: number | null = null;
  if (k === undefined) {
    const { fit, val } = validationSlice(n, seed);
    if (val.length === 0) k = Math.max(1, Math.min(K_GRID[0], n - 1));
    else {
      const ix = buildIndex(Z, fit.slice(0, maxPoints), pcaDim, seed);
      const ref = ix.rows;
      const maxK = Math.min(K_GRID[K_GRID.length - 1] as number, ref.length);
      const ranked = val.map((i) => search(ix, pcaDim, Z[i] as Float64Array, maxK));
      for (const cand of K_GRID) {
        if (cand > ref.length) break;
        const p = ranked.map((nb) =>
          smoothed(
            nb.slice(0, cand).reduce((a, r) => a + (y[ref[r] as number] as number), 0),
            cand,
            prior,
          ),
        );
        const loss = logLoss(
          p,
          val.map((i) => y[i] as number),
        );
        if (cvLogLoss === null || loss < cvLogLoss - 1e-12) {
          cvLogLoss = loss;
          k = cand;
        }
      }
      k ??= Math.max(1, Math.min(K_GRID[0], ref.length));
    }
  }
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`knn: k must be a positive integer, got ${k}`);

  const kept =
    n > maxPoints
      ? shuffled(
          Array.from({ length: n }, (_, i) => i),
          seededRandom(seed ^ 0x6b6e6e),
        ).slice(0, maxPoints)
      : Array.from({ length: n }, (_, i) => i);
  const ix = buildIndex(Z, kept, pcaDim, seed);
  const pts = ix.pts;
  const slot = new Map(ix.rows.map((r, i) => [r, i] as const));
  const kk = Math.min(k, Math.max(1, kept.length - 1));
  // in-sample P for the threshold: a stored point does not count itself (leave-one-out)
  const p = Z.map((z, i) => {
    const nb = search(ix, pcaDim, z, kk, slot.get(i) ?? -1);
    return smoothed(
      nb.reduce((a, r) => a + (y[ix.rows[r] as number] as number), 0),
      nb.length,
      prior,
    );
  });
  const { threshold, metrics } = fitSummary(p, y, opts.targetLargeShare, { cvLogLoss, iterations: 0 });
  return {
    kind: "knn",
    embedding: opts.embedding,
    k: kk,
    prior,
    pcaDim,
    mean: meanC,
    basis,
    points: Buffer.from(pts.buffer, pts.byteOffset, pts.byteLength).toString("base64"),
    centroids: ix.centroids,
    starts: ix.starts,
    count: kept.length,
    labels: ix.rows.map((r) => y[r] as number),
    threshold,
    margin,
    trainedOn: n,
    metrics,
  };
}

/** Decoded points per model object (decoded once; the gateway keeps the object per router, service-route.ts). */
const decoded = new WeakMap<KnnModel, Int8Array>();

/** P(small model good enough) for one prompt's embedding. */
export function predictKnn(model: KnnModel, embedding: readonly number[] | null | undefined): number {
  const v = checkQuery("knn", model.embedding, embedding);
  let pts = decoded.get(model);
  if (!pts) {
    const buf = Buffer.from(model.points, "base64");
    pts = new Int8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    decoded.set(model, pts);
  }
  const nb = search(
    { pts, starts: model.starts, centroids: model.centroids },
    model.pcaDim,
    project(v, model.mean, model.basis, model.pcaDim),
    model.k,
  );
  return smoothed(
    nb.reduce((a, r) => a + (model.labels[r] as number), 0),
    nb.length,
    model.prior,
  );
}

/** Shape check for a model read back from JSON. */
export function isKnnModel(v: unknown): v is KnnModel {
  const m = v as KnnModel | null;
  return (
    !!m &&
    m.kind === "knn" &&
    typeof m.points === "string" &&
    Array.isArray(m.labels) &&
    m.labels.length === m.count &&
    typeof m.k === "number" &&
    typeof m.pcaDim === "number" &&
    Array.isArray(m.mean) &&
    m.mean.length === m.embedding?.dim &&
    Array.isArray(m.basis) &&
    m.basis.length === m.pcaDim * m.mean.length &&
    Array.isArray(m.starts) &&
    m.starts.at(-1) === m.count &&
    Array.isArray(m.centroids) &&
    m.centroids.length === (m.starts.length - 1) * m.pcaDim &&
    typeof m.threshold === "number" &&
    !!m.embedding &&
    typeof m.embedding.dim === "number"
  );
}
