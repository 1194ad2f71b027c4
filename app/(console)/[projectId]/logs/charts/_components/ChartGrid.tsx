"use client";

import { formatCost } from "@/app/_lib/format";
import { formatInt, formatLatency } from "../../_components/format";
import { scoreCharts } from "./scores";
import { alignByModel, type ChartPoint, colorAt, compactNumber, type Grid, type ScoreSeries, type Series } from "./series";
import { ChartSkeleton, TimeChart } from "./TimeChart";

export const CHART_TITLES = ["Volume", "Error rate", "Latency", "Cost", "Tokens", "Ratings"] as const;

type Aligned = ReturnType<typeof alignByModel>;
interface Metric {
  name: string;
  /** the value of a bucket that has traces */
  value: (p: ChartPoint) => number | null;
  /** counts and sums are 0 in a bucket without traces; rates and means are undefined there */
  zeroFill: boolean;
  /** overall series label and colour */
  label: string;
  color: string;
  /** per model, the second metric of a chart is the dashed line in the model's colour */
  dashed?: boolean;
  /** per model, appended to the model name ("gpt-4o p95") */
  suffix?: string;
}

function seriesOf(aligned: Aligned, byModel: boolean, metrics: Metric[]): Series[] {
  const values = (pts: (ChartPoint | undefined)[], m: Metric) => pts.map((p) => (p ? m.value(p) : m.zeroFill ? 0 : null));
  if (!byModel) {
    const pts = aligned[0]?.points ?? [];
    return metrics.map((m) => ({ key: m.name, label: m.label, color: m.color, values: values(pts, m) }));
  }
  return aligned.flatMap(({ model, points }, k) =>
    metrics.map((m) => ({
      key: `${model}\u0000${m.name}`,
      label: m.suffix ? `${model} ${m.suffix}` : model,
      group: model,
      color: colorAt(k),
      dashed: m.dashed,
      values: values(points, m),
    })),
  );
}

const pct = (v: number) => `${Number(v.toFixed(2))}%`;
const ms = (v: number) => (v >= 1000 ? `${compactNumber(v / 1000)}s` : `${compactNumber(v)}ms`);
const usd = (v: number) => `$${compactNumber(v)}`;

/**
 * The small multiples over one set of chart points (overall, or per model), then a chart per score
 * name (always over every model). `scores` is null while the rating series load.
 */
export function ChartGrid({
  points,
  scores,
  grid,
  byModel,
  busy,
}: {
  points: ChartPoint[];
  scores: ScoreSeries[] | null;
  grid: Grid;
  byModel: boolean;
  busy?: boolean;
}) {
  const aligned = alignByModel(points, grid);
  const common = { grid, busy, legend: byModel };
  const m = (name: string, value: Metric["value"], zeroFill: boolean, label: string, color: string, more?: Partial<Metric>): Metric => ({
    name,
    value,
    zeroFill,
    label,
    color,
    ...more,
  });

  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <TimeChart
        {...common}
        title="Volume"
        description="Traces per bucket (count)"
        yTitle="traces (count)"
        integer
        series={seriesOf(aligned, byModel, [m("traces", (p) => p.traces, true, "Traces", colorAt(0))])}
        format={formatInt}
      />
      <TimeChart
        {...common}
        title="Error rate"
        description="Share of traces with status error (%)"
        yTitle="error rate (%)"
        series={seriesOf(aligned, byModel, [m("errors", (p) => p.errorRate * 100, false, "Error rate", colorAt(3))])}
        format={(v) => `${v.toFixed(1)}%`}
        axisFormat={pct}
      />
      <TimeChart
        {...common}
        title="Latency"
        description="Trace latency p50 and p95 (ms)"
        yTitle="latency (ms / s)"
        series={seriesOf(aligned, byModel, [
          m("p50", (p) => p.latencyP50, false, "p50", colorAt(0), { suffix: "p50" }),
          m("p95", (p) => p.latencyP95, false, "p95", colorAt(2), { suffix: "p95", dashed: true }),
        ])}
        format={formatLatency}
        axisFormat={ms}
        legendNote={byModel ? "Solid: p50, dashed: p95" : undefined}
        empty="No latencies recorded for these traces."
      />
      <TimeChart
        {...common}
        title="Cost"
        description="Summed cost (USD)"
        yTitle="cost (USD)"
        series={seriesOf(aligned, byModel, [m("cost", (p) => p.cost, true, "Cost", colorAt(1))])}
        format={formatCost}
        axisFormat={usd}
      />
      <TimeChart
        {...common}
        title="Tokens"
        description="Input and output tokens per bucket (count)"
        yTitle="tokens (count)"
        integer
        series={seriesOf(aligned, byModel, [
          m("input", (p) => p.inputTokens, true, "Input", colorAt(4), { suffix: "input" }),
          m("output", (p) => p.outputTokens, true, "Output", colorAt(5), { suffix: "output", dashed: true }),
        ])}
        format={formatInt}
        legendNote={byModel ? "Solid: input, dashed: output" : undefined}
      />
      <section aria-labelledby="ratings-heading" className="flex flex-col gap-4 lg:col-span-2">
        <h2 id="ratings-heading" className="text-sm font-semibold text-slate-900">
          Ratings, per score
        </h2>
        {scores === null ? (
          <ChartSkeleton title="Ratings" />
        ) : scores.length === 0 ? (
          <p className="rounded-md border border-dashed border-slate-300 px-4 py-8 text-center text-sm text-slate-500">
            No ratings in this range. Each score (thumbs, a 1 to 5 scale, labels) gets its own chart here once rated.
          </p>
        ) : (
          <div className="grid gap-4 lg:grid-cols-2">
            {scoreCharts(scores, grid).map(({ key, ...chart }) => (
              <TimeChart
                key={key}
                grid={grid}
                busy={busy}
                legend={chart.series.length > 1}
                empty="No ratings of this score in this range."
                {...chart}
              />
            ))}
          </div>
        )}
      </section>
    </div>
  );
}

export function ChartGridSkeleton() {
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      {CHART_TITLES.map((t) => (
        <ChartSkeleton key={t} title={t} />
      ))}
    </div>
  );
}
