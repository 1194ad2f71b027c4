import { describe, expect, it } from "vitest";
import { close, fixture } from "./fixture.test-util";
import { kstwobignSf, kstwoSf, smirnovSf } from "./kolmogorov";

describe("Kolmogorov-Smirnov distributions", () => {
  it("kstwoSf equals scipy.stats.kstwo.sf over every algorithm's region, n = 1 .. 2,000,000", () => {
    for (const [x, n, want] of fixture.kstwo_sf) close(kstwoSf(x, n), want, `kstwo.sf(${x}, ${n})`, false);
    expect(fixture.kstwo_sf.length).toBeGreaterThan(500);
  }, 60_000);

  it("kstwobignSf equals scipy.stats.kstwobign.sf down to the last double", () => {
    for (const [x, want] of fixture.kstwobign_sf) close(kstwobignSf(x), want, `kstwobign.sf(${x})`, false);
  });

  it("handles the support's ends and bad arguments as scipy", () => {
    expect(kstwoSf(0, 10)).toBe(1);
    expect(kstwoSf(0.04, 10)).toBe(1); // below 1/2n
    expect(kstwoSf(1, 10)).toBe(0);
    expect(kstwoSf(0.5, 2.5)).toBeNaN();
    expect(kstwoSf(0.5, 0)).toBeNaN();
    expect(kstwoSf(Number.NaN, 5)).toBeNaN();
    expect(kstwobignSf(0)).toBe(1);
    expect(kstwobignSf(Number.POSITIVE_INFINITY)).toBe(0);
    expect(smirnovSf(1, 0.3)).toBeCloseTo(0.7, 15);
    expect(smirnovSf(5, 0)).toBe(1);
    expect(smirnovSf(5, 1)).toBe(0);
  });
});
