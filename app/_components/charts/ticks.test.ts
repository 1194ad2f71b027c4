import { describe, expect, it } from "vitest";
import { axisWidth, edgeRoom, niceStep, niceTicks, ticksFor } from "./ticks";

/** Every gap between ticks is the same 1, 2 or 5 × 10^n step. */
function expectRoundSteps(ticks: number[]) {
  const steps = ticks.slice(1).map((t, i) => Number((t - (ticks[i] as number)).toPrecision(10)));
  expect(new Set(steps).size).toBe(1);
  const step = steps[0] as number;
  const mantissa = Number((step / 10 ** Math.floor(Math.log10(step))).toPrecision(6));
  expect([1, 2, 5]).toContain(mantissa);
  for (const t of ticks) expect(Math.abs(Number((t / step).toPrecision(10)) % 1)).toBe(0);
}

describe("niceStep", () => {
  it("rounds up to 1, 2 or 5 × 10^n", () => {
    expect(niceStep(0.7)).toBe(1);
    expect(niceStep(1)).toBe(1);
    expect(niceStep(1.2)).toBe(2);
    expect(niceStep(3)).toBe(5);
    expect(niceStep(8.5)).toBe(10);
    expect(niceStep(0.013)).toBe(0.02);
    expect(niceStep(420)).toBe(500);
  });
});

describe("niceTicks", () => {
  it("gives round ticks where a hand-made axis gave 7.89 / 24.93 / 41.96", () => {
    const ticks = niceTicks(7.89, 41.96, { zero: false });
    expect(ticks).toEqual([0, 10, 20, 30, 40, 50]);
    expectRoundSteps(ticks);
  });

  it("starts at 0 for positive values and covers the maximum", () => {
    const ticks = niceTicks(0.004, 0.0183);
    expect(ticks[0]).toBe(0);
    expect(ticks.at(-1)).toBeGreaterThanOrEqual(0.0183);
    expectRoundSteps(ticks);
    expect(ticks).toEqual([0, 0.005, 0.01, 0.015, 0.02]);
  });

  it("counts get whole steps with nothing missing (never 0, 2, 3)", () => {
    expect(niceTicks(0, 3, { integer: true })).toEqual([0, 1, 2, 3]);
    expect(niceTicks(0, 1, { integer: true })).toEqual([0, 1]);
    expect(niceTicks(0, 0, { integer: true })).toEqual([0, 1]);
    const many = niceTicks(0, 37, { integer: true });
    expect(many).toEqual([0, 10, 20, 30, 40]);
    for (const t of niceTicks(0, 7, { integer: true })) expect(Number.isInteger(t)).toBe(true);
  });

  it("spans negative and flat ranges", () => {
    const ticks = niceTicks(-3.2, 4.1, { zero: false });
    expect(ticks[0]).toBeLessThanOrEqual(-3.2);
    expect(ticks.at(-1)).toBeGreaterThanOrEqual(4.1);
    expectRoundSteps(ticks);
    const flat = niceTicks(0.42, 0.42, { zero: false });
    expect(flat[0]).toBeLessThan(0.42);
    expect(flat.at(-1)).toBeGreaterThan(0.42);
    expectRoundSteps(flat);
    expect(niceTicks(0, 0)).toEqual([0, 0.5, 1]);
  });

  it("keeps floating point noise out of the labels", () => {
    for (const t of niceTicks(0, 0.3)) expect(String(t).length).toBeLessThan(6);
  });
});

describe("ticksFor", () => {
  it("skips nulls and treats no values as an empty 0 to 1 axis", () => {
    expect(ticksFor([null, 3, undefined, 12])).toEqual([0, 5, 10, 15]);
    expect(ticksFor([null])).toEqual([0, 0.5, 1]);
  });
});

describe("axisWidth and edgeRoom", () => {
  it("grow with the longest label, so a cost axis like $0.0025 is not clipped", () => {
    const narrow = axisWidth(["0", "5", "10"]);
    const wide = axisWidth(["$0", "$0.0025", "$0.005"]);
    expect(wide).toBeGreaterThan(narrow);
    // 7 characters at 11 px need about 45 px, plus the tick line and the axis title
    expect(wide).toBeGreaterThanOrEqual(7 * 6.5 + 20);
    expect(axisWidth(["$0.0025"], false)).toBe(wide - 20);
    expect(edgeRoom("Dec 31")).toBeGreaterThan(edgeRoom("1"));
    expect(edgeRoom(undefined)).toBe(8);
  });
});
