/**
 * Embedding matrices and PCA for embedding drift (pure, deterministic, no dependencies).
 *
 * Input: a window of embeddings is either an array of rows (`Float32Array[]`, `number[][]`, any
 * `ArrayLike<number>[]`) or one packed row-major buffer `{ data, dim }` (row i is
 * `data[i*dim .. (i+1)*dim)`). Both are copied once into a row-major `Float64Array` (`Matrix`), so
 * float32 input is widened and all arithmetic is float64.
 *
 * PCA: the eigen-decomposition of the sample covariance (divisor n - 1), the method of scikit-learn's
 * `svd_solver="covariance_eigh"` (what its "auto" picks for fewer than 1000 features and over 10x as many
 * rows): Householder reduction to tridiagonal form, then the implicit QL algorithm (the EISPACK
 * tred2/tql2 pair), exact to rounding, O(n·d² + d³). Signs follow sklearn's `svd_flip(u_based_decision=False)`:
 * each component's entry of largest magnitude (first on ties) is positive. Negative eigenvalues (rounding)
 * are clipped to 0, as sklearn does.
 *
 * Also here: the seeded sampling the drift methods share, and `projection2d` for a scatter chart.
 */

import { mulberry32 } from "../../core/random";

/** A window of embeddings: rows, or one packed row-major buffer with the row length `dim`. */
export type EmbeddingWindow = readonly ArrayLike<number>[] | { readonly data: ArrayLike<number>; readonly dim: number };

/** Row-major float64 matrix: element (i, j) is `data[i * dim + j]`. */
export interface Matrix {
  readonly rows: number;
  readonly dim: number;
  readonly data: Float64Array;
}

/** Bad embedding input (empty window, ragged or mismatched dimensions, NaN or infinite values, bad options). */
export class EmbeddingInputError extends Error {
  override name = "EmbeddingInputError";
}

/** Copy a window into a `Matrix`, checking it is non-empty, rectangular and finite. `name` labels errors. */
export function toMatrix(input: EmbeddingWindow, name: string): Matrix {
  if ("dim" in input && !Array.isArray(input)) {
    const { data: src, dim } = input as { data: ArrayLike<number>; dim: number };
    if (!Number.isInteger(dim) || dim < 1) throw new EmbeddingInputError(`${name}: dim must be a positive integer, got ${dim}`);
    if (src.length === 0) throw new EmbeddingInputError(`${name} window is empty`);
    if (src.length % dim !== 0) throw new EmbeddingInputError(`${name}: packed length ${src.length} is not a multiple of dim ${dim}`);
    const data = Float64Array.from(src);
    for (let k = 0; k < data.length; k++) {
      if (!Number.isFinite(data[k]!)) throw nonFinite(name, Math.floor(k / dim), k % dim, data[k]!);
    }
    return { rows: data.length / dim, dim, data };
  }
  const rowsIn = input as readonly ArrayLike<number>[];
  if (rowsIn.length === 0) throw new EmbeddingInputError(`${name} window is empty`);
  const dim = rowsIn[0]!.length;
  if (dim === 0) throw new EmbeddingInputError(`${name} row 0 has no components`);
  const data = new Float64Array(rowsIn.length * dim);
  for (let i = 0; i < rowsIn.length; i++) {
    const row = rowsIn[i]!;
    if (row.length !== dim) throw new EmbeddingInputError(`${name} row ${i} has ${row.length} components, row 0 has ${dim}`);
    const off = i * dim;
    for (let j = 0; j < dim; j++) {
      const v = row[j]!;
      if (!Number.isFinite(v)) throw nonFinite(name, i, j, v);
      data[off + j] = v;
    }
  }
  return { rows: rowsIn.length, dim, data };
}

const nonFinite = (name: string, row: number, col: number, v: number) =>
  new EmbeddingInputError(`${name} row ${row}, component ${col} is ${v} (embeddings must be finite numbers)`);

/** Column means over the rows of all `parts` (which share one `dim`). */
export function columnMeans(parts: readonly Matrix[]): Float64Array {
  const dim = parts[0]!.dim;
  const mean = new Float64Array(dim);
  let n = 0;
  for (const m of parts) {
    for (let i = 0; i < m.rows; i++) {
      const off = i * m.dim;
      for (let j = 0; j < dim; j++) mean[j]! += m.data[off + j]!;
    }
    n += m.rows;
  }
  for (let j = 0; j < dim; j++) mean[j]! /= n;
  return mean;
}

/** Dot product of a[ao .. ao+len) and b[bo .. bo+len), four accumulators (V8 keeps them in registers). */
export function dotAt(a: Float64Array, ao: number, b: Float64Array, bo: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < len; k += 4) {
    s0 += a[ao + k]! * b[bo + k]!;
    s1 += a[ao + k + 1]! * b[bo + k + 1]!;
    s2 += a[ao + k + 2]! * b[bo + k + 2]!;
    s3 += a[ao + k + 3]! * b[bo + k + 3]!;
  }
  for (; k < len; k++) s0 += a[ao + k]! * b[bo + k]!;
  return s0 + s1 + s2 + s3;
}

/** Sample covariance (divisor n - 1) of the stacked rows of `parts`, d×d row-major, and the column means. */
export function covariance(parts: readonly Matrix[]): { mean: Float64Array; cov: Float64Array } {
  const dim = parts[0]!.dim;
  const n = parts.reduce((s, m) => s + m.rows, 0);
  const mean = columnMeans(parts);
  // centred copy stored column-major, so each covariance entry is one contiguous dot product
  const cols = new Float64Array(dim * n);
  let r = 0;
  for (const m of parts) {
    for (let i = 0; i < m.rows; i++, r++) {
      const off = i * dim;
      for (let j = 0; j < dim; j++) cols[j * n + r] = m.data[off + j]! - mean[j]!;
    }
  }
  const cov = new Float64Array(dim * dim);
  const put = (a: number, b: number, v: number) => {
    cov[a * dim + b] = v / (n - 1);
    cov[b * dim + a] = v / (n - 1);
  };
  for (let a = 0; a < dim; a++) {
    const ao = a * n;
    let b = a;
    // four dot products per pass over column a: a quarter of its loads
    for (; b + 3 < dim; b += 4) {
      const bo = b * n;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let i = 0; i < n; i++) {
        const x = cols[ao + i]!;
        s0 += x * cols[bo + i]!;
        s1 += x * cols[bo + n + i]!;
        s2 += x * cols[bo + 2 * n + i]!;
        s3 += x * cols[bo + 3 * n + i]!;
      }
      put(a, b, s0);
      put(a, b + 1, s1);
      put(a, b + 2, s2);
      put(a, b + 3, s3);
    }
    for (; b < dim; b++) put(a, b, dotAt(cols, ao, cols, b * n, n));
  }
  return { mean, cov };
}

/**
 * Eigen-decomposition of a symmetric n×n matrix (row-major; not modified). Returns the eigenvalues in
 * descending order and the matching unit eigenvectors as the ROWS of `vectors` (n×n row-major).
 */
export function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const V = Float64Array.from(a); // V[r*n + c]; ends holding the eigenvectors as rows
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  // V is symmetric, so tridiagonalize can index it transposed (contiguous inner loops) and hand the
  // transposed transform to the QL step, whose rotations then also update contiguous rows
  tridiagonalize(V, d, e, n);
  tridiagonalQL(V, d, e, n);
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => d[y]! - d[x]! || x - y);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, k) => {
    values[k] = d[src]!;
    vectors.set(V.subarray(src * n, (src + 1) * n), k * n);
  });
  return { values, vectors };
}

/** Householder reduction of V (symmetric) to tridiagonal form: diagonal in d, sub-diagonal in e[1..]; V becomes the transform, transposed. */
function tridiagonalize(V: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) d[j] = V[j * n + n - 1]!;
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]!);
    if (scale === 0) {
      e[i] = d[i - 1]!;
      for (let j = 0; j < i; j++) {
        d[j] = V[j * n + i - 1]!;
        V[j * n + i] = 0;
        V[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k]! /= scale;
        h += d[k]! * d[k]!;
      }
      let f = d[i - 1]!;
      let g = f > 0 ? -Math.sqrt(h) : Math.sqrt(h);
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        V[i * n + j] = f;
        g = e[j]! + V[j * n + j]! * f;
        for (let k = j + 1; k < i; k++) {
          g += V[j * n + k]! * d[k]!;
          e[k]! += V[j * n + k]! * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j]! /= h;
        f += e[j]! * d[j]!;
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j]! -= hh * d[j]!;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        g = e[j]!;
        for (let k = j; k < i; k++) V[j * n + k]! -= f * e[k]! + g * d[k]!;
        d[j] = V[j * n + i - 1]!;
        V[j * n + i] = 0;
      }
    }
    d[i] = h;
  }
  // accumulate the transformations
  for (let i = 0; i < n - 1; i++) {
    V[i * n + n - 1] = V[i * n + i]!;
    V[i * n + i] = 1;
    const h = d[i + 1]!;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = V[(i + 1) * n + k]! / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += V[(i + 1) * n + k]! * V[j * n + k]!;
        for (let k = 0; k <= i; k++) V[j * n + k]! -= g * d[k]!;
      }
    }
    for (let k = 0; k <= i; k++) V[(i + 1) * n + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = V[j * n + n - 1]!;
    V[j * n + n - 1] = 0;
  }
  V[n * n - 1] = 1;
  e[0] = 0;
}

/** Implicit QL iterations on the tridiagonal (d, e), accumulating rotations into V's rows (V is the transposed transform). */
function tridiagonalQL(V: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]!) > eps * tst1) m++;
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 60) throw new Error("symmetricEigen: QL iteration did not converge");
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i]! -= h;
        f += h;
        p = d[m]!;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1]!;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = Math.hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          const ri = i * n;
          const rj = ri + n;
          for (let k = 0; k < n; k++) {
            h = V[rj + k]!;
            V[rj + k] = s * V[ri + k]! + c * h;
            V[ri + k] = c * V[ri + k]! - s * h;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]!) > eps * tst1);
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
}

export interface PcaFit {
  /** column means the data is centred by */
  mean: Float64Array;
  /** k×dim row-major; row c is component c (unit length, largest-|entry| positive) */
  components: Float64Array;
  k: number;
  dim: number;
  /** variance along each component (sample covariance eigenvalue, divisor n - 1), descending */
  explainedVariance: number[];
  /** explainedVariance / total variance (the covariance trace, eigenvalues clipped at 0) */
  explainedVarianceRatio: number[];
}

/** Fit a k-component PCA on the stacked rows of `parts` (at least 2 rows in all; 1 <= k <= min(rows, dim)). */
export function fitPca(parts: readonly Matrix[], k: number): PcaFit {
  const dim = parts[0]!.dim;
  const n = parts.reduce((s, m) => s + m.rows, 0);
  if (!Number.isInteger(k) || k < 1 || k > Math.min(n, dim))
    throw new EmbeddingInputError(`PCA: components must be an integer from 1 to min(rows, dim) = ${Math.min(n, dim)}, got ${k}`);
  if (n < 2) throw new EmbeddingInputError("PCA needs at least 2 rows");
  const { mean, cov } = covariance(parts);
  const { values, vectors } = symmetricEigen(cov, dim);
  let total = 0;
  for (let i = 0; i < dim; i++) total += Math.max(0, values[i]!);
  const components = vectors.slice(0, k * dim);
  for (let c = 0; c < k; c++) {
    let best = 0;
    for (let j = 1; j < dim; j++) if (Math.abs(components[c * dim + j]!) > Math.abs(components[c * dim + best]!)) best = j;
    if (components[c * dim + best]! < 0) for (let j = 0; j < dim; j++) components[c * dim + j] = -components[c * dim + j]!;
  }
  const explainedVariance = Array.from(values.subarray(0, k), (v) => Math.max(0, v));
  return {
    mean,
    components,
    k,
    dim,
    explainedVariance,
    explainedVarianceRatio: explainedVariance.map((v) => (total > 0 ? v / total : 0)),
  };
}

/** Project the rows of `x` (all, or only `rowIndex`) onto the fitted components: a rows×k matrix. */
export function pcaTransform(fit: PcaFit, x: Matrix, rowIndex?: ArrayLike<number>): Matrix {
  if (x.dim !== fit.dim) throw new EmbeddingInputError(`PCA: fitted on dim ${fit.dim}, got dim ${x.dim}`);
  const rows = rowIndex ? rowIndex.length : x.rows;
  const { k, dim } = fit;
  const out = new Float64Array(rows * k);
  const centred = new Float64Array(dim);
  for (let r = 0; r < rows; r++) {
    const off = (rowIndex ? rowIndex[r]! : r) * dim;
    for (let j = 0; j < dim; j++) centred[j] = x.data[off + j]! - fit.mean[j]!;
    for (let c = 0; c < k; c++) out[r * k + c] = dotAt(centred, 0, fit.components, c * dim, dim);
  }
  return { rows, dim: k, data: out };
}

// ---------------------------------------------------------------- seeded sampling, 2-D projection

/** mulberry32 (server/core/random.ts), re-exported: drift's statistics and tests take it from here. */
export { mulberry32 };

/** `k` distinct indices of 0..n-1 (partial Fisher-Yates), ascending. */
export function sampleIndices(n: number, k: number, rand: () => number): Uint32Array {
  const all = new Uint32Array(n).map((_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (n - i));
    const t = all[i]!;
    all[i] = all[j]!;
    all[j] = t;
  }
  return all.slice(0, k).sort();
}

export interface Projection2dOptions {
  /** at most this many points per window (500); larger windows are sampled without replacement */
  maxPoints?: number;
  /** seed of that sampling (0) */
  seed?: number;
}

export interface Projection2d {
  /** [pc1, pc2] per sampled row, in ascending row order */
  reference: [number, number][];
  current: [number, number][];
  /** the row (in its window) of each point */
  referenceIndex: number[];
  currentIndex: number[];
  explainedVarianceRatio: [number, number];
}

/**
 * Both windows on the first two principal components of their pooled rows (all rows fit the PCA;
 * only the returned points are sampled), for a scatter chart. Needs dim >= 2 and 2 rows in all.
 */
export function projection2d(reference: EmbeddingWindow, current: EmbeddingWindow, options: Projection2dOptions = {}): Projection2d {
  const ref = toMatrix(reference, "reference");
  const cur = toMatrix(current, "current");
  if (ref.dim !== cur.dim) throw new EmbeddingInputError(`reference has ${ref.dim} components per row, current has ${cur.dim}`);
  if (ref.dim < 2) throw new EmbeddingInputError("a 2-D projection needs embeddings of at least 2 components");
  const maxPoints = options.maxPoints ?? 500;
  if (!Number.isInteger(maxPoints) || maxPoints < 1)
    throw new EmbeddingInputError(`maxPoints must be a positive integer, got ${maxPoints}`);
  const fit = fitPca([ref, cur], 2);
  const rand = mulberry32(options.seed ?? 0);
  const side = (x: Matrix) => {
    const idx = x.rows > maxPoints ? sampleIndices(x.rows, maxPoints, rand) : new Uint32Array(x.rows).map((_, i) => i);
    const p = pcaTransform(fit, x, idx);
    return { points: Array.from(idx, (_, r): [number, number] => [p.data[2 * r]!, p.data[2 * r + 1]!]), index: Array.from(idx) };
  };
  const r = side(ref);
  const c = side(cur);
  const [v1, v2] = fit.explainedVarianceRatio;
  return { reference: r.points, current: c.points, referenceIndex: r.index, currentIndex: c.index, explainedVarianceRatio: [v1!, v2!] };
}
