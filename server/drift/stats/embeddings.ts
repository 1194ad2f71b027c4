/**
 * Embedding drift, after Evidently's legacy embedding drift methods (metrics/data_drift/
 * embedding_drift_methods.py), with its defaults. One run compares a reference and a current window
 * of embeddings (see `EmbeddingWindow` in ./pca: rows or one packed buffer; float32 input is widened
 * to float64) and returns `{ method, value, threshold, drift, details }`.
 *
 * - model (default): a domain classifier (reference 0, current 1) trained on a seeded half of the pooled
 *   rows; value = ROC AUC on the other half; drift when > 0.55. L2 logistic regression by L-BFGS on
 *   standardized features (Evidently: sklearn SGDClassifier on raw features, reference labelled 1; the
 *   AUC does not depend on which window is the positive class, up to rounding).
 * - distance: distance between the windows' mean embeddings (scipy.spatial.distance semantics); drift > 0.2.
 * - ratio: share of components whose normed Wasserstein distance (W1 / max(population std of the
 *   reference component, 0.001)) is >= 0.1; drift when the share > 0.2.
 * - mmd: unbiased squared MMD, RBF kernel exp(-gamma·|x - y|²) with gamma = 1 / median(cross distances)²;
 *   value max(MMD², 0); drift when MMD² > 0.015.
 * Each can first project both windows on `pcaComponents` principal components fitted on the reference.
 * `bootstrap` mirrors Evidently's (threshold = a bootstrap quantile). Randomness is seeded (mulberry32).
 */

import { dotRow, fitLogistic, rocAuc } from "./classifier";
import { EmbeddingInputError, type EmbeddingWindow, fitPca, type Matrix, mulberry32, pcaTransform, sampleIndices, toMatrix } from "./pca";
import { wassersteinDistance } from "./wasserstein";

export { EmbeddingInputError, type EmbeddingWindow, mulberry32, type Projection2d, type Projection2dOptions, projection2d } from "./pca";
export { rocAuc };

export type EmbeddingDriftMethod = "model" | "distance" | "ratio" | "mmd";
export type DistanceMetric = "euclidean" | "cosine" | "cityblock" | "chebyshev";

interface CommonOptions {
  /** project both windows on this many principal components of the reference first (Evidently's pca_components) */
  pcaComponents?: number;
}
interface BootstrapOptions {
  /** decide drift against a bootstrap quantile instead of `threshold` (Evidently's bootstrap) */
  bootstrap?: boolean;
  /** the quantile for `bootstrap` (model and distance 0.95, mmd 0.05, as Evidently) */
  quantileProbability?: number;
}
export interface ModelDriftOptions extends CommonOptions, BootstrapOptions {
  method: "model";
  /** drift when ROC AUC > threshold (0.55) */
  threshold?: number;
  /** seed of the train/test split and the bootstrap's random scores (42, as Evidently's random_state) */
  seed?: number;
  /** L2 penalty on standardized weights (1e-4, sklearn SGDClassifier's alpha) */
  l2?: number;
  /** L-BFGS iteration cap (100) */
  maxIter?: number;
}
export interface DistanceDriftOptions extends CommonOptions, BootstrapOptions {
  method: "distance";
  metric?: DistanceMetric;
  /** drift when distance > threshold (0.2) */
  threshold?: number;
}
export interface RatioDriftOptions extends CommonOptions {
  method: "ratio";
  /** a component drifts when its normed Wasserstein distance >= this (0.1) */
  componentThreshold?: number;
  /** drift when the drifted share > threshold (0.2) */
  threshold?: number;
}
export interface MmdDriftOptions extends CommonOptions, BootstrapOptions {
  method: "mmd";
  /** drift when MMD² > threshold (0.015) */
  threshold?: number;
  /** rows per window the kernel is computed on (1000); larger windows are sampled (memory O((2·maxSamples)²)) */
  maxSamples?: number;
  /** seed of that sampling and of the bootstrap (0, as Evidently's random_state) */
  seed?: number;
  /** also report a permutation-test p-value of MMD² (beside the threshold decision, never instead) */
  permutationPValue?: { rounds: number; seed?: number };
}
export type EmbeddingDriftOptions = ModelDriftOptions | DistanceDriftOptions | RatioDriftOptions | MmdDriftOptions;

export interface EmbeddingDriftDetails {
  pcaComponents?: number;
  /** when set, `threshold` is the bootstrap quantile rather than the configured threshold */
  bootstrap?: boolean;
  metric?: DistanceMetric;
  driftedComponents?: number;
  components?: number;
  /** mmd: kernel gamma, and the rows per window the kernel used */
  gamma?: number;
  referenceRows?: number;
  currentRows?: number;
  /** mmd: permutation-test p-value, (1 + #{permuted >= observed}) / (rounds + 1) */
  pValue?: number;
  permutationRounds?: number;
  /** model: split sizes and optimizer iterations */
  trainRows?: number;
  testRows?: number;
  iterations?: number;
}

export interface EmbeddingDriftResult {
  method: EmbeddingDriftMethod;
  value: number;
  /** what `value` was compared with (`value > threshold` is drift) */
  threshold: number;
  drift: boolean;
  details?: EmbeddingDriftDetails;
}

const BOOTSTRAP_ROUNDS = 100;
const SIGMA_SAMPLE = 1000;

/** Drift between two windows of embeddings by one of Evidently's methods (default: model). */
export function embeddingDrift(
  reference: EmbeddingWindow,
  current: EmbeddingWindow,
  options: EmbeddingDriftOptions = { method: "model" },
): EmbeddingDriftResult {
  let ref = toMatrix(reference, "reference");
  let cur = toMatrix(current, "current");
  if (ref.dim !== cur.dim) throw new EmbeddingInputError(`reference has ${ref.dim} components per row, current has ${cur.dim}`);
  const details: EmbeddingDriftDetails = {};
  if (options.pcaComponents !== undefined) {
    const fit = fitPca([ref], options.pcaComponents);
    ref = pcaTransform(fit, ref);
    cur = pcaTransform(fit, cur);
    details.pcaComponents = options.pcaComponents;
  }
  return { method: options.method, ...run(ref, cur, options, details), details };
}

/** a method's decision; each method adds what it reports to `details` */
type Outcome = { value: number; threshold: number; drift: boolean };

function run(ref: Matrix, cur: Matrix, o: EmbeddingDriftOptions, details: EmbeddingDriftDetails): Outcome {
  switch (o.method) {
    case "distance":
      return distanceDrift(ref, cur, o, details);
    case "ratio":
      return ratioDrift(ref, cur, o, details);
    case "mmd":
      return mmdDrift(ref, cur, o, details);
    case "model":
      return modelDrift(ref, cur, o, details);
    default:
      throw new EmbeddingInputError(`unknown embedding drift method ${(o as { method: unknown }).method}`);
  }
}

// ---------------------------------------------------------------- distance

function distanceDrift(ref: Matrix, cur: Matrix, o: DistanceDriftOptions, details: EmbeddingDriftDetails): Outcome {
  const metric = o.metric ?? "euclidean";
  if (!(metric in METRICS)) throw new EmbeddingInputError(`unknown distance metric ${metric}`);
  // PCA centres on the reference, so its mean embedding is zero up to rounding: cosine is noise there
  if (metric === "cosine" && details.pcaComponents !== undefined)
    throw new EmbeddingInputError("cosine distance is undefined after PCA: the reference's projected mean embedding is the zero vector");
  const dist = METRICS[metric];
  details.metric = metric;
  const value = dist(meanRow(ref), meanRow(cur));
  if (!o.bootstrap) return decide(value, o.threshold ?? 0.2);
  // Evidently: distances between the means of two with-replacement draws from the reference, sized
  // in proportion to the windows; drift when the observed distance exceeds their quantile
  const m = ref.rows;
  const n = cur.rows;
  const sizeA = Math.floor((m * m) / (m + n));
  const sizeB = Math.floor((n * m) / (m + n));
  if (sizeA < 1 || sizeB < 1) throw new EmbeddingInputError("distance bootstrap: windows too small");
  const null_: number[] = [];
  for (let i = 0; i < BOOTSTRAP_ROUNDS; i++) {
    const rand = mulberry32(i);
    null_.push(dist(meanRow(ref, drawIndices(m, sizeA, rand)), meanRow(ref, drawIndices(m, sizeB, rand))));
  }
  details.bootstrap = true;
  return decide(value, percentile(null_, 100 * (o.quantileProbability ?? 0.95)));
}

const METRICS: Record<DistanceMetric, (u: Float64Array, v: Float64Array) => number> = {
  euclidean: (u, v) => {
    let s = 0;
    for (let j = 0; j < u.length; j++) s += (u[j]! - v[j]!) ** 2;
    return Math.sqrt(s);
  },
  cityblock: (u, v) => {
    let s = 0;
    for (let j = 0; j < u.length; j++) s += Math.abs(u[j]! - v[j]!);
    return s;
  },
  chebyshev: (u, v) => {
    let s = 0;
    for (let j = 0; j < u.length; j++) s = Math.max(s, Math.abs(u[j]! - v[j]!));
    return s;
  },
  // scipy: 1 - u·v / sqrt(|u|²|v|²), clipped to [0, 2]
  cosine: (u, v) => {
    let uv = 0;
    let uu = 0;
    let vv = 0;
    for (let j = 0; j < u.length; j++) {
      uv += u[j]! * v[j]!;
      uu += u[j]! * u[j]!;
      vv += v[j]! * v[j]!;
    }
    if (uu === 0 || vv === 0) throw new EmbeddingInputError("cosine distance is undefined: a window's mean embedding is the zero vector");
    return Math.min(2, Math.max(0, 1 - uv / Math.sqrt(uu * vv)));
  },
};

/** Mean of the rows of `x` (or of the rows listed in `idx`). */
function meanRow(x: Matrix, idx?: Uint32Array): Float64Array {
  const { dim, data } = x;
  const out = new Float64Array(dim);
  const rows = idx ? idx.length : x.rows;
  for (let r = 0; r < rows; r++) {
    const off = (idx ? idx[r]! : r) * dim;
    for (let j = 0; j < dim; j++) out[j]! += data[off + j]!;
  }
  for (let j = 0; j < dim; j++) out[j]! /= rows;
  return out;
}

// ---------------------------------------------------------------- ratio

function ratioDrift(ref: Matrix, cur: Matrix, o: RatioDriftOptions, details: EmbeddingDriftDetails): Outcome {
  const componentThreshold = o.componentThreshold ?? 0.1;
  const { dim } = ref;
  const a = new Float64Array(ref.rows);
  const b = new Float64Array(cur.rows);
  let drifted = 0;
  for (let j = 0; j < dim; j++) {
    for (let i = 0; i < ref.rows; i++) a[i] = ref.data[i * dim + j]!;
    for (let i = 0; i < cur.rows; i++) b[i] = cur.data[i * dim + j]!;
    let mean = 0;
    for (let i = 0; i < a.length; i++) mean += a[i]!;
    mean /= a.length;
    let ss = 0;
    for (let i = 0; i < a.length; i++) ss += (a[i]! - mean) ** 2;
    const norm = Math.max(Math.sqrt(ss / a.length), 0.001);
    // sorted input makes the distance's own index sort linear
    a.sort();
    b.sort();
    if (wassersteinDistance(a, b) / norm >= componentThreshold) drifted++;
  }
  Object.assign(details, { driftedComponents: drifted, components: dim });
  return decide(drifted / dim, o.threshold ?? 0.2);
}

// ---------------------------------------------------------------- mmd

function mmdDrift(ref: Matrix, cur: Matrix, o: MmdDriftOptions, details: EmbeddingDriftDetails): Outcome {
  if (ref.rows < 2 || cur.rows < 2) throw new EmbeddingInputError("mmd needs at least 2 rows in each window");
  const maxSamples = o.maxSamples ?? 1000;
  if (!(maxSamples >= 2)) throw new EmbeddingInputError(`mmd maxSamples must be at least 2, got ${maxSamples}`);
  const rand = mulberry32(o.seed ?? 0);
  const xi = ref.rows > maxSamples ? sampleIndices(ref.rows, maxSamples, rand) : undefined;
  const yi = cur.rows > maxSamples ? sampleIndices(cur.rows, maxSamples, rand) : undefined;
  const m = xi ? xi.length : ref.rows;
  const n = yi ? yi.length : cur.rows;
  const N = m + n;
  const dim = ref.dim;
  const pooled = new Float64Array(N * dim);
  for (let r = 0; r < m; r++) pooled.set(ref.data.subarray((xi ? xi[r]! : r) * dim, ((xi ? xi[r]! : r) + 1) * dim), r * dim);
  for (let r = 0; r < n; r++) pooled.set(cur.data.subarray((yi ? yi[r]! : r) * dim, ((yi ? yi[r]! : r) + 1) * dim), (m + r) * dim);
  // squared distances, all pairs (symmetric, zero diagonal); becomes the kernel matrix in place
  const K = new Float64Array(N * N);
  for (let i = 0; i < N; i++) {
    for (let j = i + 1; j < N; j++) {
      const d2 = squaredDistance(pooled, i * dim, j * dim, dim);
      K[i * N + j] = d2;
      K[j * N + i] = d2;
    }
  }
  // median heuristic on the cross distances of at most SIGMA_SAMPLE rows per window (as Evidently)
  const sx = Math.min(m, SIGMA_SAMPLE);
  const sy = Math.min(n, SIGMA_SAMPLE);
  const cross = new Float64Array(sx * sy);
  for (let i = 0; i < sx; i++) for (let j = 0; j < sy; j++) cross[i * sy + j] = Math.sqrt(K[i * N + m + j]!);
  const sigma2 = median(cross) ** 2;
  // all cross pairs coincide: no scale to take; any gamma gives the same (zero-ish) MMD there
  const gamma = sigma2 > 0 ? 1 / sigma2 : 1;
  let bootstrapKx: Float64Array | undefined;
  if (o.bootstrap) bootstrapKx = referenceKernel(K, N, m);
  for (let k = 0; k < N * N; k++) K[k] = Math.exp(-gamma * K[k]!);
  const labels = new Uint8Array(N).fill(1, m); // 0 reference, 1 current
  const rowTotal = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    let s = 0;
    for (let j = 0; j < N; j++) s += K[i * N + j]!;
    rowTotal[i] = s - K[i * N + i]!;
  }
  const mmd2 = mmd2u(K, N, labels, rowTotal, m, n);
  Object.assign(details, { gamma, referenceRows: m, currentRows: n });
  if (o.permutationPValue) {
    const { rounds, seed = 0 } = o.permutationPValue;
    if (!Number.isInteger(rounds) || rounds < 1)
      throw new EmbeddingInputError(`permutation rounds must be a positive integer, got ${rounds}`);
    const prand = mulberry32(seed);
    const perm = labels.slice();
    let atLeast = 0;
    for (let r = 0; r < rounds; r++) {
      shuffle(perm, prand);
      if (mmd2u(K, N, perm, rowTotal, m, n) >= mmd2) atLeast++;
    }
    details.pValue = (1 + atLeast) / (rounds + 1);
    details.permutationRounds = rounds;
  }
  let threshold = o.threshold ?? 0.015;
  if (bootstrapKx) {
    threshold = mmdBootstrapQuantile(bootstrapKx, m, n, 100 * (o.quantileProbability ?? 0.05));
    details.bootstrap = true;
  }
  return { value: Math.max(mmd2, 0), threshold, drift: mmd2 > threshold };
}

/** Unbiased MMD² for the split `labels` (0: x, 1: y), from the kernel K and its off-diagonal row sums. */
function mmd2u(K: Float64Array, N: number, labels: Uint8Array, rowTotal: Float64Array, m: number, n: number): number {
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < N; i++) {
    let toY = 0;
    const off = i * N;
    for (let j = 0; j < N; j++) toY += K[off + j]! * labels[j]!;
    if (labels[i]) {
      toY -= K[off + i]!;
      syy += toY;
    } else {
      sxy += toY;
      sxx += rowTotal[i]! - toY;
    }
  }
  return sxx / (m * (m - 1)) + syy / (n * (n - 1)) - (2 * sxy) / (m * n);
}

/** Evidently's bootstrap kernel: RBF on the reference rows with gamma from the median of all their pairwise distances (zeros included). */
function referenceKernel(D2: Float64Array, N: number, m: number): Float64Array {
  const s = Math.min(m, SIGMA_SAMPLE);
  const within = new Float64Array(s * s);
  for (let i = 0; i < s; i++) for (let j = 0; j < s; j++) within[i * s + j] = Math.sqrt(D2[i * N + j]!);
  const sigma2 = median(within) ** 2;
  const gamma = sigma2 > 0 ? 1 / sigma2 : 1;
  const Kx = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) Kx[i * m + j] = Math.exp(-gamma * D2[i * N + j]!);
  return Kx;
}

/** Quantile of MMD² between two with-replacement draws from the reference (Evidently's MMD bootstrap). */
function mmdBootstrapQuantile(Kx: Float64Array, m: number, n: number, q: number): number {
  const xs = Math.max(Math.floor((m * m) / (m + n)), 1);
  const ys = Math.max(Math.floor((m * n) / (m + n)), 1);
  if (xs < 2 || ys < 2) throw new EmbeddingInputError("mmd bootstrap: windows too small");
  const blockSum = (a: Uint32Array, b: Uint32Array) => {
    let s = 0;
    for (const i of a) for (const j of b) s += Kx[i * m + j]!;
    return s;
  };
  const null_: number[] = [];
  for (let r = 0; r < BOOTSTRAP_ROUNDS; r++) {
    const rand = mulberry32(r);
    const a = drawIndices(m, xs, rand);
    const b = drawIndices(m, ys, rand);
    // the diagonal of each draw's block is K(x, x) = 1
    null_.push((blockSum(a, a) - xs) / (xs * (xs - 1)) + (blockSum(b, b) - ys) / (ys * (ys - 1)) - (2 * blockSum(a, b)) / (xs * ys));
  }
  return percentile(null_, q);
}

function squaredDistance(a: Float64Array, ao: number, bo: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < len; k += 4) {
    const d0 = a[ao + k]! - a[bo + k]!;
    const d1 = a[ao + k + 1]! - a[bo + k + 1]!;
    const d2 = a[ao + k + 2]! - a[bo + k + 2]!;
    const d3 = a[ao + k + 3]! - a[bo + k + 3]!;
    s0 += d0 * d0;
    s1 += d1 * d1;
    s2 += d2 * d2;
    s3 += d3 * d3;
  }
  for (; k < len; k++) s0 += (a[ao + k]! - a[bo + k]!) ** 2;
  return s0 + s1 + s2 + s3;
}

// ---------------------------------------------------------------- model

function modelDrift(ref: Matrix, cur: Matrix, o: ModelDriftOptions, details: EmbeddingDriftDetails): Outcome {
  const { dim } = ref;
  const l2 = o.l2 ?? 1e-4;
  const maxIter = o.maxIter ?? 100;
  if (!(l2 >= 0) || !Number.isInteger(maxIter) || maxIter < 1)
    throw new EmbeddingInputError(`model: l2 must be >= 0 and maxIter a positive integer, got ${l2} and ${maxIter}`);
  const N = ref.rows + cur.rows;
  // sklearn train_test_split(test_size=0.5, shuffle=True): test = first ceil(N/2) of a permutation
  const order = new Uint32Array(N).map((_, i) => i);
  shuffle(order, mulberry32(o.seed ?? 42));
  const nTest = Math.ceil(N / 2);
  const test = order.subarray(0, nTest);
  const train = order.subarray(nTest);
  const label = (i: number) => (i >= ref.rows ? 1 : 0);
  const rowOf = (i: number) => (i >= ref.rows ? cur.data.subarray((i - ref.rows) * dim) : ref.data.subarray(i * dim));
  for (const [name, part] of [
    ["training", train],
    ["test", test],
  ] as const) {
    let pos = 0;
    for (const i of part) pos += label(i);
    if (pos === 0 || pos === part.length) throw new EmbeddingInputError(`model: the ${name} half holds rows of one window only; add rows`);
  }
  // standardize by the training half (population std; a constant column maps to 0)
  const mean = new Float64Array(dim);
  const std = new Float64Array(dim);
  for (const i of train) for (let j = 0, r = rowOf(i); j < dim; j++) mean[j]! += r[j]!;
  for (let j = 0; j < dim; j++) mean[j]! /= train.length;
  for (const i of train) for (let j = 0, r = rowOf(i); j < dim; j++) std[j]! += (r[j]! - mean[j]!) ** 2;
  for (let j = 0; j < dim; j++) std[j] = Math.sqrt(std[j]! / train.length) > 1e-12 ? Math.sqrt(std[j]! / train.length) : 1;
  const standardized = (part: Uint32Array) => {
    const X = new Float64Array(part.length * dim);
    part.forEach((i, k) => {
      const r = rowOf(i);
      for (let j = 0; j < dim; j++) X[k * dim + j] = (r[j]! - mean[j]!) / std[j]!;
    });
    return X;
  };
  const fit = fitLogistic(standardized(train), Uint8Array.from(train, label), dim, l2, maxIter);
  const Xt = standardized(test);
  // scores are logits: same order as probabilities, without sigmoid saturating distinct scores into ties
  const scores = new Float64Array(test.length);
  for (let k = 0; k < test.length; k++) scores[k] = fit.bias + dotRow(fit.w, Xt, k * dim, dim);
  const yTest = Uint8Array.from(test, label);
  const auc = rocAuc(yTest, scores);
  Object.assign(details, { trainRows: train.length, testRows: test.length, iterations: fit.iterations });
  if (!o.bootstrap) return decide(auc, o.threshold ?? 0.55);
  // Evidently: the quantile of the AUCs of uniformly random scores on the same test labels
  const null_: number[] = [];
  const seed = o.seed ?? 42;
  for (let r = 0; r < BOOTSTRAP_ROUNDS; r++) {
    const rand = mulberry32(seed + r);
    null_.push(
      rocAuc(
        yTest,
        Float64Array.from(yTest, () => rand()),
      ),
    );
  }
  details.bootstrap = true;
  return decide(auc, percentile(null_, 100 * (o.quantileProbability ?? 0.95)));
}

// ---------------------------------------------------------------- helpers

const decide = (value: number, threshold: number): Outcome => ({ value, threshold, drift: value > threshold });

function shuffle(a: Uint8Array | Uint32Array, rand: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}

/** `k` indices of 0..n-1 drawn with replacement (np.random.choice(n, k)). */
const drawIndices = (n: number, k: number, rand: () => number) => new Uint32Array(k).map(() => Math.floor(rand() * n));

/** numpy's default ("linear") percentile, q in [0, 100]. */
function percentile(values: ArrayLike<number>, q: number): number {
  if (!(q >= 0 && q <= 100)) throw new EmbeddingInputError(`quantileProbability must be within [0, 1], got ${q / 100}`);
  const s = Float64Array.from(values).sort();
  const pos = (q / 100) * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

const median = (values: Float64Array) => percentile(values, 50);
