/**
 * Token choice for one row of logits, done by Keel rather than transformers.js so that each request
 * has its own seeded generator (requests batched together stay reproducible), top-p is applied
 * (transformers.js 4.3 leaves it a TODO), and the log-probability of the chosen token under the
 * model's own distribution (temperature 1, no truncation) is known for the cascade router.
 */

import { mulberry32 } from "../core/random";

/** mulberry32 (server/core/random.ts): uniform in [0, 1); the name serving's callers use. */
export const seededRandom = mulberry32;

export interface PickOptions {
  /** 0 or absent: greedy */
  temperature?: number;
  /** nucleus: keep the smallest set of most likely tokens whose probability reaches topP (default 1) */
  topP?: number;
  random?: () => number;
}

/** log(sum(exp(x))) over `logits`, stable. */
export function logSumExp(logits: ArrayLike<number>): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logits.length; i++) if ((logits[i] as number) > max) max = logits[i] as number;
  if (max === Number.NEGATIVE_INFINITY) return max;
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp((logits[i] as number) - max);
  return max + Math.log(sum);
}

export function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if ((logits[i] as number) > (logits[best] as number)) best = i;
  return best;
}

/** Choose a token from raw logits; `logprob` is its natural-log probability at temperature 1. */
export function pickToken(logits: ArrayLike<number>, opts: PickOptions = {}): { token: number; logprob: number } {
  const lse = logSumExp(logits);
  const t = opts.temperature ?? 0;
  if (!(t > 0)) {
    const token = argmax(logits);
    return { token, logprob: (logits[token] as number) - lse };
  }
  const n = logits.length;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) if ((logits[i] as number) > max) max = logits[i] as number;
  const probs = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const p = Math.exp(((logits[i] as number) - max) / t);
    probs[i] = p;
    sum += p;
  }
  let candidates: number[];
  const topP = opts.topP ?? 1;
  if (topP < 1) {
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (probs[b] as number) - (probs[a] as number));
    candidates = [];
    let acc = 0;
    for (const i of order) {
      candidates.push(i);
      acc += (probs[i] as number) / sum;
      if (acc >= topP) break;
    }
  } else candidates = Array.from({ length: n }, (_, i) => i);
  let total = 0;
  for (const i of candidates) total += probs[i] as number;
  let r = (opts.random ?? Math.random)() * total;
  let token = candidates[candidates.length - 1] as number;
  for (const i of candidates) {
    r -= probs[i] as number;
    if (r < 0) {
      token = i;
      break;
    }
  }
  return { token, logprob: (logits[token] as number) - lse };
}
