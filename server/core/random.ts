/**
 * Keel's one seeded random-number generator, and the two older variants that fixed figures depend on.
 * Each returns uniform floats in [0, 1) from 32-bit integer arithmetic only, so the same seed gives
 * the same numbers on every machine and Node version. Seeds are taken as `seed >>> 0` (a negative or
 * larger-than-32-bit seed wraps, it is not rejected): callers derive seeds by XOR and addition and
 * their published figures (`keel router eval`, drift statistics, bootstrap intervals, trained heads)
 * are those of this exact wrapping.
 *
 * Use `mulberry32` for anything new; `lcg32` and `xorshift32` exist only because the drift demo data
 * and a tokenizer property test were generated with them, and changing them would change that data.
 */

/** mulberry32 (Tommy Ettinger): a small, fast 32-bit PRNG with a full 2^32 period. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A linear congruential generator (Numerical Recipes' constants): weak, kept for the drift demo data. */
export function lcg32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** Marsaglia's xorshift32 (13, 17, 5); state 0 would stay 0 forever, so seed 0 starts from 1. */
export function xorshift32(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}
