"use client";

import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from "recharts";
import { edgeMargins, numberXAxis, surface, valueAxis } from "@/app/_components/charts/axes";
import { ChartFrame, TooltipBox } from "@/app/_components/charts/ChartFrame";
import { formatTick, niceTicks, ticksFor } from "@/app/_components/charts/ticks";
import { formatValue } from "./shared";

export interface ChartSeries {
  /** legend text (a run's name) */
  label: string;
  color: string;
  steps: number[];
  values: number[];
}

/** Distinct colours for up to ten runs (the compare limit), then repeating. */
export const RUN_COLORS = ["#4f46e5", "#dc2626", "#059669", "#d97706", "#0891b2", "#7c3aed", "#db2777", "#65a30d", "#475569", "#ea580c"];

/** Rows past this many steps are thinned in the table (evenly, last step kept); the chart draws them all. */
const TABLE_ROWS = 500;

/** One metric over steps, a line per series (run); the legend names each series with its last value. */
export function MetricChart({ title, series }: { title: string; series: ChartSeries[] }) {
  const lines = series.map((s) => ({ ...s, data: s.values.map((v, i) => ({ x: s.steps[i] ?? i, y: v })) }));
  const all = lines.flatMap((l) => l.data);
  // loops, not Math.min(...): a spread of many thousand points can overflow the call stack
  let [x0, x1] = [Infinity, -Infinity];
  for (const p of all) [x0, x1] = [Math.min(x0, p.x), Math.max(x1, p.x)];
  const x = numberXAxis({ ticks: niceTicks(x0, x1, { integer: true, zero: false }), format: formatTick, title: "step" });
  const y = valueAxis({
    ticks: ticksFor(
      all.map((p) => p.y),
      { zero: false },
    ),
    format: formatTick,
    title,
  });
  const summary = series
    .map((s) => `${s.label}: ${s.values.length} points, last ${formatValue(s.values.at(-1))} at step ${s.steps.at(-1)}`)
    .join("; ");
  const steps = [...new Set(all.map((p) => p.x))].sort((a, b) => a - b);
  const every = Math.ceil(steps.length / TABLE_ROWS);
  const shown = steps.filter((_, i) => i % every === 0 || i === steps.length - 1);
  const at = lines.map((l) => new Map(l.data.map((p) => [p.x, p.y])));

  return (
    <ChartFrame
      title={title}
      description={`${title} by training step${series.length > 1 ? `, a line per run (${series.length})` : ""}.`}
      empty={all.length === 0 ? "No points." : undefined}
      legend={
        series.length > 1
          ? series.map((s) => ({ label: `${s.label} (last ${formatValue(s.values.at(-1))})`, color: s.color, shape: "line" }))
          : undefined
      }
      table={{
        columns: ["Step", ...series.map((s) => s.label)],
        rows: shown.map((step) => [step, ...at.map((m) => formatValue(m.get(step)))]),
        note: every > 1 ? `every ${every}th of ${steps.length} steps, and the last` : undefined,
      }}
      height={240}
    >
      <LineChart {...surface(`${title} by step. ${summary}`)} margin={edgeMargins(x, y.width)}>
        <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" />
        <XAxis {...x} />
        <YAxis {...y} dataKey="y" />
        <Tooltip
          content={({ active, label, payload }) => {
            if (!active || !payload?.length) return null;
            return (
              <TooltipBox
                heading={`step ${label}`}
                lines={payload.map((p) => ({ label: String(p.name), value: formatValue(p.value), color: String(p.color) }))}
              />
            );
          }}
        />
        {lines.map((l) => (
          <Line
            key={l.label}
            data={l.data}
            dataKey="y"
            name={l.label}
            stroke={l.color}
            strokeWidth={1.75}
            dot={l.data.length === 1 ? { r: 3, fill: l.color } : false}
            isAnimationActive={false}
          />
        ))}
      </LineChart>
    </ChartFrame>
  );
}
