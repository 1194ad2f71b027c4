import { describe, expect, it } from "vitest";
import { close } from "./fixture.test-util";
import { durbinMatrixCdf, pomeranzCdf } from "./kolmogorov-exact";

describe("exact one-sample K-S CDFs", () => {
  it("Durbin's matrix and Pomeranz's recursion agree where both apply", () => {
    for (const [n, x] of [
      [10, 0.2],
      [30, 0.15],
      [80, 0.09],
      [140, 0.1],
    ] as const)
      close(durbinMatrixCdf(n, x), pomeranzCdf(n, x), `n=${n} x=${x}`, false);
  });

  it("matches closed forms: P(D_1 <= x) = 2x - 1, P(D_n <= 1/n) = n!/n^n", () => {
    close(durbinMatrixCdf(1, 0.75), 0.5, "n=1 durbin");
    close(pomeranzCdf(1, 0.75), 0.5, "n=1 pomeranz");
    close(durbinMatrixCdf(5, 0.2), 120 / 5 ** 5, "n=5 at 1/n");
    close(pomeranzCdf(5, 0.2), 120 / 5 ** 5, "n=5 at 1/n pomeranz");
  });

  it("keeps tiny probabilities through its 2^128 rescaling", () => {
    const p = durbinMatrixCdf(2000, 0.0006);
    expect(p).toBeGreaterThanOrEqual(0);
    expect(p).toBeLessThan(1e-100);
    expect(durbinMatrixCdf(10, 1)).toBe(1);
    expect(durbinMatrixCdf(10, 0.01)).toBe(0);
  });
});
