import { describe, expect, it } from "vitest";
import { lcg32, mulberry32, xorshift32 } from "./random";

const take = (rand: () => number, n: number) => Array.from({ length: n }, () => rand());

/**
 * The exact sequences the five copies this module replaced produced (recorded from them before they
 * were removed): routing evaluation, drift statistics, eval bootstraps, sampling and trained heads
 * publish figures computed from these numbers, so a change here is a change to all of those.
 */
describe("mulberry32", () => {
  it("gives the recorded sequence for a seed, including wrapped negative and >32-bit seeds", () => {
    expect(take(mulberry32(0), 4)).toEqual([0.26642920868471265, 0.0003297457005828619, 0.2232720274478197, 0.1462021479383111]);
    expect(take(mulberry32(42), 4)).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099, 0.6697340414393693]);
    expect(take(mulberry32(0x5eed ^ 7), 4)).toEqual([0.16731136315502226, 0.3477474164683372, 0.2473489698022604, 0.3517897373531014]);
    expect(take(mulberry32(-1), 4)).toEqual([0.8964226141106337, 0.189478256739676, 0.7156526781618595, 0.9440599093213677]);
    expect(take(mulberry32(2 ** 32 + 5), 4)).toEqual(take(mulberry32(5), 4));
  });

  it("stays in [0, 1) and is roughly uniform", () => {
    const xs = take(mulberry32(7), 100_000);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.49);
    expect(mean).toBeLessThan(0.51);
    // ten equal bins each within 5% of their expected 10,000
    const bins = new Array(10).fill(0);
    for (const x of xs) bins[Math.floor(x * 10)]++;
    for (const b of bins) expect(Math.abs(b - 10_000)).toBeLessThan(500);
  });

  it("is independent per generator: two of the same seed do not share state", () => {
    const a = mulberry32(9);
    const b = mulberry32(9);
    a();
    a();
    expect(b()).toBe(mulberry32(9)());
  });
});

describe("the older variants kept for their data", () => {
  it("lcg32 gives the drift demo's recorded sequence", () => {
    expect(take(lcg32(13), 3)).toEqual([0.24110615439713, 0.45771585567854345, 0.7207413003779948]);
  });

  it("xorshift32 gives the recorded sequence, and seed 0 does not stick at 0", () => {
    expect(take(xorshift32(13), 3)).toEqual([0.00081835244782269, 0.20329559152014554, 0.4086682740598917]);
    expect(take(xorshift32(0), 2)).toEqual([0.00006295018829405308, 0.015747428173199296]);
  });
});
