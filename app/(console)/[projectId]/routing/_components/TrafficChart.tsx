"use client";

import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis } from "recharts";
import { AXIS, AXIS_LABEL, edgeMargins, surface, valueAxis } from "@/app/_components/charts/axes";
import { ChartFrame, TooltipBox } from "@/app/_components/charts/ChartFrame";
import { formatTick, ticksFor } from "@/app/_components/charts/ticks";
import { fullTime, timeTickFormat, timeTicks, zoneName } from "@/app/_components/charts/time";

/** Distinct colours per target, then repeating. */
export const TARGET_COLORS = ["#4f46e5", "#dc2626", "#059669", "#d97706", "#0891b2", "#7c3aed", "#db2777", "#65a30d"];

const HOUR = 3600_000;
const when = fullTime();

interface Bucket {
  hour: string;
  target: string;
  calls: number;
}

/** Calls per hour stacked by target, over the last `hours` (empty hours included), hours in the viewer's zone. */
export function TrafficChart({ buckets, targets, hours }: { buckets: Bucket[]; targets: string[]; hours: number }) {
  const now = Math.floor(Date.now() / HOUR) * HOUR;
  const slots = Array.from({ length: hours }, (_, i) => now - (hours - 1 - i) * HOUR);
  const at = new Map<string, number>();
  for (const b of buckets) {
    // date_trunc('hour', ...)::text reads "2026-11-26 10:00:00+00"; ISO wants "T" and "+00:00"
    const t = Date.parse(b.hour.replace(" ", "T").replace(/([+-]\d\d)$/, "$1:00"));
    at.set(`${t}|${b.target}`, (at.get(`${t}|${b.target}`) ?? 0) + b.calls);
  }
  // recharts reads a dotted dataKey as a path, and target names have dots: targets are c0, c1, ...
  const data = slots.map((t) => Object.fromEntries([["t", t], ...targets.map((name, k) => [`c${k}`, at.get(`${t}|${name}`) ?? 0])]));
  const totals = slots.map((s) => targets.reduce((sum, name) => sum + (at.get(`${s}|${name}`) ?? 0), 0));
  const first = slots[0] ?? now;
  const last = slots.at(-1) ?? now;
  // bars sit on a category axis (one slot per hour); its ticks are the round local hours among the slots
  const ticks = timeTicks(first, last, { max: 8 });
  const tickLabel = timeTickFormat(first, last, { max: 8 });
  const y = valueAxis({ ticks: ticksFor(totals, { integer: true }), format: formatTick, title: "calls (count)" });
  const summary = targets
    .map((name) => `${name}: ${buckets.filter((b) => b.target === name).reduce((s, b) => s + b.calls, 0)} calls`)
    .join("; ");

  return (
    <ChartFrame
      title="Calls per hour"
      description={`Calls per hour by target over the last ${hours} hours, stacked (count).`}
      legend={targets.map((name, k) => ({ label: name, color: TARGET_COLORS[k % TARGET_COLORS.length] as string }))}
      table={{
        columns: ["Hour", ...targets, "Total"],
        rows: slots.flatMap((t, i) =>
          totals[i] ? [[when(t), ...targets.map((name) => at.get(`${t}|${name}`) ?? 0), totals[i] ?? 0]] : [],
        ),
        note: "hours without calls are left out",
      }}
      height={220}
    >
      <BarChart
        data={data}
        {...surface(`Calls per hour by target over the last ${hours} hours. ${summary}`)}
        margin={edgeMargins({ ticks, tickFormatter: tickLabel }, y.width)}
        barCategoryGap="15%"
      >
        <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" vertical={false} />
        <XAxis
          {...AXIS}
          dataKey="t"
          ticks={ticks}
          interval="preserveStartEnd"
          tickFormatter={(t: number) => tickLabel(t)}
          height={44}
          label={{ value: `hour (${zoneName()})`, position: "insideBottom", offset: 0, ...AXIS_LABEL }}
        />
        <YAxis {...y} />
        <Tooltip
          cursor={{ fill: "#f1f5f9" }}
          content={({ active, label, payload }) => {
            if (!active || typeof label !== "number") return null;
            const lines = (payload ?? []).filter((p) => Number(p.value) > 0);
            return (
              <TooltipBox
                heading={when(label)}
                lines={
                  lines.length
                    ? lines.map((p) => ({ label: String(p.name), value: String(p.value), color: String(p.color) }))
                    : [{ label: "no calls", value: "" }]
                }
              />
            );
          }}
        />
        {targets.map((name, k) => (
          <Bar
            key={name}
            dataKey={`c${k}`}
            name={name}
            stackId="calls"
            fill={TARGET_COLORS[k % TARGET_COLORS.length]}
            isAnimationActive={false}
          />
        ))}
      </BarChart>
    </ChartFrame>
  );
}
