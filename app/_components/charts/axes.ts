import { axisWidth, edgeRoom } from "./ticks";
import { timeTickFormat, timeTicks } from "./time";

/**
 * Axis props for recharts, shared by every chart: small slate ticks, a title with units on each
 * axis, the ticks we computed (round values, round times) and room enough for their labels.
 */

export const AXIS = { tick: { fontSize: 11, fill: "#475569" }, stroke: "#cbd5e1", tickLine: { stroke: "#cbd5e1" } } as const;
export const AXIS_LABEL = { fontSize: 11, fill: "#334155" } as const;

/** A y axis over `ticks` (from niceTicks), as wide as its longest label plus its rotated title. */
export function valueAxis(o: { ticks: number[]; format: (v: number) => string; title: string }) {
  return {
    ...AXIS,
    type: "number" as const,
    ticks: o.ticks,
    domain: [o.ticks[0] ?? 0, o.ticks.at(-1) ?? 1],
    interval: 0 as const,
    allowDataOverflow: true,
    tickFormatter: (v: number) => o.format(v),
    width: axisWidth(o.ticks.map(o.format)),
    label: {
      value: o.title,
      angle: -90,
      position: "insideLeft" as const,
      offset: 12,
      style: { textAnchor: "middle" as const },
      ...AXIS_LABEL,
    },
  };
}

/** An x axis over numbers (steps, shares), with its title under the tick labels. */
export function numberXAxis(o: { ticks: number[]; format: (v: number) => string; title: string; dataKey?: string }) {
  return {
    ...AXIS,
    dataKey: o.dataKey ?? "x",
    type: "number" as const,
    ticks: o.ticks,
    domain: [o.ticks[0] ?? 0, o.ticks.at(-1) ?? 1],
    interval: 0 as const,
    tickFormatter: (v: number) => o.format(v),
    height: 44,
    label: { value: o.title, position: "insideBottom" as const, offset: 0, ...AXIS_LABEL },
  };
}

/**
 * A time x axis over [from, to] in the viewer's zone (or UTC), ticks at round times. A single
 * instant is widened by `pad` ms either side so its point sits mid-chart.
 */
export function timeXAxis(o: { from: number; to: number; title: string; utc?: boolean; pad?: number; dataKey?: string; max?: number }) {
  const pad = o.to > o.from ? 0 : (o.pad ?? 3_600_000);
  const [from, to] = [o.from - pad, o.to + pad];
  const opts = { utc: o.utc, max: o.max ?? 6 };
  const ticks = timeTicks(from, to, opts);
  const format = timeTickFormat(from, to, opts);
  return {
    ...AXIS,
    dataKey: o.dataKey ?? "t",
    type: "number" as const,
    scale: "time" as const,
    domain: [from, to],
    ticks,
    interval: "preserveStartEnd" as const,
    tickFormatter: (t: number) => format(t),
    height: 44,
    label: { value: o.title, position: "insideBottom" as const, offset: 0, ...AXIS_LABEL },
  };
}

/**
 * Chart margins that keep the outermost x tick labels whole: the last label centred on the plot's
 * right edge needs half its width there; the first one borrows the y axis' width on the left.
 */
export function edgeMargins(x: { ticks: number[]; tickFormatter: (v: number) => string }, yWidth: number) {
  const first = x.ticks[0];
  const last = x.ticks.at(-1);
  return {
    top: 12,
    right: edgeRoom(last === undefined ? undefined : x.tickFormatter(last)),
    bottom: 4,
    left: Math.max(4, edgeRoom(first === undefined ? undefined : x.tickFormatter(first)) - yWidth),
  };
}

/** Props every chart surface gets: fills its frame, and is an image named by its summary (the table view holds the data). */
export const surface = (label: string) =>
  ({ responsive: true, style: { width: "100%", height: "100%" }, role: "img", title: label }) as const;
