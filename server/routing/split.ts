/**
 * Seeded randomness for routing evaluation and training: a PRNG, a shuffle, and the train/test
 * split of `keel router eval`. Same seed, same numbers, on every machine and Node version (32-bit
 * integer arithmetic only).
 */

import { mulberry32 } from "../core/random";

/** mulberry32 (server/core/random.ts): uniform floats in [0, 1); the name routing's callers and tests use. */
export const seededRandom = mulberry32;

/** Fisher-Yates shuffle of a copy of `items`, driven by `random`. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/**
 * Indices 0..n-1 shuffled with `seededRandom(seed)`; the first `round(trainFrac * n)` are the
 * training split, the rest the test split (each keeps the shuffled order). Both must be non-empty.
 */
export function trainTestSplit(n: number, trainFrac: number, seed: number): { train: number[]; test: number[] } {
  if (!(trainFrac > 0 && trainFrac < 1)) throw new RangeError(`train fraction must be between 0 and 1 (exclusive), got ${trainFrac}`);
  const order = shuffled(
    Array.from({ length: n }, (_, i) => i),
    seededRandom(seed),
  );
  const nTrain = Math.round(trainFrac * n);
  if (nTrain < 1 || nTrain >= n)
    throw new RangeError(`${n} items with train fraction ${trainFrac} leave an empty ${nTrain < 1 ? "train" : "test"} split`);
  return { train: order.slice(0, nTrain), test: order.slice(nTrain) };
}
