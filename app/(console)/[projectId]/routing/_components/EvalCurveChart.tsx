"use client";

import { CartesianGrid, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import { edgeMargins, numberXAxis, surface, valueAxis } from "@/app/_components/charts/axes";
import { ChartFrame, TooltipBox } from "@/app/_components/charts/ChartFrame";
import { formatTick, ticksFor } from "@/app/_components/charts/ticks";
import { TARGET_COLORS } from "./TrafficChart";

export interface EvalCurve {
  kind: string;
  points: { share: number; quality: number }[];
}

const pct = (v: number) => `${Number((v * 100).toFixed(1))}%`;
const q3 = (v: number) => v.toFixed(3);
const colorOf = (k: number) => TARGET_COLORS[k % TARGET_COLORS.length] as string;

/**
 * Mean quality of the routed answers versus the share of calls sent to the large model, one line per
 * router kind. The dashed lines are all-small and all-large quality; a better router climbs to
 * the large model's quality at a smaller share.
 */
export function EvalCurveChart({ curves, smallOnly, largeOnly }: { curves: EvalCurve[]; smallOnly: number; largeOnly: number }) {
  const x = numberXAxis({ ticks: [0, 0.25, 0.5, 0.75, 1], format: pct, title: "share of calls to the large model (%)", dataKey: "share" });
  const y = valueAxis({
    ticks: ticksFor([smallOnly, largeOnly, ...curves.flatMap((c) => c.points.map((p) => p.quality))], { zero: false }),
    format: formatTick,
    title: "mean quality",
  });
  const summary = curves.map((c) => `${c.kind}: ${c.points.length} points`).join("; ");

  return (
    <ChartFrame
      title="Quality versus share of large calls"
      description={`Mean quality of the routed answers as more calls go to the large model, a line per router kind; dashed: small only (${q3(smallOnly)}) and large only (${q3(largeOnly)}).`}
      legend={[
        ...curves.map((c, k) => ({ label: c.kind, color: colorOf(k), shape: "line" as const })),
        { label: "small only / large only", color: "#94a3b8", shape: "dashed" as const },
      ]}
      table={{
        columns: ["Router kind", "Share of large calls", "Mean quality"],
        rows: curves.flatMap((c) => c.points.map((p) => [c.kind, pct(p.share), q3(p.quality)])),
      }}
      height={280}
    >
      <LineChart {...surface(`Quality versus share of large calls per router kind. ${summary}`)} margin={edgeMargins(x, y.width)}>
        <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" />
        <XAxis {...x} />
        <YAxis {...y} dataKey="quality" />
        <ReferenceLine
          y={smallOnly}
          stroke="#94a3b8"
          strokeDasharray="4 3"
          label={{ value: "small only", position: "insideBottomRight", fontSize: 10, fill: "#64748b" }}
        />
        <ReferenceLine
          y={largeOnly}
          stroke="#94a3b8"
          strokeDasharray="4 3"
          label={{ value: "large only", position: "insideTopRight", fontSize: 10, fill: "#64748b" }}
        />
        <Tooltip
          content={({ active, label, payload }) => {
            if (!active || !payload?.length) return null;
            return (
              <TooltipBox
                heading={`${pct(Number(label))} of calls to the large model`}
                lines={payload.map((p) => ({ label: String(p.name), value: q3(Number(p.value)), color: String(p.color) }))}
              />
            );
          }}
        />
        {curves.map((c, k) => (
          <Line
            key={c.kind}
            data={c.points}
            dataKey="quality"
            name={c.kind}
            stroke={colorOf(k)}
            strokeWidth={1.75}
            dot={false}
            isAnimationActive={false}
          />
        ))}
      </LineChart>
    </ChartFrame>
  );
}
