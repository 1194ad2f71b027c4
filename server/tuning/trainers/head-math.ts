/**
 * The math of the `head` trainer: a logistic-regression or one-hidden-layer MLP classifier over
 * fixed embeddings, in plain TypeScript over Float32Array. Parameters are row-major and laid out as
 * ONNX MatMul takes them (x[N, D] · W[D, C]), so the exported graph uses them unchanged.
 * Deterministic for a seed: seeded init (mulberry32), seeded per-epoch shuffles, fixed loop order.
 */

import { mulberry32 } from "../../core/random";

export type HeadKind = "logistic" | "mlp";

/** Head weights. Logistic: w1 [D, C], b1 [C]. MLP: w1 [D, H], b1 [H], relu, w2 [H, C], b2 [C]. */
export interface HeadParams {
  kind: HeadKind;
  dim: number;
  hidden: number;
  classes: number;
  w1: Float32Array;
  b1: Float32Array;
  w2?: Float32Array;
  b2?: Float32Array;
}

/** mulberry32 (server/core/random.ts): uniform floats in [0, 1); the name the head trainer uses. */
export const rng = mulberry32;

/** Fisher-Yates shuffle in place with the given random source. */
export function shuffle(a: Uint32Array, rand: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = a[i] as number;
    a[i] = a[j] as number;
    a[j] = t;
  }
}

/** Glorot-uniform init for weights, zeros for biases. */
export function initHead(kind: HeadKind, dim: number, classes: number, hidden: number, seed: number): HeadParams {
  const rand = rng(seed);
  const glorot = (fanIn: number, fanOut: number) => {
    const w = new Float32Array(fanIn * fanOut);
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    for (let i = 0; i < w.length; i++) w[i] = (rand() * 2 - 1) * limit;
    return w;
  };
  if (kind === "logistic") return { kind, dim, hidden: 0, classes, w1: glorot(dim, classes), b1: new Float32Array(classes) };
  return {
    kind,
    dim,
    hidden,
    classes,
    w1: glorot(dim, hidden),
    b1: new Float32Array(hidden),
    w2: glorot(hidden, classes),
    b2: new Float32Array(classes),
  };
}

/**
 * out[r, j] = b[j] + Σ_k x[r, k] · w[k, j], for rows r of x ([rows, inDim]). Rows go four at a
 * time so each row of w is read once per four rows (about 2x faster than row by row in V8).
 */
function affine(x: Float32Array, rows: number, inDim: number, w: Float32Array, b: Float32Array, outDim: number): Float32Array {
  const out = new Float32Array(rows * outDim);
  for (let r = 0; r < rows; r++) out.set(b, r * outDim);
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const o0 = r * outDim;
    const o1 = o0 + outDim;
    const o2 = o1 + outDim;
    const o3 = o2 + outDim;
    for (let k = 0; k < inDim; k++) {
      const x0 = x[r * inDim + k] as number;
      const x1 = x[(r + 1) * inDim + k] as number;
      const x2 = x[(r + 2) * inDim + k] as number;
      const x3 = x[(r + 3) * inDim + k] as number;
      const wo = k * outDim;
      for (let j = 0; j < outDim; j++) {
        const wv = w[wo + j] as number;
        out[o0 + j] = (out[o0 + j] as number) + x0 * wv;
        out[o1 + j] = (out[o1 + j] as number) + x1 * wv;
        out[o2 + j] = (out[o2 + j] as number) + x2 * wv;
        out[o3 + j] = (out[o3 + j] as number) + x3 * wv;
      }
    }
  }
  for (; r < rows; r++) {
    const o = r * outDim;
    for (let k = 0; k < inDim; k++) {
      const xv = x[r * inDim + k] as number;
      const wo = k * outDim;
      for (let j = 0; j < outDim; j++) out[o + j] = (out[o + j] as number) + xv * (w[wo + j] as number);
    }
  }
  return out;
}

/** Row-wise softmax in place (max-subtracted, so large logits do not overflow). */
function softmaxRows(z: Float32Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let max = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < cols; j++) max = Math.max(max, z[o + j] as number);
    let sum = 0;
    for (let j = 0; j < cols; j++) {
      const e = Math.exp((z[o + j] as number) - max);
      z[o + j] = e;
      sum += e;
    }
    for (let j = 0; j < cols; j++) z[o + j] = (z[o + j] as number) / sum;
  }
}

interface Forward {
  hiddenAct?: Float32Array;
  probs: Float32Array;
}

function forwardFull(p: HeadParams, x: Float32Array, rows: number): Forward {
  if (p.kind === "logistic") {
    const probs = affine(x, rows, p.dim, p.w1, p.b1, p.classes);
    softmaxRows(probs, rows, p.classes);
    return { probs };
  }
  const h = affine(x, rows, p.dim, p.w1, p.b1, p.hidden);
  for (let i = 0; i < h.length; i++) if ((h[i] as number) < 0) h[i] = 0;
  const probs = affine(h, rows, p.hidden, p.w2 as Float32Array, p.b2 as Float32Array, p.classes);
  softmaxRows(probs, rows, p.classes);
  return { hiddenAct: h, probs };
}

/** Class probabilities [rows, C] for embeddings x [rows, D]: the same function head.onnx computes. */
export function predictProbs(p: HeadParams, x: Float32Array, rows: number): Float32Array {
  return forwardFull(p, x, rows).probs;
}

/** Fraction of rows whose arg-max class equals y. */
export function accuracy(p: HeadParams, x: Float32Array, y: Uint32Array): number {
  if (y.length === 0) return Number.NaN;
  const probs = predictProbs(p, x, y.length);
  let right = 0;
  for (let r = 0; r < y.length; r++) {
    let best = 0;
    for (let j = 1; j < p.classes; j++) if ((probs[r * p.classes + j] as number) > (probs[r * p.classes + best] as number)) best = j;
    if (best === y[r]) right++;
  }
  return right / y.length;
}

/** Adam state for one parameter tensor. */
interface Slot {
  w: Float32Array;
  g: Float32Array;
  m: Float32Array;
  v: Float32Array;
  decay: boolean;
}

export interface Optimizer {
  slots: Slot[];
  t: number;
}

export function optimizer(p: HeadParams): Optimizer {
  const slot = (w: Float32Array, decay: boolean): Slot => ({
    w,
    g: new Float32Array(w.length),
    m: new Float32Array(w.length),
    v: new Float32Array(w.length),
    decay,
  });
  const slots = [slot(p.w1, true), slot(p.b1, false)];
  if (p.w2 && p.b2) slots.push(slot(p.w2, true), slot(p.b2, false));
  return { slots, t: 0 };
}

/**
 * dW[k, j] += Σ_r x[r, k] · d[r, j];  db[j] += Σ_r d[r, j]. Four rows at a time, so each row of
 * dW is read and written once per four rows.
 */
function accumulate(x: Float32Array, d: Float32Array, rows: number, inDim: number, outDim: number, gw: Float32Array, gb: Float32Array) {
  for (let r = 0; r < rows; r++) for (let j = 0; j < outDim; j++) gb[j] = (gb[j] as number) + (d[r * outDim + j] as number);
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const d0 = r * outDim;
    const d1 = d0 + outDim;
    const d2 = d1 + outDim;
    const d3 = d2 + outDim;
    for (let k = 0; k < inDim; k++) {
      const x0 = x[r * inDim + k] as number;
      const x1 = x[(r + 1) * inDim + k] as number;
      const x2 = x[(r + 2) * inDim + k] as number;
      const x3 = x[(r + 3) * inDim + k] as number;
      const wo = k * outDim;
      for (let j = 0; j < outDim; j++)
        gw[wo + j] =
          (gw[wo + j] as number) +
          x0 * (d[d0 + j] as number) +
          x1 * (d[d1 + j] as number) +
          x2 * (d[d2 + j] as number) +
          x3 * (d[d3 + j] as number);
    }
  }
  for (; r < rows; r++) {
    const dro = r * outDim;
    for (let k = 0; k < inDim; k++) {
      const xv = x[r * inDim + k] as number;
      const wo = k * outDim;
      for (let j = 0; j < outDim; j++) gw[wo + j] = (gw[wo + j] as number) + xv * (d[dro + j] as number);
    }
  }
}

/**
 * One Adam step on a mini-batch (x [rows, D], y [rows] class ids) minimizing mean softmax
 * cross-entropy plus (l2 / 2)·‖W‖² on the weight matrices (not the biases). Returns the batch's
 * mean cross-entropy (without the L2 term).
 */
export function trainStep(p: HeadParams, opt: Optimizer, x: Float32Array, y: Uint32Array, lr: number, l2: number): number {
  const rows = y.length;
  const C = p.classes;
  for (const s of opt.slots) s.g.fill(0);
  const f = forwardFull(p, x, rows);
  // dL/dlogits = (probs - onehot) / rows
  const d = new Float32Array(rows * C);
  let loss = 0;
  for (let r = 0; r < rows; r++) {
    const label = y[r] as number;
    loss -= Math.log(Math.max(f.probs[r * C + label] as number, 1e-12));
    for (let j = 0; j < C; j++) d[r * C + j] = ((f.probs[r * C + j] as number) - (j === label ? 1 : 0)) / rows;
  }
  const [g1, gb1, g2, gb2] = opt.slots.map((s) => s.g) as Float32Array[];
  if (p.kind === "logistic") accumulate(x, d, rows, p.dim, C, g1 as Float32Array, gb1 as Float32Array);
  else {
    const h = f.hiddenAct as Float32Array;
    const H = p.hidden;
    accumulate(h, d, rows, H, C, g2 as Float32Array, gb2 as Float32Array);
    // back through W2 and the relu: dh[r, k] = Σ_j d[r, j] · W2[k, j], zero where h <= 0
    const w2 = p.w2 as Float32Array;
    const dh = new Float32Array(rows * H);
    for (let r = 0; r < rows; r++)
      for (let k = 0; k < H; k++) {
        if ((h[r * H + k] as number) <= 0) continue;
        let s = 0;
        for (let j = 0; j < C; j++) s += (d[r * C + j] as number) * (w2[k * C + j] as number);
        dh[r * H + k] = s;
      }
    accumulate(x, dh, rows, p.dim, H, g1 as Float32Array, gb1 as Float32Array);
  }
  adam(opt, lr, l2);
  return loss / rows;
}

function adam(opt: Optimizer, lr: number, l2: number): void {
  const b1 = 0.9;
  const b2 = 0.999;
  const eps = 1e-8;
  opt.t++;
  const c1 = 1 - b1 ** opt.t;
  const c2 = 1 - b2 ** opt.t;
  for (const s of opt.slots) {
    const { w, g, m, v } = s;
    for (let i = 0; i < w.length; i++) {
      const gi = (g[i] as number) + (s.decay ? l2 * (w[i] as number) : 0);
      const mi = b1 * (m[i] as number) + (1 - b1) * gi;
      const vi = b2 * (v[i] as number) + (1 - b2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      w[i] = (w[i] as number) - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + eps);
    }
  }
}
