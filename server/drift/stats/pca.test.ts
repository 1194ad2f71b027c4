import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EmbeddingInputError, fitPca, mulberry32, pcaTransform, projection2d, sampleIndices, symmetricEigen, toMatrix } from "./pca";

// values from scripts/drift-embeddings-reference.py (numpy eigh of the covariance, sklearn cross-checked)
const fixture = JSON.parse(readFileSync(new URL("../../../test/fixtures/drift/embeddings.json", import.meta.url), "utf8")) as {
  pca: { data: number[][]; mean: number[]; components: number[][]; explainedVariance: number[]; explainedVarianceRatio: number[] };
  shifted: { reference: number[][]; current: number[][] };
  projection2d: { reference: number[][]; current: number[][]; explainedVarianceRatio: number[] };
};

const close = (actual: number, expected: number, rel = 1e-7) =>
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(rel * Math.max(Math.abs(expected), 1e-12));
/** a vector equals the expected one up to a global sign */
const closeUpToSign = (actual: ArrayLike<number>, expected: readonly number[], rel = 1e-7) => {
  const sign = Math.sign(Array.from(actual).reduce((s, v, i) => s + v * expected[i]!, 0));
  const scale = Math.max(...expected.map(Math.abs));
  expected.forEach((e, i) => {
    expect(Math.abs(sign * actual[i]! - e)).toBeLessThanOrEqual(rel * scale);
  });
};

describe("fitPca", () => {
  const x = toMatrix(fixture.pca.data, "data");
  const fit = fitPca([x], 6);

  it("matches numpy: mean, explained variance and ratio at 1e-7 relative", () => {
    fixture.pca.mean.forEach((m, j) => {
      close(fit.mean[j]!, m);
    });
    fixture.pca.explainedVariance.forEach((v, c) => {
      close(fit.explainedVariance[c]!, v);
    });
    fixture.pca.explainedVarianceRatio.forEach((v, c) => {
      close(fit.explainedVarianceRatio[c]!, v);
    });
  });

  it("matches numpy's components up to sign, and fixes the sign as sklearn (largest |entry| positive)", () => {
    fixture.pca.components.forEach((comp, c) => {
      const got = fit.components.subarray(c * 6, (c + 1) * 6);
      closeUpToSign(got, comp);
      const big = Array.from(got).reduce((b, v, j) => (Math.abs(v) > Math.abs(got[b]!) ? j : b), 0);
      expect(got[big]!).toBeGreaterThan(0);
      // with the same sign convention the components agree outright
      comp.forEach((e, j) => {
        expect(Math.abs(got[j]! - e)).toBeLessThan(1e-7);
      });
    });
  });

  it("keeps only k components, and the stacked fit of two parts equals the fit of their concatenation", () => {
    const top2 = fitPca([x], 2);
    expect(top2.components.length).toBe(12);
    expect(top2.explainedVariance).toEqual(fit.explainedVariance.slice(0, 2));
    const split = fitPca([toMatrix(fixture.pca.data.slice(0, 30), "a"), toMatrix(fixture.pca.data.slice(30), "b")], 2);
    split.explainedVariance.forEach((v, c) => {
      close(v, fit.explainedVariance[c]!, 1e-12);
    });
  });

  it("projects centred rows on the components", () => {
    const p = pcaTransform(fit, x, [3]);
    const centred = fixture.pca.data[3]!.map((v, j) => v - fixture.pca.mean[j]!);
    fixture.pca.components.forEach((comp, c) => {
      const expected = comp.reduce((s, w, j) => s + w * centred[j]!, 0);
      expect(Math.abs(p.data[c]! - expected)).toBeLessThan(1e-9);
    });
  });

  it("rejects a component count outside 1..min(rows, dim)", () => {
    expect(() => fitPca([x], 0)).toThrow(/components must be an integer from 1 to min\(rows, dim\) = 6/);
    expect(() => fitPca([x], 7)).toThrow(EmbeddingInputError);
    expect(() => fitPca([x], 1.5)).toThrow(EmbeddingInputError);
    expect(() => fitPca([toMatrix([[1, 2]], "one")], 1)).toThrow(/at least 2 rows/);
  });
});

describe("symmetricEigen", () => {
  it("reconstructs a random symmetric matrix with orthonormal eigenvectors, values descending", () => {
    const n = 9;
    const rand = mulberry32(7);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = rand() * 2 - 1;
    const { values, vectors } = symmetricEigen(a, n);
    for (let k = 1; k < n; k++) expect(values[k]!).toBeLessThanOrEqual(values[k - 1]!);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let rec = 0;
        let gram = 0;
        for (let k = 0; k < n; k++) {
          rec += values[k]! * vectors[k * n + i]! * vectors[k * n + j]!;
          gram += vectors[i * n + k]! * vectors[j * n + k]!;
        }
        expect(Math.abs(rec - a[i * n + j]!)).toBeLessThan(1e-12);
        expect(Math.abs(gram - (i === j ? 1 : 0))).toBeLessThan(1e-12);
      }
    }
  });

  it("handles diagonal, repeated-eigenvalue, zero and 1×1 matrices", () => {
    expect(Array.from(symmetricEigen(Float64Array.from([1, 0, 0, 0, 3, 0, 0, 0, 2]), 3).values)).toEqual([3, 2, 1]);
    expect(Array.from(symmetricEigen(Float64Array.from([2, 0, 0, 2]), 2).values)).toEqual([2, 2]);
    expect(Array.from(symmetricEigen(new Float64Array(4), 2).values)).toEqual([0, 0]);
    expect(Array.from(symmetricEigen(Float64Array.from([5]), 1).values)).toEqual([5]);
  });
});

describe("toMatrix", () => {
  it("accepts number[][], Float32Array[] and a packed buffer alike", () => {
    const rows = [
      [1, 2, 3],
      [4, 5, 6],
    ];
    const a = toMatrix(rows, "r");
    const b = toMatrix(
      rows.map((r) => Float32Array.from(r)),
      "r",
    );
    const c = toMatrix({ data: Float32Array.from(rows.flat()), dim: 3 }, "r");
    for (const m of [b, c]) expect(m).toEqual(a);
    expect(a).toMatchObject({ rows: 2, dim: 3 });
  });

  it("names what is wrong", () => {
    expect(() => toMatrix([], "reference")).toThrow("reference window is empty");
    expect(() => toMatrix([[1, 2], [3]], "current")).toThrow("current row 1 has 1 components, row 0 has 2");
    expect(() => toMatrix([[1, Number.NaN]], "current")).toThrow("current row 0, component 1 is NaN");
    expect(() => toMatrix([[1], [Number.POSITIVE_INFINITY]], "reference")).toThrow("reference row 1, component 0 is Infinity");
    expect(() => toMatrix({ data: new Float32Array(5), dim: 2 }, "reference")).toThrow(/not a multiple of dim 2/);
    expect(() => toMatrix({ data: new Float32Array(4), dim: 0 }, "reference")).toThrow(/dim must be a positive integer/);
    expect(() => toMatrix({ data: [1, 2, Number.NaN, 4], dim: 2 }, "reference")).toThrow("reference row 1, component 0 is NaN");
    expect(() => toMatrix([[]], "reference")).toThrow(EmbeddingInputError);
  });
});

describe("projection2d", () => {
  const { reference, current } = fixture.shifted;

  it("matches numpy's pooled 2-D PCA (up to each axis' sign)", () => {
    const p = projection2d(reference, current);
    fixture.projection2d.explainedVarianceRatio.forEach((v, c) => {
      close(p.explainedVarianceRatio[c]!, v);
    });
    for (const side of ["reference", "current"] as const) {
      expect(p[side].length).toBe(fixture.projection2d[side].length);
      for (const axis of [0, 1]) {
        closeUpToSign(
          p[side].map((pt) => pt[axis]!),
          fixture.projection2d[side].map((pt) => pt[axis]!),
        );
      }
    }
    expect(p.referenceIndex).toEqual(reference.map((_, i) => i));
  });

  it("samples each window down to maxPoints, deterministically, keeping row order", () => {
    const a = projection2d(reference, current, { maxPoints: 20 });
    const b = projection2d(reference, current, { maxPoints: 20 });
    expect(a).toEqual(b);
    expect(a.reference.length).toBe(20);
    expect(a.current.length).toBe(20);
    expect(new Set(a.currentIndex).size).toBe(20);
    expect([...a.currentIndex].sort((x, y) => x - y)).toEqual(a.currentIndex);
    // a sampled point is the same point as in the unsampled projection
    const full = projection2d(reference, current);
    a.referenceIndex.forEach((row, k) => {
      expect(a.reference[k]).toEqual(full.reference[row]);
    });
    expect(projection2d(reference, current, { maxPoints: 20, seed: 1 }).referenceIndex).not.toEqual(a.referenceIndex);
  });

  it("rejects bad input", () => {
    expect(() => projection2d(reference, [[1, 2]])).toThrow("reference has 8 components per row, current has 2");
    expect(() => projection2d([[1], [2]], [[3]])).toThrow(/at least 2 components/);
    expect(() => projection2d(reference, current, { maxPoints: 0 })).toThrow(/maxPoints/);
  });
});

describe("sampleIndices", () => {
  it("draws k distinct indices, ascending, reproducibly", () => {
    const s = sampleIndices(100, 10, mulberry32(3));
    expect(s.length).toBe(10);
    expect(new Set(s).size).toBe(10);
    expect(Array.from(s)).toEqual(Array.from(s).sort((a, b) => a - b));
    expect(sampleIndices(100, 10, mulberry32(3))).toEqual(s);
  });
});
