import { describe, expect, it } from "vitest";
import { jensenshannon, proportionsDiffZTest, psi } from "./distance";
import { close, fixture } from "./fixture.test-util";

describe("jensenshannon", () => {
  it("equals scipy.spatial.distance.jensenshannon (unnormalised input, zero bins, base 2)", () => {
    for (const c of fixture.jensenshannon)
      close(jensenshannon(c.p, c.q, c.base ?? undefined), c.value, `js(${c.p}, ${c.q}, ${c.base})`, false);
  });

  it("is 0 for equal distributions and 1 for disjoint ones in base 2", () => {
    expect(jensenshannon([1, 2, 3], [2, 4, 6])).toBe(0);
    close(jensenshannon([1, 0], [0, 1], 2), 1, "disjoint");
    expect(() => jensenshannon([1], [1, 2])).toThrow(/differ in length/);
  });
});

describe("psi", () => {
  it("equals Σ (ref - cur) ln(ref/cur)", () => {
    for (const c of fixture.psi) close(psi(c.ref, c.cur), c.value, "psi", false);
    expect(psi([0.5, 0.5], [0.5, 0.5])).toBe(0);
  });

  it("refuses a zero share (replace empty bins first)", () => {
    expect(() => psi([0.5, 0.5], [1, 0])).toThrow(/bin 1/);
    expect(() => psi([1], [0.5, 0.5])).toThrow(/differ in length/);
  });
});

describe("proportionsDiffZTest", () => {
  it("is Evidently's two-proportion z-test", () => {
    // p1 = 0.3, p2 = 0.5, pooled 0.4
    const res = proportionsDiffZTest(30, 100, 50, 100);
    close(res.statistic, -0.2 / Math.sqrt(0.4 * 0.6 * 0.02), "z");
    close(res.pvalue, 0.0038924171227785465, "p", false);
    // far apart: 1 - Φ rounds to 0, as in Evidently
    expect(proportionsDiffZTest(0, 1000, 1000, 1000).pvalue).toBe(0);
  });
});
