"use client";

import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from "recharts";
import { edgeMargins, surface, timeXAxis, valueAxis } from "@/app/_components/charts/axes";
import { ChartFrame, type LegendItem, TooltipBox } from "@/app/_components/charts/ChartFrame";
import { niceTicks, ticksFor } from "@/app/_components/charts/ticks";
import { fullTime, zoneName } from "@/app/_components/charts/time";
import { Card } from "@/app/_components/ui";
import { compactNumber, type Grid, type Series, STEP_MS, utcDays } from "./series";

/** Up to this many buckets every point gets a dot; past it the lines alone. */
const DOTS_UP_TO = 60;

export interface TimeChartProps {
  title: string;
  /** what the chart shows, with units */
  description: string;
  grid: Grid;
  series: Series[];
  /** the y axis' title, with units: "traces", "cost (USD)" */
  yTitle: string;
  /** values in the tooltip and the table */
  format: (v: number) => string;
  /** y-axis tick labels; short numbers by default */
  axisFormat?: (v: number) => string;
  /** counts: whole-number ticks */
  integer?: boolean;
  /** a fixed y range (a score's 1..5, a share's 0..100) instead of one from the data */
  yRange?: [number, number];
  /** show the legend even for one series (per-model charts) */
  legend?: boolean;
  /** said under the legend, e.g. "solid p50, dashed p95" */
  legendNote?: string;
  /** shown instead of the chart when no bucket has a value */
  empty?: string;
  /** older data shown while new data loads */
  busy?: boolean;
}

/**
 * A time series over the charts page's bucket grid (recharts on the shared chart kit): round y
 * ticks from 0 (or the given range), hours in the viewer's time zone, UTC days said as such, gaps
 * where a value is null. Hover or focus it (then ←/→) for the tooltip; "Show as table" lists the data.
 */
export function TimeChart({
  title,
  description,
  grid,
  series,
  yTitle,
  format,
  axisFormat = compactNumber,
  integer,
  yRange,
  legend,
  legendNote,
  empty,
  busy,
}: TimeChartProps) {
  const { times, present } = grid;
  const utc = utcDays(grid);
  const full = fullTime({ utc, dateOnly: grid.bucket === "day" });
  const rows = times.map((_, i) => i).filter((i) => present[i]);
  const hasData = rows.some((i) => series.some((s) => s.values[i] !== null && s.values[i] !== undefined));
  // recharts reads a dotted dataKey as a path, and model names have dots: series are s0, s1, ...
  const data = times.map((t, i) => Object.fromEntries([["t", t], ...series.map((s, k) => [`s${k}`, s.values[i] ?? null])]));

  const yTicks = yRange
    ? niceTicks(yRange[0], yRange[1], { zero: false, integer })
    : ticksFor(
        series.flatMap((s) => s.values),
        { integer },
      );
  const y = valueAxis({ ticks: yTicks, format: axisFormat, title: yTitle });
  const axis = timeXAxis({
    from: times[0] ?? 0,
    to: times.at(-1) ?? 0,
    utc,
    pad: STEP_MS[grid.bucket] / 2,
    title: grid.bucket === "day" ? `day (${zoneName(utc)})` : `hour (${zoneName(utc)})`,
  });
  // ticks on bucket starts only (no 6 AM tick inside a day bucket); a zone off by half an hour keeps the round times
  const onGrid = new Set(times);
  const bucketTicks = axis.ticks.filter((t) => onGrid.has(t));
  const x = { ...axis, ticks: bucketTicks.length ? bucketTicks : times.length === 1 ? times : axis.ticks };
  const legendItems: LegendItem[] = [
    ...new Map(
      series.map((s) => [
        s.group ?? s.label,
        { label: s.group ?? s.label, color: s.color, shape: !s.group && s.dashed ? ("dashed" as const) : ("line" as const) },
      ]),
    ).values(),
  ];
  const showLegend = legend || series.length > 1;

  return (
    <Card>
      <ChartFrame
        title={title}
        description={description}
        busy={busy}
        empty={hasData ? undefined : (empty ?? "No data for these filters.")}
        legend={showLegend ? legendItems : undefined}
        table={{
          columns: [grid.bucket === "day" ? "Day" : "Hour", ...series.map((s) => s.label)],
          rows: rows.map((i) => [
            full(times[i] ?? 0),
            ...series.map((s) => (s.values[i] === null || s.values[i] === undefined ? "—" : format(s.values[i] as number))),
          ]),
        }}
        height={240}
      >
        <LineChart data={data} {...surface(`${title}: ${description}`)} margin={edgeMargins(x, y.width)}>
          <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" vertical={false} />
          <XAxis {...x} />
          <YAxis {...y} />
          <Tooltip
            content={({ active, label, payload }) => {
              if (!active || typeof label !== "number") return null;
              const row = payload?.[0]?.payload as Record<string, number | null> | undefined;
              const lines = series
                .map((s, k) => ({ label: s.label, value: row?.[`s${k}`] ?? null, color: s.color }))
                .filter((l) => series.length <= 4 || l.value !== null);
              return (
                <TooltipBox
                  heading={full(label)}
                  lines={
                    lines.length
                      ? lines.map((l) => ({ ...l, value: l.value === null ? "—" : format(l.value) }))
                      : [{ label: "No data", value: "" }]
                  }
                />
              );
            }}
          />
          {series.map((s, k) => (
            <Line
              key={s.key}
              dataKey={`s${k}`}
              name={s.label}
              stroke={s.color}
              strokeWidth={1.75}
              strokeDasharray={s.dashed ? "5 3" : undefined}
              dot={times.length <= DOTS_UP_TO ? { r: 2, fill: s.color } : false}
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ChartFrame>
      {showLegend && legendNote && <p className="mt-1 text-xs text-slate-500">{legendNote}</p>}
    </Card>
  );
}

/** A chart's card while its data loads. */
export function ChartSkeleton({ title }: { title: string }) {
  return (
    <Card title={title}>
      <div role="status" aria-label={`Loading ${title}`} className="h-60 w-full animate-pulse rounded bg-slate-100" />
    </Card>
  );
}
