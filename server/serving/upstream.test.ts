import { describe, expect, it } from "vitest";
import { backoffMs } from "./upstream";

describe("backoffMs", () => {
  it("honours Retry-After in seconds or as a date, capped at 10 s", () => {
    expect(backoffMs(1, "2")).toBe(2000);
    expect(backoffMs(1, "600")).toBe(10_000);
    const soon = new Date(Date.now() + 3000).toUTCString();
    expect(backoffMs(1, soon)).toBeGreaterThan(1000);
    expect(backoffMs(1, soon)).toBeLessThanOrEqual(3000);
  });
  it("grows exponentially with jitter otherwise", () => {
    expect(backoffMs(1, null, () => 0.5)).toBe(200);
    expect(backoffMs(3, null, () => 0.5)).toBe(800);
    expect(backoffMs(20, null, () => 0.5)).toBe(10_000);
  });
});
