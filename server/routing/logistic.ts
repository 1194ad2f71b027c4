/**
 * L2-regularized logistic regression, fitted by L-BFGS (full batch, zero start, Armijo backtracking),
 * so a fit is a pure function of its inputs: no randomness, the same weights on every run. The only
 * seeded step is the fold assignment when the L2 strength is chosen by cross-validation.
 *
 * Objective, for standardized rows x_i, labels y_i in {0, 1}, z_i = w·x_i + b:
 *   J(w, b) = (1/n) * sum_i [ log(1 + e^{z_i}) - y_i z_i ] + (l2 / 2) * |w|^2      (b not penalized)
 *   dJ/dw   = (1/n) * sum_i (sigmoid(z_i) - y_i) x_i + l2 w,   dJ/db = (1/n) * sum_i (sigmoid(z_i) - y_i)
 */
import { seededRandom, shuffled } from "./split";

export interface LogisticFit {
  weights: number[];
  bias: number;
  /** final objective value (mean log loss + penalty) */
  objective: number;
  iterations: number;
}

export interface FitOptions {
  l2: number;
  maxIter?: number;
  /** stop when the gradient's max-norm falls under this */
  tol?: number;
}

export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** log(1 + e^z) without overflow */
const softplus = (z: number) => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));

/** Column means and standard deviations (population); a constant column gets std 1 so it maps to 0. */
export function standardizer(X: readonly (readonly number[])[]): { mean: number[]; std: number[] } {
  const d = X[0]?.length ?? 0;
  const mean = new Array<number>(d).fill(0);
  const std = new Array<number>(d).fill(0);
  for (const row of X) for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) + (row[j] as number) / X.length;
  for (const row of X) for (let j = 0; j < d; j++) std[j] = (std[j] as number) + ((row[j] as number) - (mean[j] as number)) ** 2 / X.length;
  for (let j = 0; j < d; j++) {
    const s = Math.sqrt(std[j] as number);
    std[j] = s > 1e-12 ? s : 1;
  }
  return { mean, std };
}

export function standardize(row: readonly number[], mean: readonly number[], std: readonly number[]): number[] {
  return row.map((v, j) => (v - (mean[j] as number)) / (std[j] as number));
}

const dot = (a: readonly number[], b: readonly number[]) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
};

/** max |v_i| without spreading a large array into arguments (a TF-IDF gradient has thousands) */
const maxAbs = (v: readonly number[]) => {
  let m = 0;
  for (const x of v) m = Math.max(m, Math.abs(x));
  return m;
};

/** Objective and gradient at theta = [w..., b]. */
function objective(
  X: readonly (readonly number[])[],
  y: readonly number[],
  l2: number,
  theta: readonly number[],
): { f: number; g: number[] } {
  const d = theta.length - 1;
  const n = X.length;
  const g = new Array<number>(d + 1).fill(0);
  let f = 0;
  const b = theta[d] as number;
  for (let i = 0; i < n; i++) {
    const x = X[i] as readonly number[];
    let z = b;
    for (let j = 0; j < d; j++) z += (theta[j] as number) * (x[j] as number);
    const yi = y[i] as number;
    f += softplus(z) - yi * z;
    const r = (sigmoid(z) - yi) / n;
    for (let j = 0; j < d; j++) g[j] = (g[j] as number) + r * (x[j] as number);
    g[d] = (g[d] as number) + r;
  }
  f /= n;
  for (let j = 0; j < d; j++) {
    f += (l2 / 2) * (theta[j] as number) ** 2;
    g[j] = (g[j] as number) + l2 * (theta[j] as number);
  }
  return { f, g };
}

/** Fit on standardized rows `X` with labels `y` in {0, 1}. */
export function fitLogistic(X: readonly (readonly number[])[], y: readonly number[], opts: FitOptions): LogisticFit {
  if (X.length === 0) throw new RangeError("no training rows");
  if (X.length !== y.length) throw new RangeError(`${X.length} rows but ${y.length} labels`);
  const d = (X[0] as readonly number[]).length;
  return minimizeLbfgs((theta) => objective(X, y, opts.l2, theta), d, opts);
}

/**
 * L-BFGS over theta = [w (d numbers)..., b] from zero, for any objective with its gradient: the dense
 * fit above and the sparse one below (TF-IDF rows, tfidf.ts) share it, so both are deterministic.
 */
export function minimizeLbfgs(
  evaluate: (theta: readonly number[]) => { f: number; g: number[] },
  d: number,
  opts: { maxIter?: number; tol?: number },
): LogisticFit {
  const maxIter = opts.maxIter ?? 200;
  const tol = opts.tol ?? 1e-6;
  const m = 10; // L-BFGS memory
  let theta = new Array<number>(d + 1).fill(0);
  let { f, g } = evaluate(theta);
  const S: number[][] = [];
  const Y: number[][] = [];
  let iter = 0;
  for (; iter < maxIter; iter++) {
    if (maxAbs(g) < tol) break;
    // two-loop recursion: direction = -H g
    const q = g.slice();
    const alphas: number[] = [];
    for (let k = S.length - 1; k >= 0; k--) {
      const s = S[k] as number[];
      const yk = Y[k] as number[];
      const a = dot(s, q) / dot(yk, s);
      alphas[k] = a;
      for (let j = 0; j <= d; j++) q[j] = (q[j] as number) - a * (yk[j] as number);
    }
    const last = S.length - 1;
    const gamma = last >= 0 ? dot(S[last] as number[], Y[last] as number[]) / dot(Y[last] as number[], Y[last] as number[]) : 1;
    for (let j = 0; j <= d; j++) q[j] = (q[j] as number) * gamma;
    for (let k = 0; k < S.length; k++) {
      const s = S[k] as number[];
      const yk = Y[k] as number[];
      const beta = dot(yk, q) / dot(yk, s);
      for (let j = 0; j <= d; j++) q[j] = (q[j] as number) + (s[j] as number) * ((alphas[k] as number) - beta);
    }
    let dir = q.map((v) => -v);
    let slope = dot(g, dir);
    if (!(slope < 0)) {
      // not a descent direction (numerical trouble): restart from steepest descent
      S.length = 0;
      Y.length = 0;
      dir = g.map((v) => -v);
      slope = dot(g, dir);
    }
    // Armijo backtracking; the first step of plain gradient descent is scaled to a unit move
    let step = S.length ? 1 : 1 / Math.max(1, Math.sqrt(dot(g, g)));
    let next = theta;
    let ev = { f, g };
    for (let tries = 0; tries < 40; tries++) {
      next = theta.map((v, j) => v + step * (dir[j] as number));
      ev = evaluate(next);
      if (ev.f <= f + 1e-4 * step * slope) break;
      step /= 2;
    }
    if (!(ev.f < f)) break; // no progress possible at float precision
    const s = next.map((v, j) => v - (theta[j] as number));
    const yk = ev.g.map((v, j) => v - (g[j] as number));
    if (dot(s, yk) > 1e-12) {
      S.push(s);
      Y.push(yk);
      if (S.length > m) {
        S.shift();
        Y.shift();
      }
    }
    const improvement = f - ev.f;
    theta = next;
    f = ev.f;
    g = ev.g;
    if (improvement < 1e-12 * Math.max(1, Math.abs(f))) break;
  }
  return { weights: theta.slice(0, d), bias: theta[d] as number, objective: f, iterations: iter };
}

/** Probability of y = 1 for a standardized row. */
export function predictStandardized(fit: Pick<LogisticFit, "weights" | "bias">, z: readonly number[]): number {
  return sigmoid(dot(fit.weights, z) + fit.bias);
}

/** Mean log loss (natural log) of probabilities `p` against labels `y`, clipped at 1e-15. */
export function logLoss(p: readonly number[], y: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const q = Math.min(1 - 1e-15, Math.max(1e-15, p[i] as number));
    s -= (y[i] as number) === 1 ? Math.log(q) : Math.log(1 - q);
  }
  return s / p.length;
}

export const L2_GRID = [1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1] as const;

/**
 * The L2 strength from `grid` with the lowest mean held-out log loss over `folds`-fold
 * cross-validation (folds by a seeded shuffle; each fold standardized on its own training part).
 * Ties go to the stronger penalty. With fewer than 2 rows per fold, the middle of the grid.
 */
export function chooseL2(
  X: readonly (readonly number[])[],
  y: readonly number[],
  opts: { seed: number; folds?: number; grid?: readonly number[] },
): { l2: number; cvLogLoss: number | null } {
  const grid = opts.grid ?? L2_GRID;
  const k = Math.min(opts.folds ?? 5, Math.floor(X.length / 2));
  if (k < 2) return { l2: grid[Math.floor(grid.length / 2)] as number, cvLogLoss: null };
  const order = shuffled(
    Array.from({ length: X.length }, (_, i) => i),
    seededRandom(opts.seed),
  );
  const fold = new Array<number>(X.length);
  order.forEach((row, pos) => {
    fold[row] = pos % k;
  });
  let best = { l2: grid[0] as number, cvLogLoss: Number.POSITIVE_INFINITY };
  for (const l2 of grid) {
    let loss = 0;
    for (let f = 0; f < k; f++) {
      const trainRows = X.filter((_, i) => fold[i] !== f);
      const trainY = y.filter((_, i) => fold[i] !== f);
      const { mean, std } = standardizer(trainRows);
      const fit = fitLogistic(
        trainRows.map((r) => standardize(r, mean, std)),
        trainY,
        { l2 },
      );
      const held = X.map((_r, i) => (fold[i] === f ? i : -1)).filter((i) => i >= 0);
      const p = held.map((i) => predictStandardized(fit, standardize(X[i] as number[], mean, std)));
      loss +=
        (logLoss(
          p,
          held.map((i) => y[i] as number),
        ) *
          held.length) /
        X.length;
    }
    if (loss <= best.cvLogLoss + 1e-12) best = { l2, cvLogLoss: loss };
  }
  return best;
}

/** A sparse row: the indices of its non-zero columns and their values (TF-IDF vectors, tfidf.ts). */
export interface SparseRow {
  idx: Int32Array;
  val: Float64Array;
}

export function sparseDot(w: readonly number[], x: SparseRow): number {
  let s = 0;
  for (let k = 0; k < x.idx.length; k++) s += (w[x.idx[k] as number] as number) * (x.val[k] as number);
  return s;
}

/**
 * The objective of the file header on sparse rows of `d` columns, unstandardized (TF-IDF rows are
 * already L2-normalized, and centring would make them dense): cost per evaluation proportional to
 * the non-zeros, plus d for the penalty.
 */
export function fitLogisticSparse(X: readonly SparseRow[], y: readonly number[], d: number, opts: FitOptions): LogisticFit {
  if (X.length === 0) throw new RangeError("no training rows");
  if (X.length !== y.length) throw new RangeError(`${X.length} rows but ${y.length} labels`);
  const n = X.length;
  const evaluate = (theta: readonly number[]) => {
    const g = new Array<number>(d + 1).fill(0);
    let f = 0;
    const b = theta[d] as number;
    for (let i = 0; i < n; i++) {
      const x = X[i] as SparseRow;
      const z = b + sparseDot(theta, x);
      const yi = y[i] as number;
      f += softplus(z) - yi * z;
      const r = (sigmoid(z) - yi) / n;
      for (let k = 0; k < x.idx.length; k++) {
        const j = x.idx[k] as number;
        g[j] = (g[j] as number) + r * (x.val[k] as number);
      }
      g[d] = (g[d] as number) + r;
    }
    f /= n;
    for (let j = 0; j < d; j++) {
      f += (opts.l2 / 2) * (theta[j] as number) ** 2;
      g[j] = (g[j] as number) + opts.l2 * (theta[j] as number);
    }
    return { f, g };
  };
  return minimizeLbfgs(evaluate, d, opts);
}
