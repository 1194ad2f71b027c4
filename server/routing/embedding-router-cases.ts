/**
 * Shared unit tests of the embedding routers (knn.test.ts, mlp.test.ts, mf.test.ts): each runs them
 * on its own trainer. Not a test file itself (vitest collects *.test.ts only).
 */
import { describe, expect, it } from "vitest";
import type { RouterMetrics } from "./dense";
import { evaluateRouter } from "./evaluate";
import { TrainingDataError } from "./learned";
import { seededRandom } from "./split";

/**
 * Embedding-like toy data in 8 dimensions: the small model is good enough exactly when x0 > 0
 * (linearly separable; x1..x7 are noise). small_quality 1/0 by that rule, large_quality always 1.
 */
export function toy(n: number, seed: number) {
  const rand = seededRandom(seed);
  const vectors = Array.from({ length: n }, (_, i) => {
    const sign = i % 2 ? 1 : -1;
    return [sign * (0.3 + rand()), ...Array.from({ length: 7 }, () => rand() * 2 - 1)];
  });
  return { vectors, small: vectors.map((v) => ((v[0] as number) > 0 ? 1 : 0)), large: vectors.map(() => 1) };
}

export const embedding = { model: "toy", dim: 8 };

type Model = { kind: string; threshold: number; metrics: RouterMetrics };
export interface EmbeddingRouterUnderTest<M extends Model> {
  name: string;
  train: (vectors: number[][], small: number[], large: number[], opts: { embedding: { model: string; dim: number }; seed?: number }) => M;
  predict: (model: M, v: readonly number[] | null) => number;
  is: (v: unknown) => boolean;
}

export function describeEmbeddingRouter<M extends Model>({ name, train, predict, is }: EmbeddingRouterUnderTest<M>): void {
  describe(`${name} router`, () => {
    const data = toy(300, 1);
    const test = toy(200, 2);
    const trainToy = (seed: number) => train(data.vectors, data.small, data.large, { embedding, seed });

    it("learns a separable toy problem: held-out accuracy and APGR near the oracle's", { timeout: 30_000 }, () => {
      const model = trainToy(1);
      expect(model.kind).toBe(name);
      expect(is(JSON.parse(JSON.stringify(model)))).toBe(true);
      const p = test.vectors.map((v) => predict(model, v));
      const acc = p.filter((q, i) => (q >= 0.5 ? 1 : 0) === test.small[i]).length / p.length;
      expect(acc).toBeGreaterThan(0.95);
      // oracle APGR here: half the items need large, so 1 - 0.5 / 2 = 0.75
      const e = evaluateRouter(
        p.map((q) => 1 - q),
        test.small,
        test.large,
      );
      expect(e.apgr).toBeGreaterThan(0.72);
      // the threshold is calibrated to the training share labelled "large needed" (half)
      expect(model.threshold).toBeGreaterThan(0);
      expect(model.threshold).toBeLessThan(1);
      expect(Math.abs(model.metrics.largeShare - 0.5)).toBeLessThan(0.05);
      expect(model.metrics.positives).toBe(150);
    });

    it("is deterministic for a seed, and a JSON round trip predicts the same", { timeout: 30_000 }, () => {
      const a = trainToy(3);
      const b = trainToy(3);
      expect(JSON.stringify(a)).toBe(JSON.stringify(b));
      const back = JSON.parse(JSON.stringify(a)) as typeof a;
      const pr = predict;
      for (const v of test.vectors.slice(0, 20)) expect(pr(back, v)).toBe(pr(a, v));
    });

    it("rejects bad input with a clear error", { timeout: 30_000 }, () => {
      expect(() => train([], [], [], { embedding })).toThrow(TrainingDataError);
      expect(() =>
        train(
          data.vectors,
          data.small.map(() => 1),
          data.large,
          { embedding },
        ),
      ).toThrow(/both kinds/);
      const ragged = data.vectors.map((v, i) => (i === 7 ? v.slice(0, 5) : v));
      expect(() => train(ragged, data.small, data.large, { embedding })).toThrow(/vector 7 has 5 numbers/);
      const nan = data.vectors.map((v, i) => (i === 3 ? [Number.NaN, ...v.slice(1)] : v));
      expect(() => train(nan, data.small, data.large, { embedding })).toThrow(/vector 3 holds a non-finite number/);
      expect(() => train(data.vectors, data.small, data.large, { embedding: { model: "toy", dim: 16 } })).toThrow(/16/);
      const model = trainToy(1);
      const pr = predict;
      expect(() => pr(model, [1, 2, 3])).toThrow(`the ${name} router needs a 8-dimensional toy embedding, got 3`);
      expect(() => pr(model, null)).toThrow(/got none/);
    });
  });
}
