/**
 * Value axes that read well: ticks at 1, 2 or 5 × 10^n steps (0, 10, 20, 30, never 7.89 / 24.93),
 * integers only for counts, and room enough for the longest tick label. Pure, unit-tested beside.
 */

/** The smallest 1, 2 or 5 × 10^n step at least `raw` (raw > 0). */
export function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const mag = 10 ** Math.floor(Math.log10(raw));
  // 1e-9: log10 of an exact power of ten can land a hair below it
  const m = [1, 2, 5, 10].find((k) => k * mag >= raw * (1 - 1e-9)) ?? 10;
  return Number((m * mag).toPrecision(12));
}

export interface TickOptions {
  /** about this many intervals (default 4); the result has at most count + 2 ticks */
  count?: number;
  /** counts: steps of whole numbers only (never 0, 2, 3 with a missing 1) */
  integer?: boolean;
  /** start at 0 when every value is positive (bars, volumes, costs); default true */
  zero?: boolean;
}

/**
 * Round ticks covering [min, max], first and last tick outside or on the data: use the first and
 * last as the axis domain. An empty or flat range still gets two ticks.
 */
export function niceTicks(min: number, max: number, opts: TickOptions = {}): number[] {
  const { count = 4, integer = false, zero = true } = opts;
  let lo = Number.isFinite(min) ? min : 0;
  let hi = Number.isFinite(max) ? max : 0;
  if (lo > hi) [lo, hi] = [hi, lo];
  if (zero && lo > 0) lo = 0;
  if (zero && hi < 0) hi = 0;
  if (hi === lo) {
    // a flat line: a step around the value itself (0 gets 0..1)
    const pad = lo === 0 ? 1 : niceStep(Math.abs(lo) / 2);
    if (zero && lo === 0) hi = integer ? 1 : pad;
    else [lo, hi] = [lo - pad, hi + pad];
  }
  let step = niceStep((hi - lo) / Math.max(1, count));
  if (integer) step = Math.max(1, Math.round(step));
  const first = Math.floor(lo / step + 1e-9) * step;
  const last = Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let k = 0; first + k * step <= last + step / 2; k++) ticks.push(Number((first + k * step).toPrecision(12)));
  return ticks.map((t) => (Object.is(t, -0) ? 0 : t));
}

/** Ticks over a list of values (nulls skipped), e.g. every series of a chart at once. */
export function ticksFor(values: (number | null | undefined)[], opts?: TickOptions): number[] {
  let lo = Infinity;
  let hi = -Infinity;
  // a loop, not Math.min(...values): many thousand points would overflow the call stack
  for (const v of values) {
    if (v === null || v === undefined || !Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo === Infinity ? niceTicks(0, 0, opts) : niceTicks(lo, hi, opts);
}

/** Pixels per character of an 11 px tick label: a little over the widest digit, so nothing clips. */
const CHAR_PX = 7;

/**
 * A y axis' width in px for its formatted tick labels: the longest label, the tick line, and the
 * rotated axis title beside it when there is one.
 */
export function axisWidth(labels: string[], withTitle = true): number {
  const longest = labels.reduce((n, l) => Math.max(n, l.length), 1);
  return Math.ceil(longest * CHAR_PX) + 12 + (withTitle ? 20 : 0);
}

/** Room beside the plot for half of an x tick label centred on the plot's edge. */
export const edgeRoom = (label: string | undefined): number => Math.ceil(((label?.length ?? 0) * CHAR_PX) / 2) + 8;

const compact = new Intl.NumberFormat(undefined, { notation: "compact", maximumFractionDigits: 1 });
/** A tick value as a short label: 12K for large ones, otherwise the number without float noise (0.3, not 0.30000000000000004). */
export function formatTick(v: number): string {
  if (Math.abs(v) >= 10_000) return compact.format(v);
  return String(Number(v.toPrecision(6)));
}
