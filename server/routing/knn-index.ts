/**
 * The kNN router's search structure (knn.ts): a PCA basis of the training embeddings (seeded
 * subspace iteration), projected unit points quantized to int8, grouped by seeded spherical k-means,
 * and the approximate top-k search that scans the PROBE groups nearest to a query.
 */
import { compact, gaussian } from "./dense";
import { seededRandom, shuffled } from "./split";

export const PCA_ITERATIONS = 12;
export const CLUSTERS = 16;
export const PROBE = 4;
const KMEANS_ITERATIONS = 10;

/** Orthonormalizes the rows of `Q` (k rows of d) in place (Gram-Schmidt; a degenerate row becomes a unit axis). */
function orthonormalize(Q: Float64Array[], d: number): void {
  for (let c = 0; c < Q.length; c++) {
    const q = Q[c] as Float64Array;
    for (let e = 0; e < c; e++) {
      const p = Q[e] as Float64Array;
      let dot = 0;
      for (let j = 0; j < d; j++) dot += (q[j] as number) * (p[j] as number);
      for (let j = 0; j < d; j++) q[j] = (q[j] as number) - dot * (p[j] as number);
    }
    let norm = 0;
    for (let j = 0; j < d; j++) norm += (q[j] as number) ** 2;
    norm = Math.sqrt(norm);
    if (norm < 1e-12) {
      q.fill(0);
      q[c % d] = 1;
    } else for (let j = 0; j < d; j++) q[j] = (q[j] as number) / norm;
  }
}

/** The top-`k` principal directions of centred rows `X` (subspace iteration from a seeded start). */
export function pcaBasis(X: readonly Float64Array[], d: number, k: number, seed: number): Float64Array[] {
  const normal = gaussian(seededRandom(seed ^ 0x9ca));
  const Q = Array.from({ length: k }, () => Float64Array.from({ length: d }, () => normal()));
  orthonormalize(Q, d);
  const t = new Float64Array(k);
  for (let it = 0; it < PCA_ITERATIONS; it++) {
    const Y = Array.from({ length: k }, () => new Float64Array(d));
    for (const x of X) {
      for (let c = 0; c < k; c++) {
        const q = Q[c] as Float64Array;
        let s = 0;
        for (let j = 0; j < d; j++) s += (q[j] as number) * (x[j] as number);
        t[c] = s;
      }
      for (let c = 0; c < k; c++) {
        const y = Y[c] as Float64Array;
        const tc = t[c] as number;
        for (let j = 0; j < d; j++) y[j] = (y[j] as number) + tc * (x[j] as number);
      }
    }
    orthonormalize(Y, d);
    for (let c = 0; c < k; c++) (Q[c] as Float64Array).set(Y[c] as Float64Array);
  }
  return Q;
}

/** basis . (x - mean), unit-normalized. */
export function project(x: readonly number[], mean: readonly number[], basis: ArrayLike<number>, k: number): Float64Array {
  const d = mean.length;
  const z = new Float64Array(k);
  let norm = 0;
  for (let c = 0; c < k; c++) {
    let s = 0;
    const row = c * d;
    for (let j = 0; j < d; j++) s += (basis[row + j] as number) * ((x[j] as number) - (mean[j] as number));
    z[c] = s;
    norm += s * s;
  }
  norm = Math.sqrt(norm) || 1;
  for (let c = 0; c < k; c++) z[c] = (z[c] as number) / norm;
  return z;
}

/** Unit-normalized int8 codes of one vector. */
function quantize(v: ArrayLike<number>, out: Int8Array, at: number): void {
  let norm = 0;
  for (let j = 0; j < v.length; j++) norm += (v[j] as number) ** 2;
  norm = Math.sqrt(norm) || 1;
  for (let j = 0; j < v.length; j++) out[at + j] = Math.max(-127, Math.min(127, Math.round((127 * (v[j] as number)) / norm)));
}

/** Slots of the `k` largest similarities of `q` to the points in `ranges` ([from, to) pairs), skipping slot `skip`. */
function nearest(pts: Int8Array, dim: number, q: Float64Array, k: number, ranges: readonly number[], skip = -1): number[] {
  const bestI: number[] = [];
  const bestS: number[] = [];
  for (let g = 0; g < ranges.length; g += 2) {
    const to = ranges[g + 1] as number;
    for (let r = ranges[g] as number; r < to; r++) {
      if (r === skip) continue;
      let s = 0;
      const at = r * dim;
      for (let j = 0; j < dim; j++) s += (q[j] as number) * (pts[at + j] as number);
      if (bestS.length < k || s > (bestS[bestS.length - 1] as number)) {
        // insertion into the sorted (descending) top-k; ties keep the earlier slot (deterministic)
        let pos = bestS.length;
        while (pos > 0 && (bestS[pos - 1] as number) < s) pos--;
        bestS.splice(pos, 0, s);
        bestI.splice(pos, 0, r);
        if (bestS.length > k) {
          bestS.pop();
          bestI.pop();
        }
      }
    }
  }
  return bestI;
}

export interface Index {
  pts: Int8Array;
  /** training row of each stored slot */
  rows: number[];
  starts: number[];
  centroids: number[];
}

const dotAt = (a: ArrayLike<number>, at: number, b: ArrayLike<number>, d: number) => {
  let s = 0;
  for (let j = 0; j < d; j++) s += (a[at + j] as number) * (b[j] as number);
  return s;
};

/** Groups `rows` of `Z` (unit vectors) by seeded spherical k-means and packs them in group order. */
export function buildIndex(Z: readonly Float64Array[], rows: readonly number[], dim: number, seed: number): Index {
  const c = Math.max(1, Math.min(CLUSTERS, Math.floor(rows.length / 8)));
  const cent = shuffled(rows, seededRandom(seed ^ 0xc1))
    .slice(0, c)
    .map((r) => Float64Array.from(Z[r] as Float64Array));
  const assign = new Int32Array(rows.length);
  const nearestCentroid = (z: Float64Array) => {
    let best = 0;
    let bestS = Number.NEGATIVE_INFINITY;
    for (let g = 0; g < c; g++) {
      const s = dotAt(cent[g] as Float64Array, 0, z, dim);
      if (s > bestS) {
        bestS = s;
        best = g;
      }
    }
    return best;
  };
  for (let it = 0; it < KMEANS_ITERATIONS; it++) {
    rows.forEach((r, i) => {
      assign[i] = nearestCentroid(Z[r] as Float64Array);
    });
    const sums = Array.from({ length: c }, () => new Float64Array(dim));
    rows.forEach((r, i) => {
      const z = Z[r] as Float64Array;
      const acc = sums[assign[i] as number] as Float64Array;
      for (let j = 0; j < dim; j++) acc[j] = (acc[j] as number) + (z[j] as number);
    });
    for (let g = 0; g < c; g++) {
      const sum = sums[g] as Float64Array;
      const norm = Math.sqrt(dotAt(sum, 0, sum, dim));
      if (norm > 1e-12) (cent[g] as Float64Array).set(sum.map((v) => v / norm)); // an empty group keeps its centroid
    }
  }
  const centroids = compact(cent.flatMap((v) => Array.from(v)));
  // final groups by the stored (rounded) centroids, as serving ranks them
  const group = rows.map((r) => {
    let best = 0;
    let bestS = Number.NEGATIVE_INFINITY;
    for (let g = 0; g < c; g++) {
      const s = dotAt(centroids, g * dim, Z[r] as Float64Array, dim);
      if (s > bestS) {
        bestS = s;
        best = g;
      }
    }
    return best;
  });
  const order = rows.map((r, i) => ({ r, g: group[i] as number, i })).sort((a, b) => a.g - b.g || a.i - b.i);
  const starts = new Array<number>(c + 1).fill(0);
  for (const o of order) starts[o.g + 1] = (starts[o.g + 1] as number) + 1;
  for (let g = 0; g < c; g++) starts[g + 1] = (starts[g + 1] as number) + (starts[g] as number);
  const stored = order.map((o) => o.r);
  return { pts: pack(Z, stored, dim), rows: stored, starts, centroids };
}

/** The [from, to) ranges of the PROBE groups whose centroids are most similar to `q`. */
export function probe(centroids: readonly number[], starts: readonly number[], dim: number, q: Float64Array): number[] {
  const c = starts.length - 1;
  if (c <= PROBE) return [0, starts[c] as number];
  const scored = Array.from({ length: c }, (_, g) => ({ g, s: dotAt(centroids, g * dim, q, dim) }));
  scored.sort((a, b) => b.s - a.s || a.g - b.g);
  return scored.slice(0, PROBE).flatMap(({ g }) => [starts[g] as number, starts[g + 1] as number]);
}

export const search = (ix: Pick<Index, "pts" | "starts" | "centroids">, dim: number, q: Float64Array, k: number, skip = -1) =>
  nearest(ix.pts, dim, q, k, probe(ix.centroids, ix.starts, dim, q), skip);

export function pack(Z: readonly Float64Array[], rows: readonly number[], dim: number): Int8Array {
  const pts = new Int8Array(rows.length * dim);
  rows.forEach((r, i) => {
    quantize(Z[r] as Float64Array, pts, i * dim);
  });
  return pts;
}
