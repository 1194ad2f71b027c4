import { describe, expect, it } from "vitest";
import { describeEmbeddingRouter, embedding, toy } from "./embedding-router-cases";
import { isKnnModel, predictKnn, trainKnn } from "./knn";

describeEmbeddingRouter({ name: "knn", train: trainKnn, predict: predictKnn, is: isKnnModel });

describe("knn specifics", () => {
  it("keeps at most maxPoints points, chooses k on the validation slice, and does not count a point as its own neighbour", () => {
    const d = toy(300, 5);
    const m = trainKnn(d.vectors, d.small, d.large, { embedding, seed: 1, maxPoints: 100 });
    expect(m.count).toBe(100);
    expect(m.labels).toHaveLength(100);
    expect([5, 10, 20, 40]).toContain(m.k);
    expect(m.metrics.cvLogLoss).not.toBeNull();
    // one neighbour, leave-one-out: a point alone in its class gets the other class's label
    const lone = trainKnn(
      [
        [1, 0],
        [0.9, 0.1],
        [-1, 0],
      ],
      [1, 1, 0],
      [1, 1, 1],
      { embedding: { model: "toy", dim: 2 }, k: 1 },
    );
    expect(predictKnn(lone, [-1, 0.01])).toBeLessThan(0.5);
    expect(lone.metrics.trainAccuracy).toBeCloseTo(2 / 3);
  });
});
