"use client";

import { type KeyboardEvent, type PointerEvent, useId, useRef, useState } from "react";
import { cx } from "@/app/_components/classes";
import { Button, Card, Table, Td, Th } from "@/app/_components/ui";
import { SeriesLine, Swatch, Tooltip } from "./ChartParts";
import { compactNumber, type Grid, indexTicks, niceTicks, type Series, timeLabels } from "./series";

/* viewBox units; the SVG scales to its card's width */
const W = 480;
const H = 200;
const PAD = { l: 46, r: 14, t: 10, b: 22 };
const PLOT_W = W - PAD.l - PAD.r;
const PLOT_H = H - PAD.t - PAD.b;
/** Up to this many buckets every point gets a dot; past it only isolated points do. */
const DOTS_UP_TO = 60;

export interface LineChartProps {
  title: string;
  description?: string;
  grid: Grid;
  series: Series[];
  /** values in the tooltip and the table */
  format: (v: number) => string;
  /** y-axis tick labels; short numbers by default */
  axisFormat?: (v: number) => string;
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
 * A time-series line chart in plain SVG: y axis from 0, a few ticks, gaps where a value is null.
 * Read it with the mouse (hover) or the keyboard (focus it, then ←/→, Home, End): both show the
 * same tooltip; the plot is a slider over the buckets whose value text screen readers read out.
 * "Show as table" lists the data.
 */
export function LineChart({
  title,
  description,
  grid,
  series,
  format,
  axisFormat = compactNumber,
  legend,
  legendNote,
  empty,
  busy,
}: LineChartProps) {
  const [asTable, setAsTable] = useState(false);
  const [active, setActive] = useState<number | null>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const hintId = useId();
  const { times, present } = grid;
  const n = times.length;
  const labels = timeLabels(grid);
  const rows = times.map((_, i) => i).filter((i) => present[i]);
  const hasData = rows.some((i) => series.some((s) => s.values[i] !== null && s.values[i] !== undefined));

  const max = Math.max(0, ...series.flatMap((s) => s.values.filter((v): v is number => v !== null)));
  const yTicks = niceTicks(max);
  const top = yTicks.at(-1) || 1;
  const t0 = times[0] ?? 0;
  const span = (times[n - 1] ?? 0) - t0;
  const x = (i: number) => (n <= 1 || span === 0 ? PAD.l + PLOT_W / 2 : PAD.l + (((times[i] ?? 0) - t0) / span) * PLOT_W);
  const y = (v: number) => PAD.t + PLOT_H - (v / top) * PLOT_H;

  // as many x labels as fit without overlapping (about 5.6 units a character at font size 10)
  const xTickCount = n > 1 ? Math.max(2, Math.min(5, Math.floor(PLOT_W / (labels.tick(t0).length * 5.6 + 24)))) : 1;

  const nearest = (vx: number) => {
    let best = 0;
    for (let i = 1; i < n; i++) if (Math.abs(x(i) - vx) < Math.abs(x(best) - vx)) best = i;
    return best;
  };
  const onPointerMove = (e: PointerEvent) => {
    const rect = svgRef.current?.getBoundingClientRect();
    if (!rect?.width || !n) return;
    setActive(nearest(((e.clientX - rect.left) / rect.width) * W));
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (!n) return;
    const at = active ?? n - 1;
    const next = { ArrowLeft: at - 1, ArrowRight: at + 1, Home: 0, End: n - 1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    setActive(Math.min(n - 1, Math.max(0, next)));
  };

  const valueText = (i: number) => {
    const values = series.filter((s) => s.values[i] !== null && s.values[i] !== undefined);
    const text = values.length ? values.map((s) => `${s.label} ${format(s.values[i] as number)}`).join(", ") : "no data";
    return `${labels.full(times[i] ?? 0)}: ${text}`;
  };

  const legendItems = [
    ...new Map(
      series.map((s) => [s.group ?? s.label, { label: s.group ?? s.label, color: s.color, dashed: !s.group && s.dashed }]),
    ).values(),
  ];
  const showLegend = hasData && (legend || series.length > 1);

  return (
    <Card
      title={title}
      description={description}
      actions={
        hasData && (
          <Button
            size="sm"
            variant="ghost"
            aria-pressed={asTable}
            onClick={() => setAsTable((v) => !v)}
            className={cx(asTable && "bg-slate-100")}
          >
            Show as table
          </Button>
        )
      }
    >
      <div aria-busy={busy || undefined} className={cx("flex flex-col gap-3", busy && "opacity-60")}>
        {!hasData ? (
          <p className="rounded-md border border-dashed border-slate-300 px-4 py-12 text-center text-sm text-slate-500">
            {empty ?? "No data for these filters."}
          </p>
        ) : asTable ? (
          <div className="max-h-80 overflow-y-auto">
            <Table label={`${title} data`}>
              <thead>
                <tr>
                  <Th>Bucket</Th>
                  {series.map((s) => (
                    <Th key={s.key} className="text-right">
                      {s.label}
                    </Th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.map((i) => (
                  <tr key={times[i]}>
                    <Td className="whitespace-nowrap">{labels.full(times[i] ?? 0)}</Td>
                    {series.map((s) => {
                      const v = s.values[i];
                      return (
                        <Td key={s.key} className="text-right tabular-nums">
                          {v === null || v === undefined ? "—" : format(v)}
                        </Td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </Table>
          </div>
        ) : (
          // A slider over the buckets: ←/→ move it, and screen readers read aria-valuetext (bucket and values).
          <div
            role="slider"
            tabIndex={0}
            aria-label={`${title} chart`}
            aria-describedby={hintId}
            aria-valuemin={0}
            aria-valuemax={Math.max(0, n - 1)}
            aria-valuenow={active ?? n - 1}
            aria-valuetext={valueText(active ?? n - 1)}
            onPointerMove={onPointerMove}
            onPointerLeave={() => setActive(null)}
            onKeyDown={onKeyDown}
            onFocus={() => setActive((a) => a ?? rows.at(-1) ?? n - 1)}
            onBlur={() => setActive(null)}
            className="relative rounded-md focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500/40"
          >
            <p id={hintId} className="sr-only">
              Left and right arrow keys move between buckets; Show as table lists them all.
            </p>
            <svg ref={svgRef} viewBox={`0 0 ${W} ${H}`} className="block h-auto w-full" aria-hidden="true">
              {yTicks.map((v) => (
                <g key={v}>
                  <line x1={PAD.l} x2={W - PAD.r} y1={y(v)} y2={y(v)} stroke="#e2e8f0" strokeWidth={1} />
                  <text x={PAD.l - 6} y={y(v)} dy="0.32em" textAnchor="end" fontSize={10} fill="#64748b">
                    {axisFormat(v)}
                  </text>
                </g>
              ))}
              {indexTicks(n, xTickCount).map((i, k, all) => (
                <text
                  key={i}
                  x={x(i)}
                  y={H - 6}
                  fontSize={10}
                  fill="#64748b"
                  textAnchor={all.length > 1 && k === 0 ? "start" : all.length > 1 && k === all.length - 1 ? "end" : "middle"}
                >
                  {labels.tick(times[i] ?? 0)}
                </text>
              ))}
              {series.map((s) => (
                <SeriesLine key={s.key} series={s} x={x} y={y} dots={n <= DOTS_UP_TO} />
              ))}
              {active !== null && (
                <g>
                  <line x1={x(active)} x2={x(active)} y1={PAD.t} y2={PAD.t + PLOT_H} stroke="#94a3b8" strokeDasharray="3 3" />
                  {series.map((s) => {
                    const v = s.values[active];
                    return v === null || v === undefined ? null : (
                      <circle key={s.key} cx={x(active)} cy={y(v)} r={3.5} fill="white" stroke={s.color} strokeWidth={2} />
                    );
                  })}
                </g>
              )}
            </svg>
            <Tooltip
              active={active}
              left={active === null ? 0 : x(active) / W}
              heading={active === null ? "" : labels.full(times[active] ?? 0)}
              items={active === null ? [] : series.map((s) => ({ s, v: s.values[active] ?? null }))}
              format={format}
              skipEmpty={series.length > 4}
            />
          </div>
        )}
        {showLegend && (
          <div className="flex flex-col gap-1">
            <ul aria-label="Legend" className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-600">
              {legendItems.map((l) => (
                <li key={l.label} className="flex items-center gap-1.5">
                  <Swatch color={l.color} dashed={l.dashed} />
                  {l.label}
                </li>
              ))}
            </ul>
            {legendNote && <p className="text-xs text-slate-500">{legendNote}</p>}
          </div>
        )}
      </div>
    </Card>
  );
}

/** A chart's card while its data loads. */
export function ChartSkeleton({ title }: { title: string }) {
  return (
    <Card title={title}>
      <div role="status" aria-label={`Loading ${title}`} className="aspect-[12/5] w-full animate-pulse rounded bg-slate-100" />
    </Card>
  );
}
