import { describe, expect, it } from "vitest";
import { fullTime, timeTickFormat, timeTicks } from "./time";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * These hold in any time zone the test runs in: ticks are checked with the same local calendar
 * they are built from (getHours, getDate), never against fixed UTC instants.
 */
describe("timeTicks", () => {
  const from = new Date(2026, 2, 10, 9, 17).getTime();

  it("a day's span ticks at round local hours, inside the range, at most max of them", () => {
    const to = from + DAY;
    const ticks = timeTicks(from, to, { max: 6 });
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    expect(ticks.length).toBeLessThanOrEqual(6);
    const step = (ticks[1] as number) - (ticks[0] as number);
    expect(step % HOUR).toBe(0);
    for (const t of ticks) {
      const d = new Date(t);
      expect(t).toBeGreaterThanOrEqual(from);
      expect(t).toBeLessThanOrEqual(to);
      expect(d.getMinutes()).toBe(0);
      expect(d.getHours() % (step / HOUR)).toBe(0);
    }
  });

  it("a month's span ticks at local midnights", () => {
    const ticks = timeTicks(from, from + 30 * DAY, { max: 6 });
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    expect(ticks.length).toBeLessThanOrEqual(6);
    for (const t of ticks) {
      const d = new Date(t);
      expect([d.getHours(), d.getMinutes()]).toEqual([0, 0]);
    }
  });

  it("an hour's span ticks at round minutes; years tick at month starts", () => {
    for (const t of timeTicks(from, from + HOUR, { max: 6 })) expect(new Date(t).getMinutes() % 15).toBe(0);
    const years = timeTicks(from, from + 800 * DAY, { max: 6 });
    expect(years.length).toBeLessThanOrEqual(6);
    for (const t of years) expect(new Date(t).getDate()).toBe(1);
  });

  it("utc ticks at UTC midnights, for buckets cut at UTC midnight", () => {
    const start = Date.UTC(2026, 0, 1, 5);
    for (const t of timeTicks(start, start + 10 * DAY, { max: 6, utc: true })) {
      expect(new Date(t).getUTCHours()).toBe(0);
    }
  });

  it("a single instant still gets a tick", () => {
    expect(timeTicks(from, from)).toEqual([from]);
    expect(timeTicks(from + 1, from)).toEqual([]);
  });
});

describe("labels", () => {
  it("name the date at midnight and the hour otherwise over several days", () => {
    const start = new Date(2026, 2, 10, 0, 0).getTime();
    const fmt = timeTickFormat(start, start + 2 * DAY);
    const date = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" }).format(start);
    expect(fmt(start)).toBe(date);
    expect(fmt(start + 6 * HOUR)).not.toBe(date);
    expect(fullTime({ utc: true })(start)).toMatch(/\(UTC\)$/);
  });
});
