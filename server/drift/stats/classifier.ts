/**
 * The domain classifier of the `model` embedding drift method (./embeddings.ts): an L2 logistic
 * regression fitted deterministically, and an exact ROC AUC (ties counted as half, as
 * scikit-learn's roc_auc_score).
 */

import { EmbeddingInputError } from "./pca";

export function dotRow(w: Float64Array, X: Float64Array, off: number, dim: number): number {
  let s = 0;
  for (let j = 0; j < dim; j++) s += w[j]! * X[off + j]!;
  return s;
}

/**
 * L2 logistic regression by L-BFGS (memory 10, zero start, Armijo backtracking): deterministic.
 * J(w, b) = mean_i [softplus(z_i) - y_i z_i] + (l2/2)|w|², z_i = w·x_i + b (b not penalized).
 */
export function fitLogistic(X: Float64Array, y: Uint8Array, dim: number, l2: number, maxIter: number) {
  const n = y.length;
  const p = dim + 1;
  const evaluate = (t: Float64Array) => {
    const g = new Float64Array(p);
    let f = 0;
    for (let i = 0; i < n; i++) {
      const off = i * dim;
      const z = t[dim]! + dotRow(t, X, off, dim);
      f += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - y[i]! * z;
      const r = (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z))) - y[i]!;
      for (let j = 0; j < dim; j++) g[j]! += r * X[off + j]!;
      g[dim]! += r;
    }
    f /= n;
    for (let j = 0; j < p; j++) g[j]! /= n;
    for (let j = 0; j < dim; j++) {
      f += (l2 / 2) * t[j]! ** 2;
      g[j]! += l2 * t[j]!;
    }
    return { f, g };
  };
  const dot = (a: Float64Array, b: Float64Array) => dotRow(a, b, 0, p);
  let theta = new Float64Array(p);
  let { f, g } = evaluate(theta);
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  let iter = 0;
  for (; iter < maxIter; iter++) {
    if (g.reduce((mx, v) => Math.max(mx, Math.abs(v)), 0) < 1e-6) break;
    const q = g.slice();
    const alpha: number[] = [];
    for (let k = S.length - 1; k >= 0; k--) {
      alpha[k] = dot(S[k]!, q) / dot(Y[k]!, S[k]!);
      for (let j = 0; j < p; j++) q[j]! -= alpha[k]! * Y[k]![j]!;
    }
    const last = S.length - 1;
    const scale = last >= 0 ? dot(S[last]!, Y[last]!) / dot(Y[last]!, Y[last]!) : 1 / Math.max(1, Math.sqrt(dot(g, g)));
    for (let j = 0; j < p; j++) q[j]! *= scale;
    for (let k = 0; k < S.length; k++) {
      const beta = dot(Y[k]!, q) / dot(Y[k]!, S[k]!);
      for (let j = 0; j < p; j++) q[j]! += S[k]![j]! * (alpha[k]! - beta);
    }
    let slope = -dot(g, q);
    if (!(slope < 0)) {
      // not a descent direction (rounding): restart from steepest descent
      S.length = 0;
      Y.length = 0;
      q.set(g.map((v) => v / Math.max(1, Math.sqrt(dot(g, g)))));
      slope = -dot(g, q);
    }
    let step = 1;
    let next = theta;
    let ev = { f, g };
    for (let tries = 0; tries < 40; tries++, step /= 2) {
      next = theta.map((v, j) => v - step * q[j]!);
      ev = evaluate(next);
      if (ev.f <= f + 1e-4 * step * slope) break;
    }
    if (!(ev.f < f)) break; // no progress possible at float precision
    const s = next.map((v, j) => v - theta[j]!);
    const yk = ev.g.map((v, j) => v - g[j]!);
    if (dot(s, yk) > 1e-12) {
      S.push(s);
      Y.push(yk);
      if (S.length > 10) {
        S.shift();
        Y.shift();
      }
    }
    const gain = f - ev.f;
    theta = next;
    ({ f, g } = ev);
    if (gain < 1e-12 * Math.max(1, Math.abs(f))) break;
  }
  return { w: theta, bias: theta[dim]!, iterations: iter };
}

/**
 * Exact ROC AUC of `scores` for binary `labels` (1 positive), as sklearn's roc_auc_score: the
 * Mann-Whitney statistic with tied scores counted as half. Throws when only one class is present.
 */
export function rocAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const n = labels.length;
  if (scores.length !== n) throw new EmbeddingInputError(`rocAuc: ${n} labels but ${scores.length} scores`);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    if (labels[i] !== 0 && labels[i] !== 1) throw new EmbeddingInputError(`rocAuc: label ${i} is ${labels[i]}, expected 0 or 1`);
    if (!Number.isFinite(scores[i]!)) throw new EmbeddingInputError(`rocAuc: score ${i} is ${scores[i]}`);
    pos += labels[i]!;
  }
  if (pos === 0 || pos === n) throw new EmbeddingInputError("rocAuc: needs both classes (0 and 1) among the labels");
  const order = new Uint32Array(n).map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let rankSum = 0; // sum of the positives' (mid)ranks, 1-based
  for (let start = 0; start < n; ) {
    let end = start;
    let tiedPos = 0;
    while (end < n && scores[order[end]!] === scores[order[start]!]) tiedPos += labels[order[end++]!]!;
    rankSum += (tiedPos * (start + 1 + end)) / 2;
    start = end;
  }
  const neg = n - pos;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}
