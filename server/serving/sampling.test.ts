import { describe, expect, it } from "vitest";
import { logSumExp, pickToken, seededRandom } from "./sampling";

describe("pickToken", () => {
  const logits = Float32Array.from([1, 3, 2, -1]);

  it("greedy takes the argmax with its log-probability", () => {
    const { token, logprob } = pickToken(logits);
    expect(token).toBe(1);
    expect(logprob).toBeCloseTo(3 - logSumExp(logits), 6);
    expect(Math.exp(logprob)).toBeLessThan(1);
  });

  it("sampling with one seed is reproducible", () => {
    const run = (seed: number) => {
      const r = seededRandom(seed);
      return Array.from({ length: 20 }, () => pickToken(logits, { temperature: 1, random: r }).token);
    };
    expect(run(7)).toEqual(run(7));
    expect(new Set(run(7)).size).toBeGreaterThan(1);
  });

  it("top-p keeps only the nucleus", () => {
    const r = seededRandom(1);
    const seen = new Set(Array.from({ length: 200 }, () => pickToken(logits, { temperature: 1, topP: 0.6, random: r }).token));
    expect([...seen]).toEqual([1]); // p(1) ~ 0.66 already reaches 0.6
  });

  it("a low temperature concentrates on the argmax", () => {
    const r = seededRandom(3);
    const picks = Array.from({ length: 100 }, () => pickToken(logits, { temperature: 0.05, random: r }).token);
    expect(picks.every((t) => t === 1)).toBe(true);
  });

  it("seededRandom is uniform-ish in [0, 1)", () => {
    const r = seededRandom(42);
    const xs = Array.from({ length: 10_000 }, r);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(Math.abs(xs.reduce((a, b) => a + b, 0) / xs.length - 0.5)).toBeLessThan(0.02);
  });
});
