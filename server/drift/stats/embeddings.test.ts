import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type DistanceMetric, EmbeddingInputError, embeddingDrift, mulberry32, rocAuc } from "./embeddings";

interface Stats {
  distance: Record<DistanceMetric, number>;
  mmd: { mmd2u: number; gamma: number };
  ratio: { share: number; drifted: number; componentScores: number[] };
}
interface WindowCase {
  reference: number[][];
  current: number[][];
  stats: Stats;
  pcaComponents: number;
  pcaStats: Stats;
}
// values from scripts/drift-embeddings-reference.py (numpy / scipy / sklearn)
const fixture = JSON.parse(readFileSync(new URL("../../../test/fixtures/drift/embeddings.json", import.meta.url), "utf8")) as {
  shifted: WindowCase;
  same: WindowCase;
  rocAuc: { labels: number[]; scores: number[]; auc: number }[];
};

const close = (actual: number, expected: number, rel = 1e-7) =>
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(rel * Math.max(Math.abs(expected), 1e-12));

/** seeded standard-normal rows (Box-Muller), shifted by `shift` in every component */
function gaussian(rows: number, dim: number, seed: number, shift = 0): Float32Array[] {
  const rand = mulberry32(seed);
  return Array.from({ length: rows }, () =>
    Float32Array.from({ length: dim }, () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand()) + shift),
  );
}

const METRICS: DistanceMetric[] = ["euclidean", "cosine", "cityblock", "chebyshev"];

describe.each(["shifted", "same"] as const)("against numpy/scipy: the %s windows", (name) => {
  const c = fixture[name];
  for (const [label, pca, stats] of [
    ["raw", undefined, c.stats],
    ["with PCA", c.pcaComponents, c.pcaStats],
  ] as const) {
    it(`distance, all four metrics (${label})`, () => {
      // after PCA the reference mean is the zero vector (PCA centres on it): cosine is rejected, see below
      for (const metric of pca ? METRICS.filter((m) => m !== "cosine") : METRICS) {
        const r = embeddingDrift(c.reference, c.current, { method: "distance", metric, pcaComponents: pca });
        close(r.value, stats.distance[metric]);
        expect(r).toMatchObject({ method: "distance", threshold: 0.2, drift: stats.distance[metric] > 0.2 });
        expect(r.details?.metric).toBe(metric);
      }
    });

    it(`mmd: unbiased MMD², median-heuristic gamma (${label})`, () => {
      const r = embeddingDrift(c.reference, c.current, { method: "mmd", pcaComponents: pca });
      close(r.value, Math.max(stats.mmd.mmd2u, 0));
      close(r.details?.gamma ?? 0, stats.mmd.gamma);
      expect(r).toMatchObject({ threshold: 0.015, drift: stats.mmd.mmd2u > 0.015 });
    });

    it(`ratio: share of components with normed Wasserstein >= the component threshold (${label})`, () => {
      const scores = stats.ratio.componentScores;
      const r = embeddingDrift(c.reference, c.current, { method: "ratio", pcaComponents: pca });
      expect(r.value).toBe(stats.ratio.share);
      expect(r).toMatchObject({ threshold: 0.2, drift: stats.ratio.share > 0.2 });
      // thresholds between the scores exercise the per-component normalisation
      for (const t of [0.15, 0.2, 0.25, 0.3, 0.35]) {
        const expected = scores.filter((s) => s >= t).length / scores.length;
        expect(embeddingDrift(c.reference, c.current, { method: "ratio", componentThreshold: t, pcaComponents: pca }).value).toBe(expected);
      }
    });
  }
});

describe("rocAuc", () => {
  it("matches sklearn's roc_auc_score, ties counted as half", () => {
    for (const { labels, scores, auc } of fixture.rocAuc) close(rocAuc(labels, scores), auc, 1e-12);
  });

  it("is 1 for a perfect ranking, 0 for a reversed one, 0.5 when all scores tie", () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4])).toBe(1);
    expect(rocAuc([1, 1, 0, 0], [0.1, 0.2, 0.3, 0.4])).toBe(0);
    expect(rocAuc([1, 0, 1, 0], [3, 3, 3, 3])).toBe(0.5);
  });

  it("throws on one class, bad labels or mismatched lengths", () => {
    expect(() => rocAuc([1, 1], [0.1, 0.2])).toThrow(/both classes/);
    expect(() => rocAuc([0, 2], [0.1, 0.2])).toThrow(/label 1 is 2/);
    expect(() => rocAuc([0, 1], [0.1])).toThrow(/2 labels but 1 scores/);
    expect(() => rocAuc([0, 1], [0.1, Number.NaN])).toThrow(/score 1 is NaN/);
  });
});

describe("model (domain classifier)", () => {
  const refA = gaussian(400, 16, 1);
  const refB = gaussian(400, 16, 2);
  const shifted = gaussian(400, 16, 3, 0.25);

  it("is the default method; AUC near 0.5 and no drift for two samples of one distribution", () => {
    const r = embeddingDrift(refA, refB);
    expect(r.method).toBe("model");
    expect(Math.abs(r.value - 0.5)).toBeLessThan(0.05);
    expect(r).toMatchObject({ threshold: 0.55, drift: false });
    expect(r.details).toMatchObject({ trainRows: 400, testRows: 400 });
  });

  it("drifts for a shifted window", () => {
    const r = embeddingDrift(refA, shifted, { method: "model" });
    expect(r.value).toBeGreaterThan(0.65);
    expect(r.drift).toBe(true);
  });

  it("is deterministic for a seed, and the seed moves the split", () => {
    const a = embeddingDrift(refA, shifted, { method: "model" });
    expect(embeddingDrift(refA, shifted, { method: "model" })).toEqual(a);
    expect(embeddingDrift(refA, shifted, { method: "model", seed: 7 }).value).not.toBe(a.value);
  });

  it("bootstrap: compares with a quantile of random-score AUCs instead", () => {
    const same = embeddingDrift(refA, refB, { method: "model", bootstrap: true });
    expect(same.details?.bootstrap).toBe(true);
    expect(same.threshold).toBeGreaterThan(0.5);
    expect(same.threshold).toBeLessThan(0.6);
    expect(embeddingDrift(refA, shifted, { method: "model", bootstrap: true }).drift).toBe(true);
  });

  it("works on PCA-reduced input", () => {
    const r = embeddingDrift(refA, shifted, { method: "model", pcaComponents: 4 });
    expect(r.details?.pcaComponents).toBe(4);
    expect(r.value).toBeGreaterThan(0.5);
  });

  it("throws when a half of the split holds one window only", () => {
    expect(() => embeddingDrift([[1, 2]], [[3, 4]], { method: "model" })).toThrow(/holds rows of one window only/);
  });
});

describe("mmd extras", () => {
  const refA = gaussian(150, 8, 11);
  const refB = gaussian(150, 8, 12);
  const shifted = gaussian(150, 8, 13, 0.5);

  it("permutation p-value beside the threshold decision", () => {
    const opts = { method: "mmd", permutationPValue: { rounds: 199, seed: 1 } } as const;
    const drifted = embeddingDrift(refA, shifted, opts);
    expect(drifted.details?.pValue).toBe(1 / 200);
    expect(drifted.details?.permutationRounds).toBe(199);
    expect(drifted.threshold).toBe(0.015);
    const plain = embeddingDrift(refA, shifted, { method: "mmd" });
    expect(drifted.value).toBe(plain.value);
    const same = embeddingDrift(refA, refB, opts);
    expect(same.details?.pValue).toBeGreaterThan(0.05);
    expect(embeddingDrift(refA, refB, opts)).toEqual(same);
  });

  it("samples windows over maxSamples (seeded) and stays close to the full statistic", () => {
    const full = embeddingDrift(refA, shifted, { method: "mmd" });
    const sampled = embeddingDrift(refA, shifted, { method: "mmd", maxSamples: 100 });
    expect(sampled.details).toMatchObject({ referenceRows: 100, currentRows: 100 });
    expect(Math.abs(sampled.value - full.value)).toBeLessThan(0.5 * full.value);
    expect(embeddingDrift(refA, shifted, { method: "mmd", maxSamples: 100 })).toEqual(sampled);
  });

  it("bootstrap: compares with a low quantile of reference-vs-reference MMD²", () => {
    const r = embeddingDrift(refA, shifted, { method: "mmd", bootstrap: true });
    expect(r.details?.bootstrap).toBe(true);
    expect(r.threshold).toBeLessThan(0.015);
    expect(r.drift).toBe(true);
  });

  it("needs two rows per window", () => {
    expect(() => embeddingDrift([[1, 2]], [[3, 4]], { method: "mmd" })).toThrow(/at least 2 rows/);
  });
});

describe("distance extras", () => {
  it("bootstrap: compares with a quantile of reference-vs-reference mean distances", () => {
    const ref = gaussian(200, 8, 21);
    const same = embeddingDrift(ref, gaussian(200, 8, 22), { method: "distance", bootstrap: true });
    expect(same.details?.bootstrap).toBe(true);
    expect(same.threshold).toBeGreaterThan(0);
    const far = embeddingDrift(ref, gaussian(200, 8, 23, 0.5), { method: "distance", bootstrap: true });
    expect(far.drift).toBe(true);
  });

  it("cosine of a zero mean embedding is an error, not NaN", () => {
    expect(() =>
      embeddingDrift(
        [
          [1, -1],
          [-1, 1],
        ],
        [[1, 1]],
        { method: "distance", metric: "cosine" },
      ),
    ).toThrow(/zero vector/);
    expect(() =>
      embeddingDrift(fixture.shifted.reference, fixture.shifted.current, { method: "distance", metric: "cosine", pcaComponents: 3 }),
    ).toThrow(/undefined after PCA/);
  });
});

describe("input", () => {
  const c = fixture.shifted;

  it("number[][], a packed buffer and Float64Array rows give the same result", () => {
    const packed = { data: Float64Array.from(c.reference.flat()), dim: 8 };
    const rows64 = c.current.map((r) => Float64Array.from(r));
    for (const method of ["distance", "ratio", "mmd", "model"] as const) {
      expect(embeddingDrift(packed, rows64, { method })).toEqual(embeddingDrift(c.reference, c.current, { method }));
    }
  });

  it("names what is wrong", () => {
    expect(() => embeddingDrift(c.reference, [[1, 2]], { method: "distance" })).toThrow(
      "reference has 8 components per row, current has 2",
    );
    expect(() => embeddingDrift([], c.current, { method: "distance" })).toThrow("reference window is empty");
    expect(() => embeddingDrift(c.reference, [[...c.current[0]!.slice(0, 7), Number.NaN]])).toThrow("current row 0, component 7 is NaN");
    expect(() => embeddingDrift(c.reference, c.current, { method: "distance", pcaComponents: 9 })).toThrow(EmbeddingInputError);
    expect(() => embeddingDrift(c.reference, c.current, { method: "mmd", permutationPValue: { rounds: 0 } })).toThrow(/rounds/);
    expect(() => embeddingDrift(c.reference, c.current, { method: "nope" } as never)).toThrow(/unknown embedding drift method nope/);
    expect(() => embeddingDrift(c.reference, c.current, { method: "distance", metric: "hamming" as never })).toThrow(
      /unknown distance metric/,
    );
    expect(() => embeddingDrift(c.reference, c.current, { method: "distance", bootstrap: true, quantileProbability: 2 })).toThrow(
      /quantileProbability/,
    );
  });
});
