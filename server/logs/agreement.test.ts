import { describe, expect, it } from "vitest";
import { mulberry32 } from "../core/random";
import { type Category, cohensKappa, krippendorffsAlpha } from "./agreement";

/** Deterministic PRNG so the property examples are the same on every run. */
const rng = mulberry32;

/** Pairs from a contingency table: `table[[a, b]] = count`. */
function fromTable(cells: Array<[Category, Category, number]>): Array<[Category, Category]> {
  return cells.flatMap(([a, b, count]) => Array.from({ length: count }, () => [a, b] as [Category, Category]));
}

/** Two raters over `n` items and `k` categories; rater B copies A with probability `agree`. */
function simulatedPairs(seed: number, n: number, k: number, agree: number): Array<[number, number]> {
  const r = rng(seed);
  return Array.from({ length: n }, () => {
    const a = Math.floor(r() * k);
    return [a, r() < agree ? a : Math.floor(r() * k)];
  });
}

const _ = null;
// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 observers x 12 units, "." = missing.
const OBSERVERS = {
  A: [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
  B: [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
  C: [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
  D: [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
};
const CANONICAL_UNITS = OBSERVERS.A.map((_v, u) => [OBSERVERS.A[u], OBSERVERS.B[u], OBSERVERS.C[u], OBSERVERS.D[u]] as (number | null)[]);

describe("cohensKappa", () => {
  it("matches the 2x2 textbook example: po = 0.7, pe = 0.5, kappa = 0.4", () => {
    const pairs = fromTable([
      ["yes", "yes", 20],
      ["yes", "no", 5],
      ["no", "yes", 10],
      ["no", "no", 15],
    ]);
    expect(pairs).toHaveLength(50);
    expect(cohensKappa(pairs)).toBeCloseTo(0.4, 12);
  });

  it("matches a 3-category example computed by hand", () => {
    // 100 items; diagonal 25+20+15 = 60 -> po = 0.6; A margins 35/35/30, B margins 30/40/30
    // -> pe = .35*.30 + .35*.40 + .30*.30 = 0.335; kappa = (0.6 - 0.335) / 0.665.
    const pairs = fromTable([
      ["a", "a", 25],
      ["a", "b", 5],
      ["a", "c", 5],
      ["b", "a", 5],
      ["b", "b", 20],
      ["b", "c", 10],
      ["c", "a", 0],
      ["c", "b", 15],
      ["c", "c", 15],
    ]);
    expect(cohensKappa(pairs)).toBeCloseTo(0.265 / 0.665, 12);
  });

  it("is 1 for perfect agreement over several categories", () => {
    expect(cohensKappa([1, 2, 3, 1, 2, 3, 3].map((v) => [v, v] as [number, number]))).toBe(1);
    expect(
      cohensKappa([
        ["x", "x"],
        [true, true],
        [false, false],
      ]),
    ).toBe(1);
  });

  it("is -1 for complete disagreement with balanced margins", () => {
    expect(
      cohensKappa([
        ["yes", "no"],
        ["no", "yes"],
        ["yes", "no"],
        ["no", "yes"],
      ]),
    ).toBeCloseTo(-1, 12);
  });

  it("is 0 at chance level (rater B independent of rater A)", () => {
    // Every cell of the 2x2 table equal: po = pe = 0.5.
    expect(
      cohensKappa(
        fromTable([
          [1, 1, 10],
          [1, 0, 10],
          [0, 1, 10],
          [0, 0, 10],
        ]),
      ),
    ).toBe(0);
    // A large independent simulation lands near 0.
    const r = rng(7);
    const pairs = Array.from({ length: 5000 }, () => [Math.floor(r() * 3), Math.floor(r() * 3)] as [number, number]);
    expect(Math.abs(cohensKappa(pairs) ?? 1)).toBeLessThan(0.05);
  });

  it("returns null with no pairs, and 1 by convention when both raters used one and the same category", () => {
    expect(cohensKappa([])).toBeNull();
    expect(
      cohensKappa([
        ["ok", "ok"],
        ["ok", "ok"],
        ["ok", "ok"],
      ]),
    ).toBe(1);
    // Each rater constant but different categories: po = 0, pe = 0.
    expect(
      cohensKappa([
        ["a", "b"],
        ["a", "b"],
      ]),
    ).toBe(0);
  });

  it("treats 1, '1' and true as different categories", () => {
    expect(
      cohensKappa([
        [1, "1"],
        [true, 1],
        ["1", true],
        [0, 0],
      ]),
    ).toBeLessThan(0.5);
    expect(
      cohensKappa([
        [Number.NaN, Number.NaN],
        [1, 1],
      ]),
    ).toBe(1);
  });

  it("is symmetric in rater order", () => {
    for (const seed of [1, 2, 3]) {
      const pairs = simulatedPairs(seed, 300, 4, 0.6);
      const swapped = pairs.map(([a, b]) => [b, a] as [number, number]);
      expect(cohensKappa(swapped)).toBeCloseTo(cohensKappa(pairs) ?? Number.NaN, 12);
    }
  });
});

describe("krippendorffsAlpha", () => {
  it("reproduces Krippendorff's (2011) 4 observers x 12 units example at every level", () => {
    expect(krippendorffsAlpha(CANONICAL_UNITS, "nominal")).toBeCloseTo(0.743, 3);
    expect(krippendorffsAlpha(CANONICAL_UNITS, "ordinal")).toBeCloseTo(0.815, 3);
    expect(krippendorffsAlpha(CANONICAL_UNITS, "interval")).toBeCloseTo(0.849, 3);
    // Exactly: n = 40 pairable values (unit 12 has one value and is dropped), margins n_1..n_5 =
    // 9, 13, 10, 5, 3 so Σ_{c≠k} n_c n_k = 1600 − 384 = 1216; off-diagonal o_ck sum to 8 (units 2, 6, 8).
    expect(krippendorffsAlpha(CANONICAL_UNITS, "nominal")).toBeCloseTo(1 - (39 * 8) / 1216, 12);
  });

  it("reproduces Krippendorff's binary two-observer example (alpha = 0.095)", () => {
    const a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0];
    const b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0];
    const units = a.map((v, i) => [v, b[i] ?? null]);
    // o00 = 10, o01 = o10 = 4, o11 = 2; n0 = 14, n1 = 6: alpha = 1 - 19 * 8 / (2 * 14 * 6).
    expect(krippendorffsAlpha(units, "nominal")).toBeCloseTo(1 - 152 / 168, 12);
    expect(krippendorffsAlpha(units, "nominal")).toBeCloseTo(0.095, 3);
    // With two values every level has the same metric up to scale, so alpha agrees.
    expect(krippendorffsAlpha(units, "interval")).toBeCloseTo(1 - 152 / 168, 12);
    expect(krippendorffsAlpha(units, "ordinal")).toBeCloseTo(1 - 152 / 168, 12);
  });

  it("ignores the order of values within a unit (rater order)", () => {
    const reversed = CANONICAL_UNITS.map((u) => [...u].reverse());
    const shuffled = CANONICAL_UNITS.map((u) => [u[2] ?? null, u[0] ?? null, u[3] ?? null, u[1] ?? null]);
    for (const level of ["nominal", "ordinal", "interval"] as const) {
      const base = krippendorffsAlpha(CANONICAL_UNITS, level) ?? Number.NaN;
      expect(krippendorffsAlpha(reversed, level)).toBeCloseTo(base, 12);
      expect(krippendorffsAlpha(shuffled, level)).toBeCloseTo(base, 12);
    }
  });

  it("is 1 for identical raters with at least two categories", () => {
    const units = [1, 2, 3, 2, 1, 5].map((v) => [v, v, v]);
    for (const level of ["nominal", "ordinal", "interval"] as const) expect(krippendorffsAlpha(units, level)).toBe(1);
    expect(
      krippendorffsAlpha(
        [
          ["a", "a"],
          ["b", "b", null],
        ],
        "nominal",
      ),
    ).toBe(1);
  });

  it("drops units with fewer than two values and ignores missing entries", () => {
    const withNoise = [...CANONICAL_UNITS, [7, null, null], [null, null], []];
    expect(krippendorffsAlpha(withNoise, "interval")).toBeCloseTo(krippendorffsAlpha(CANONICAL_UNITS, "interval") ?? 0, 12);
  });

  it("returns null with no pairable values or no variation (D_e = 0)", () => {
    expect(krippendorffsAlpha([], "nominal")).toBeNull();
    expect(krippendorffsAlpha([[1, null], [null, 2], [3]], "nominal")).toBeNull();
    expect(
      krippendorffsAlpha(
        [
          ["x", "x"],
          ["x", "x", "x"],
        ],
        "nominal",
      ),
    ).toBeNull();
    expect(
      krippendorffsAlpha(
        [
          [4, 4],
          [4, 4],
        ],
        "interval",
      ),
    ).toBeNull();
  });

  it("penalises distant disagreements more at the interval level than at the nominal level", () => {
    const near = [
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 4],
      [5, 5],
      [1, 2],
    ];
    const far = [
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 4],
      [5, 5],
      [1, 5],
    ];
    expect(krippendorffsAlpha(near, "nominal")).toBeCloseTo(krippendorffsAlpha(far, "nominal") ?? 0, 12);
    expect(krippendorffsAlpha(near, "interval")).toBeGreaterThan(krippendorffsAlpha(far, "interval") ?? 1);
  });

  it("is below 0 for systematic disagreement", () => {
    expect(
      krippendorffsAlpha(
        [
          [1, 2],
          [2, 1],
          [1, 2],
          [2, 1],
        ],
        "nominal",
      ),
    ).toBeLessThan(0);
  });

  it("ordinal depends only on the order of values, interval on their distances", () => {
    const units = [
      [1, 2],
      [2, 3],
      [3, 3],
      [1, 1],
      [2, 2],
      [1, 2],
      [3, 2],
    ];
    const stretched = units.map((u) => u.map((v) => (v === 3 ? 100 : v)));
    expect(krippendorffsAlpha(stretched, "ordinal")).toBeCloseTo(krippendorffsAlpha(units, "ordinal") ?? 0, 12);
    expect(krippendorffsAlpha(stretched, "interval")).not.toBeCloseTo(krippendorffsAlpha(units, "interval") ?? 0, 3);
  });

  it("reads booleans as 0/1 at numeric levels and rejects strings there", () => {
    expect(
      krippendorffsAlpha(
        [
          [true, true],
          [false, false],
          [true, false],
        ],
        "interval",
      ),
    ).toBeCloseTo(
      krippendorffsAlpha(
        [
          [1, 1],
          [0, 0],
          [1, 0],
        ],
        "interval",
      ) ?? 0,
      12,
    );
    expect(() => krippendorffsAlpha([["a", "b"]], "interval")).toThrow(TypeError);
    expect(() => krippendorffsAlpha([[1, Number.NaN]], "ordinal")).toThrow(/finite numbers/);
  });

  it("for two raters on nominal data equals the small-sample-corrected Scott's pi and is close to kappa", () => {
    const pairs = simulatedPairs(42, 400, 4, 0.7);
    const alpha = krippendorffsAlpha(pairs, "nominal") ?? Number.NaN;
    const kappa = cohensKappa(pairs) ?? Number.NaN;
    // Scott's pi from pooled margins; alpha = 1 - (2N - 1) / (2N) * (1 - pi) with N items.
    const n = pairs.length;
    const pooled = new Map<number, number>();
    for (const [a, b] of pairs) for (const v of [a, b]) pooled.set(v, (pooled.get(v) ?? 0) + 1);
    const pe = [...pooled.values()].reduce((s, c) => s + (c / (2 * n)) ** 2, 0);
    const po = pairs.filter(([a, b]) => a === b).length / n;
    const pi = (po - pe) / (1 - pe);
    expect(alpha).toBeCloseTo(1 - ((2 * n - 1) / (2 * n)) * (1 - pi), 12);
    expect(Math.abs(alpha - kappa)).toBeLessThan(0.05);
    expect(alpha).not.toBe(kappa);
  });
});
