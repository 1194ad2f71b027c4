"use client";

import { useState } from "react";
import { CartesianGrid, ErrorBar, Line, LineChart, Tooltip, XAxis, YAxis } from "recharts";
import { edgeMargins, surface, timeXAxis, valueAxis } from "@/app/_components/charts/axes";
import { ChartFrame, TooltipBox } from "@/app/_components/charts/ChartFrame";
import { formatTick, ticksFor } from "@/app/_components/charts/ticks";
import { fullTime, zoneName } from "@/app/_components/charts/time";
import { Field, Select } from "@/app/_components/ui";
import { aggregatesOf, figureLabel, fmt, orderFigures } from "./figures";

interface ChartRun {
  id: string;
  name: string;
  status: string;
  createdAt: Date;
  aggregates: unknown;
}

interface Point {
  id: string;
  name: string;
  t: number;
  mean: number;
  low: number;
  high: number;
  /** the interval as distances below and above the mean, for the error bar */
  err: [number, number];
}

const COLOR = "#4f46e5";
const when = fullTime();

/** Each succeeded run's mean of one figure with its 95% interval, over the runs' start times; "Show as table" lists them. */
export function RunsChart({ runs }: { runs: ChartRun[] }) {
  const succeeded = runs.filter((r) => r.status === "succeeded").sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  const figures = orderFigures([...new Set(succeeded.flatMap((r) => Object.keys(aggregatesOf(r.aggregates).means ?? {})))]);
  const [chosen, setChosen] = useState("bleu.score");
  const figure = figures.includes(chosen) ? chosen : (figures[0] ?? chosen);

  const points: Point[] = succeeded.flatMap((r) => {
    const m = aggregatesOf(r.aggregates).means?.[figure];
    if (!m || !Number.isFinite(m.mean)) return [];
    const low = Number.isFinite(m.low) ? m.low : m.mean;
    const high = Number.isFinite(m.high) ? m.high : m.mean;
    return [{ id: r.id, name: r.name, t: r.createdAt.getTime(), mean: m.mean, low, high, err: [m.mean - low, high - m.mean] }];
  });

  if (succeeded.length === 0) return <p className="text-sm text-slate-500">No succeeded runs yet.</p>;
  const label = figureLabel(figure);
  const y = valueAxis({
    ticks: ticksFor(
      points.flatMap((p) => [p.low, p.high]),
      { zero: false },
    ),
    format: formatTick,
    title: label,
  });
  const x = timeXAxis({ from: points[0]?.t ?? 0, to: points.at(-1)?.t ?? 0, title: `run started (${zoneName()})` });

  return (
    <div className="flex flex-col gap-4">
      <div className="max-w-xs">
        <Field label="Figure">
          <Select value={figure} onChange={(e) => setChosen(e.target.value)}>
            {(figures.length ? figures : [figure]).map((f) => (
              <option key={f} value={f}>
                {figureLabel(f)} ({f})
              </option>
            ))}
          </Select>
        </Field>
      </div>
      <div className="max-w-3xl">
        <ChartFrame
          title={`${label} by run`}
          description={`Mean ${label} of each succeeded run with its 95% interval, by the time the run started.`}
          empty={points.length === 0 ? `No succeeded run has ${label}.` : undefined}
          legend={[
            { label: "mean", color: COLOR, shape: "dot" },
            { label: "95% interval", color: COLOR, shape: "line" },
          ]}
          table={{
            columns: ["Run", "Started", "Mean", "95% interval low", "95% interval high"],
            rows: points.map((p) => [p.name, when(p.t), fmt(p.mean), fmt(p.low), fmt(p.high)]),
          }}
        >
          <LineChart
            data={points}
            {...surface(
              `${label} by run over time: mean with 95% interval for ${points.length} succeeded run${points.length === 1 ? "" : "s"}`,
            )}
            margin={edgeMargins(x, y.width)}
          >
            <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" vertical={false} />
            <XAxis {...x} />
            <YAxis {...y} />
            <Tooltip
              content={({ active, payload }) => {
                const p = payload?.[0]?.payload as Point | undefined;
                if (!active || !p) return null;
                return (
                  <TooltipBox
                    heading={`${p.name} · ${when(p.t)}`}
                    lines={[
                      { label: `mean ${label}`, value: fmt(p.mean), color: COLOR },
                      { label: "95% interval", value: `${fmt(p.low)} to ${fmt(p.high)}` },
                    ]}
                  />
                );
              }}
            />
            <Line
              dataKey="mean"
              name={`mean ${label}`}
              stroke="#a5b4fc"
              strokeWidth={1.5}
              dot={{ r: 4, fill: COLOR, stroke: COLOR }}
              isAnimationActive={false}
            >
              <ErrorBar dataKey="err" width={8} stroke={COLOR} strokeWidth={1.5} direction="y" />
            </Line>
          </LineChart>
        </ChartFrame>
      </div>
    </div>
  );
}
