import { describe, expect, it } from "vitest";
import { compileMatch, priceLookup } from "./prices";

describe("model prices", () => {
  const prices = [
    { id: "1", match: "/^gpt-4o/", inputPerMillion: 2.5, outputPerMillion: 10 },
    { id: "2", match: "gpt-4o-mini", inputPerMillion: 0.15, outputPerMillion: 0.6 },
  ];
  it("prefers an exact name over a pattern, and computes USD per million tokens", () => {
    const cost = priceLookup(prices);
    expect(cost("gpt-4o-mini", 1_000_000, 1_000_000)).toBeCloseTo(0.75, 10);
    expect(cost("gpt-4o-2024-08-06", 1000, 500)).toBeCloseTo(0.0025 + 0.005, 10);
    expect(cost("claude-3", 1000, 1000)).toBeNull();
  });
  it("rejects a broken pattern naming the field", () => {
    expect(() => compileMatch("/([/")).toThrowError(expect.objectContaining({ code: "BAD_REQUEST", field: "match" }));
    expect(compileMatch("/GPT/i")("gpt-4")).toBe(true);
  });
});
