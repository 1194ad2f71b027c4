/**
 * Time axes in the viewer's time zone (Intl without a timeZone): ticks at round local times (whole
 * minutes, hours, days or months, by the span) and labels that say as much as the step needs.
 * `utc: true` does the same in UTC, for buckets the server cut at UTC midnight.
 */

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

type Unit = "minute" | "hour" | "day" | "month";
interface Step {
  unit: Unit;
  n: number;
  /** about how long, to pick the step */
  ms: number;
}

const STEPS: Step[] = [
  ...[1, 2, 5, 10, 15, 30].map((n) => ({ unit: "minute" as const, n, ms: n * MIN })),
  ...[1, 2, 3, 6, 12].map((n) => ({ unit: "hour" as const, n, ms: n * HOUR })),
  ...[1, 2, 7, 14].map((n) => ({ unit: "day" as const, n, ms: n * DAY })),
  ...[1, 3, 6, 12, 24, 60, 120].map((n) => ({ unit: "month" as const, n, ms: n * 30 * DAY })),
];

/** Calendar fields of an instant, local or UTC. */
function parts(t: number, utc: boolean) {
  const d = new Date(t);
  return utc
    ? { y: d.getUTCFullYear(), mo: d.getUTCMonth(), d: d.getUTCDate(), h: d.getUTCHours(), mi: d.getUTCMinutes() }
    : { y: d.getFullYear(), mo: d.getMonth(), d: d.getDate(), h: d.getHours(), mi: d.getMinutes() };
}
const make = (utc: boolean, y: number, mo: number, d = 1, h = 0, mi = 0) =>
  utc ? Date.UTC(y, mo, d, h, mi) : new Date(y, mo, d, h, mi).getTime();

/** Whether a round instant of the step's unit falls on the step (every 6th hour, every other day...). */
function onStep(t: number, s: Step, utc: boolean): boolean {
  const p = parts(t, utc);
  if (s.unit === "minute") return p.mi % s.n === 0;
  if (s.unit === "hour") return p.h % s.n === 0;
  // days 1, 8, 15, 22, 29 for weeks: the month's own rhythm, so labels repeat month to month
  if (s.unit === "day") return (p.d - 1) % s.n === 0 && (s.n === 1 || p.d + s.n <= 32);
  return (p.y * 12 + p.mo) % s.n === 0;
}

/** The round instants of a unit from the first at or after `from` to `to`. */
function* units(from: number, to: number, unit: Unit, utc: boolean): Generator<number> {
  const p = parts(from, utc);
  let k = 0;
  for (;;) {
    // built from calendar fields each time, so a DST change shifts nothing
    const t =
      unit === "minute"
        ? make(utc, p.y, p.mo, p.d, p.h, p.mi + k)
        : unit === "hour"
          ? make(utc, p.y, p.mo, p.d, p.h + k)
          : unit === "day"
            ? make(utc, p.y, p.mo, p.d + k)
            : make(utc, p.y, p.mo + k);
    k++;
    if (t < from) continue;
    if (t > to) return;
    yield t;
  }
}

/** The step that gives at most `max` ticks over [from, to]. */
export function timeStep(from: number, to: number, max = 6): Step {
  const span = Math.max(0, to - from);
  return STEPS.find((s) => span / s.ms <= Math.max(1, max - 1)) ?? (STEPS.at(-1) as Step);
}

/** Ticks at round local (or UTC) times over [from, to], at most `max` of them. */
export function timeTicks(from: number, to: number, opts: { max?: number; utc?: boolean } = {}): number[] {
  const { max = 6, utc = false } = opts;
  if (!(to >= from)) return [];
  for (let i = STEPS.indexOf(timeStep(from, to, max)); i < STEPS.length; i++) {
    const s = STEPS[i] as Step;
    const out: number[] = [];
    for (const t of units(from, to, s.unit, utc)) if (onStep(t, s, utc)) out.push(t);
    if (out.length <= max) return out.length ? out : [from];
  }
  return [from];
}

/**
 * Tick labels for ticks over [from, to]: times within a day; over several days hour ticks name the
 * date at midnight and the hour otherwise (short labels, so six fit a half-width chart); dates for
 * day steps, months past a few months.
 */
export function timeTickFormat(from: number, to: number, opts: { max?: number; utc?: boolean } = {}): (t: number) => string {
  const s = timeStep(from, to, opts.max);
  const timeZone = opts.utc ? "UTC" : undefined;
  const date = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", timeZone });
  if (s.unit === "month") {
    const month = new Intl.DateTimeFormat(undefined, { month: "short", year: "numeric", timeZone });
    return (t) => month.format(t);
  }
  if (s.unit === "day") return (t) => date.format(t);
  const time = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit", timeZone });
  if (to - from < DAY) return (t) => time.format(t);
  return (t) => {
    const p = parts(t, !!opts.utc);
    return p.h === 0 && p.mi === 0 ? date.format(t) : time.format(t);
  };
}

/** A full date and time for tooltips and tables, in the viewer's zone (or UTC, saying so). */
export function fullTime(opts: { utc?: boolean; dateOnly?: boolean } = {}): (t: number) => string {
  const timeZone = opts.utc ? "UTC" : undefined;
  const f = opts.dateOnly
    ? new Intl.DateTimeFormat(undefined, { weekday: "short", year: "numeric", month: "short", day: "numeric", timeZone })
    : new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short", timeZone });
  return (t) => `${f.format(t)}${opts.utc ? " (UTC)" : ""}`;
}

/** The viewer's time zone name for axis titles ("Europe/Berlin"), or "UTC". */
export function zoneName(utc = false): string {
  return utc ? "UTC" : (Intl.DateTimeFormat().resolvedOptions().timeZone ?? "local time");
}
