import { describe, expect, it } from "vitest";
import { calibrateThreshold, largeShareAt } from "./calibrate";
import { featureSpec } from "./features";
import { isLearnedModel, predict, smallGoodEnough, TrainingDataError, trainLearned } from "./learned";
import { chooseL2, fitLogistic, sigmoid, standardize, standardizer } from "./logistic";
import { seededRandom } from "./split";

/** Two Gaussian-ish blobs in 3 dimensions; class 1 has x0 > 0 (separable on x0), x1 and x2 are noise. */
function blobs(n: number, seed: number) {
  const rand = seededRandom(seed);
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const cls = i % 2;
    X.push([(cls ? 1 : -1) * (0.5 + rand()), rand() * 4 - 2, rand() * 10]);
    y.push(cls);
  }
  return { X, y };
}

describe("logistic regression", () => {
  it("learns a separable toy set", () => {
    const { X, y } = blobs(200, 1);
    const { mean, std } = standardizer(X);
    const Z = X.map((r) => standardize(r, mean, std));
    const fit = fitLogistic(Z, y, { l2: 1e-3 });
    const p = Z.map((z) => sigmoid(fit.weights.reduce((a, w, j) => a + w * (z[j] as number), fit.bias)));
    expect(p.every((q, i) => (q >= 0.5 ? 1 : 0) === y[i])).toBe(true);
    expect(fit.weights[0]).toBeGreaterThan(2);
    expect(Math.abs(fit.weights[1] as number)).toBeLessThan(fit.weights[0]! / 5);
  });

  it("reaches the optimum: with an unpenalized bias, mean prediction = mean label", () => {
    const rand = seededRandom(4);
    const X = Array.from({ length: 300 }, () => [rand(), rand(), rand()]);
    const y = X.map((x) => (rand() < 0.2 + 0.6 * (x[0] as number) ? 1 : 0));
    const fit = fitLogistic(X, y, { l2: 0.1 });
    const p = X.map((x) => sigmoid(fit.weights.reduce((a, w, j) => a + w * (x[j] as number), fit.bias)));
    const meanP = p.reduce((a, b) => a + b, 0) / p.length;
    const meanY = y.reduce<number>((a, b) => a + b, 0) / y.length;
    expect(meanP).toBeCloseTo(meanY, 5);
  });

  it("is deterministic: same data and seed, same model", () => {
    const { X, y } = blobs(120, 2);
    expect(fitLogistic(X, y, { l2: 0.01 })).toEqual(fitLogistic(X, y, { l2: 0.01 }));
    expect(chooseL2(X, y, { seed: 5 })).toEqual(chooseL2(X, y, { seed: 5 }));
    const small = y.map((c) => c);
    const large = y.map(() => 1);
    const a = trainLearned(X, small, large, { featureSpec: featureSpec(null), seed: 3 });
    const b = trainLearned(X, small, large, { featureSpec: featureSpec(null), seed: 3 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});

describe("learned router model", () => {
  it("labels 'small good enough' as small >= large - margin (0/1: small right, or both wrong)", () => {
    expect([smallGoodEnough(1, 1), smallGoodEnough(1, 0), smallGoodEnough(0, 0), smallGoodEnough(0, 1)]).toEqual([1, 1, 1, 0]);
    expect(smallGoodEnough(7, 8)).toBe(0);
    expect(smallGoodEnough(7, 8, 1)).toBe(1);
  });

  it("trains, survives a JSON round trip and predicts the same probabilities", () => {
    // small is right where x0 > 0; the large model is always right
    const { X, y } = blobs(200, 7);
    const model = trainLearned(
      X,
      y,
      y.map(() => 1),
      { featureSpec: featureSpec(null), seed: 1, l2: 0.01 },
    );
    expect(model.kind).toBe("logistic");
    expect(model.trainedOn).toBe(200);
    expect(model.metrics.positives).toBe(100);
    expect(model.metrics.trainAccuracy).toBe(1);
    const copy = JSON.parse(JSON.stringify(model));
    expect(isLearnedModel(copy)).toBe(true);
    expect(predict(copy, [1, 0, 5])).toBe(predict(model, [1, 0, 5]));
    expect(predict(model, [1.2, 0, 5])).toBeGreaterThan(0.9);
    expect(predict(model, [-1.2, 0, 5])).toBeLessThan(0.1);
    expect(() => predict(model, [1, 2])).toThrow("the model takes 3 features, got 2");
  });

  it("refuses training data without both labels", () => {
    expect(() => trainLearned([], [], [], { featureSpec: featureSpec(null) })).toThrow(TrainingDataError);
    expect(() => trainLearned([[1], [2]], [1, 1], [1, 1], { featureSpec: featureSpec(null) })).toThrow(
      'all 2 training items are labelled "small model good enough"',
    );
  });

  it("calibrates its threshold to the target share of large calls on the training data", () => {
    const rand = seededRandom(11);
    const X = Array.from({ length: 157 }, () => [rand(), rand()]);
    const small = X.map((x) => (rand() < (x[0] as number) ? 1 : 0));
    const large = X.map(() => 1);
    for (const target of [0.1, 0.3, 0.5]) {
      const m = trainLearned(X, small, large, { featureSpec: featureSpec(null), seed: 1, targetLargeShare: target });
      const p = X.map((x) => predict(m, x));
      expect(Math.abs(largeShareAt(p, m.threshold) - target)).toBeLessThanOrEqual(1 / X.length);
      expect(m.metrics.largeShare).toBe(largeShareAt(p, m.threshold));
    }
    // default target: the share labelled "large needed"
    const d = trainLearned(X, small, large, { featureSpec: featureSpec(null), seed: 1 });
    expect(d.metrics.targetLargeShare).toBe(small.filter((s) => s === 0).length / X.length);
  });
});

describe("threshold calibration", () => {
  it("hits the target share within 1/n", () => {
    const rand = seededRandom(3);
    for (const n of [1, 2, 7, 101, 1000]) {
      const p = Array.from({ length: n }, () => rand());
      for (const target of [0, 0.05, 0.1, 0.25, 0.333, 0.5, 0.9, 1]) {
        const t = calibrateThreshold(p, target);
        expect(Math.abs(largeShareAt(p, t) - target)).toBeLessThanOrEqual(1 / n);
      }
    }
  });

  it("picks the nearest achievable share when probabilities tie", () => {
    const p = [0.2, 0.5, 0.5, 0.5, 0.9];
    expect(largeShareAt(p, calibrateThreshold(p, 0.4))).toBe(0.2); // 1 of 5 is nearer to 2 than 4 of 5
    expect(largeShareAt(p, calibrateThreshold(p, 0.7))).toBe(0.8);
    expect(largeShareAt([0.5, 0.5], calibrateThreshold([0.5, 0.5], 0.4))).toBe(0);
    expect(largeShareAt([1, 1], calibrateThreshold([1, 1], 1))).toBe(1);
    expect(() => calibrateThreshold([], 0.5)).toThrow("no probabilities");
    expect(() => calibrateThreshold([0.1], 1.5)).toThrow("must be in [0, 1]");
  });
});
