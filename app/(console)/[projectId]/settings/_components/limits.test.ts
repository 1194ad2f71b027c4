import { describe, expect, it } from "vitest";
import { bucketPoints, type KeyLimits, limitsSummary, periodStart, rangeWindow, spendThisPeriod } from "./limits";

const none: KeyLimits = {
  rpm: null,
  tpm: null,
  budgetUsd: null,
  budgetPeriod: null,
  budgetMode: null,
  allowedModels: null,
  expiresAt: null,
};

describe("limitsSummary", () => {
  it("says every limit in one line, and nothing for a key without any", () => {
    expect(limitsSummary(none)).toBe("");
    expect(
      limitsSummary({
        rpm: 60,
        tpm: 10_000,
        budgetUsd: 5,
        budgetPeriod: "month",
        budgetMode: "hard",
        allowedModels: ["mini", "router:chat"],
        expiresAt: new Date("2027-01-01T00:00:00Z"),
      }),
    ).toBe("60 rpm · 10K tpm · $5/month hard · 2 models · expires 2027-01-01");
    expect(limitsSummary({ ...none, budgetUsd: 2.5, budgetPeriod: "day", budgetMode: "soft", allowedModels: ["mini"] })).toBe(
      "$2.50/day soft · only mini",
    );
  });
});

describe("spend in the budget period", () => {
  const now = new Date("2026-12-07T18:30:00Z");
  const points = [
    { keyId: "a", hour: new Date("2026-11-30T23:00:00Z"), requests: 9, tokens: 90, cost: 9 },
    { keyId: "a", hour: new Date("2026-12-01T00:00:00Z"), requests: 1, tokens: 10, cost: 1 },
    { keyId: "a", hour: new Date("2026-12-07T00:00:00Z"), requests: 2, tokens: 20, cost: 0.5 },
    { keyId: "b", hour: new Date("2026-12-07T18:00:00Z"), requests: 4, tokens: 40, cost: 4 },
  ];
  it("starts periods on UTC days and months", () => {
    expect(periodStart("day", now).toISOString()).toBe("2026-12-07T00:00:00.000Z");
    expect(periodStart("month", now).toISOString()).toBe("2026-12-01T00:00:00.000Z");
  });
  it("sums one key's cost from its period's start (the month without a budget)", () => {
    expect(spendThisPeriod(points, "a", "day", now)).toBe(0.5);
    expect(spendThisPeriod(points, "a", "month", now)).toBe(1.5);
    expect(spendThisPeriod(points, "a", null, now)).toBe(1.5);
    expect(spendThisPeriod(points, "b", "day", now)).toBe(4);
    expect(spendThisPeriod(points, "c", "day", now)).toBe(0);
  });
});

describe("chart buckets", () => {
  const now = new Date("2026-12-07T18:30:00Z");
  it("asks for whole hours or UTC days up to the end of the current one", () => {
    const h = rangeWindow("24h", now);
    expect(h.times).toHaveLength(24);
    expect(h.from.toISOString()).toBe("2026-12-06T19:00:00.000Z");
    expect(h.to.toISOString()).toBe("2026-12-07T19:00:00.000Z");
    const d = rangeWindow("7d", now);
    expect(d.bucket).toBe("day");
    expect(d.from.toISOString()).toBe("2026-12-01T00:00:00.000Z");
    expect(d.to.toISOString()).toBe("2026-12-08T00:00:00.000Z");
  });
  it("sums hourly points into days, zero where no call was made, outside points dropped", () => {
    const { times } = rangeWindow("7d", now);
    const b = bucketPoints(
      [
        { keyId: "a", hour: new Date("2026-12-07T01:00:00Z"), requests: 1, tokens: 15, cost: 0.25 },
        { keyId: "a", hour: new Date("2026-12-07T18:00:00Z"), requests: 2, tokens: 30, cost: 0.5 },
        { keyId: "a", hour: new Date("2026-12-02T05:00:00Z"), requests: 3, tokens: 45, cost: 1 },
        { keyId: "a", hour: new Date("2026-11-20T05:00:00Z"), requests: 7, tokens: 7, cost: 7 },
      ],
      times,
      "day",
    );
    expect(b.requests).toEqual([0, 3, 0, 0, 0, 0, 3]);
    expect(b.tokens).toEqual([0, 45, 0, 0, 0, 0, 45]);
    expect(b.cost).toEqual([0, 1, 0, 0, 0, 0, 0.75]);
  });
});
