import { describe, expect, it } from "vitest";
import { apgr, cpt, evaluateRouter, NoGapError, routingCurve } from "./evaluate";
import { seededRandom } from "./split";

describe("RouteLLM measures", () => {
  it("gives the oracle router's exact APGR and CPT on a toy set (one item in ten needs the large model)", () => {
    // nine items both models get right, one only the large model gets right
    const small = [1, 1, 1, 0, 1, 1, 1, 1, 1, 1];
    const large = Array(10).fill(1);
    const oracle = large.map((l, i) => l - (small[i] as number)); // 1 for the item that needs large
    const e = evaluateRouter(oracle, small, large);
    // PGR rises 0 -> 1 over share [0, 0.1] and stays 1: area = 0.1 * 0.5 + 0.9 * 1
    expect(e.apgr).toBeCloseTo(0.95, 12);
    expect(e.cpt50).toBeCloseTo(0.05, 12);
    expect(e.cpt80).toBeCloseTo(0.08, 12);
    expect(e.smallOnly).toBeCloseTo(0.9, 12);
    expect(e.largeOnly).toBe(1);
    // the reversed router sends that item last: PGR 0 until share 0.9, then up to 1
    const worst = evaluateRouter(
      oracle.map((s) => -s),
      small,
      large,
    );
    expect(worst.apgr).toBeCloseTo(0.05, 12);
    expect(worst.cpt50).toBeCloseTo(0.95, 12);
  });

  it("draws the curve only at cut points between distinct scores", () => {
    const small = [0, 1, 0, 0];
    const large = [1, 1, 0, 1];
    const curve = routingCurve([1, 0, 0, 1], small, large);
    expect(curve.map((p) => [p.share, p.pgr, p.threshold])).toEqual([
      [0, 0, null],
      [0.5, 1, 1],
      [1, 1, 0],
    ]);
    expect(curve[1]?.quality).toBe(0.75);
    // area: 0.5 * (0 + 1) / 2 + 0.5 * (1 + 1) / 2
    expect(apgr(curve)).toBe(0.75);
    expect(cpt(curve, 0.5)).toBe(0.25);
    expect(cpt(curve, 0.8)).toBeCloseTo(0.4, 12);
  });

  it("handles score qualities and a PGR curve that overshoots 1 (hand-computed)", () => {
    const small = [0.5, 0.2, 0.9];
    const large = [0.9, 0.8, 0.6];
    // gap = (2.3 - 1.6) / 3; gains in score order: +0.4, +0.6, -0.3 -> PGR 4/7, 10/7, 1
    const e = evaluateRouter([3, 2, 1], small, large);
    expect(e.curve.map((p) => p.pgr)).toEqual([0, expect.closeTo(4 / 7, 12), expect.closeTo(10 / 7, 12), 1]);
    expect(e.apgr).toBeCloseTo(5 / 6, 12); // (1/3) * (1/2) * (4/7 + 14/7 + 17/7)
    expect(e.cpt50).toBeCloseTo(7 / 24, 12); // first segment: 0.5 / (4/7) of 1/3
    expect(e.cpt80).toBeCloseTo(19 / 45, 12); // second segment: 1/3 + ((0.8 - 4/7) / (6/7)) * 1/3
  });

  it("treats tied scores as one step: a constant router is the diagonal", () => {
    const small = [0, 1, 0, 1, 0];
    const large = [1, 1, 1, 1, 0];
    const e = evaluateRouter([0.3, 0.3, 0.3, 0.3, 0.3], small, large);
    expect(e.curve).toHaveLength(2);
    expect(e.apgr).toBeCloseTo(0.5, 12);
    expect(e.cpt50).toBeCloseTo(0.5, 12);
    expect(e.cpt80).toBeCloseTo(0.8, 12);
  });

  it("measures about 0.5 for a random router on a big synthetic set", () => {
    const rand = seededRandom(123);
    const n = 20_000;
    const small = Array.from({ length: n }, () => (rand() < 0.5 ? 1 : 0));
    const large = Array.from({ length: n }, () => (rand() < 0.9 ? 1 : 0));
    const e = evaluateRouter(
      Array.from({ length: n }, () => rand()),
      small,
      large,
    );
    expect(Math.abs(e.apgr - 0.5)).toBeLessThan(0.02);
    expect(Math.abs(e.cpt50 - 0.5)).toBeLessThan(0.03);
    expect(Math.abs(e.cpt80 - 0.8)).toBeLessThan(0.03);
  });

  it("equals RouteLLM's (AUC - AUC_weak) / (AUC_strong - AUC_weak) over the same points", () => {
    const rand = seededRandom(9);
    const n = 300;
    const small = Array.from({ length: n }, () => Math.round(rand() * 10) / 10);
    const large = small.map((s) => Math.min(1, s + rand() * 0.5));
    const e = evaluateRouter(
      small.map((s) => 1 - s + rand() * 0.3),
      small,
      large,
    );
    const trapz = (ys: number[], xs: number[]) => ys.slice(1).reduce((a, y, i) => a + ((xs[i + 1]! - xs[i]!) * (y + ys[i]!)) / 2, 0);
    const xs = e.curve.map((p) => p.share);
    const auc = trapz(
      e.curve.map((p) => p.quality),
      xs,
    );
    const weak = trapz(
      xs.map(() => e.smallOnly),
      xs,
    );
    const strong = trapz(
      xs.map(() => e.largeOnly),
      xs,
    );
    expect(e.apgr).toBeCloseTo((auc - weak) / (strong - weak), 10);
  });

  it("refuses data with no gap between the models", () => {
    expect(() => evaluateRouter([1, 2], [1, 0], [0, 1])).toThrow(NoGapError);
    expect(() => evaluateRouter([1, 2], [1, 0], [0, 1])).toThrow("there is no performance gap to recover");
    expect(() => evaluateRouter([1, 2], [1, 1], [0, 1])).toThrow("is below the small model's");
    expect(() => evaluateRouter([1, Number.NaN], [0, 0], [1, 1])).toThrow("score 1 is not a finite number");
    expect(() => evaluateRouter([], [], [])).toThrow("no items");
  });
});
