"use client";

import { CartesianGrid, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import { AXIS, AXIS_LABEL } from "@/app/_components/charts/axes";
import { ChartFrame, type LegendItem, TooltipBox } from "@/app/_components/charts/ChartFrame";
import { formatDateTime } from "@/app/_lib/format";
import { formatShare, VERDICT_COLORS, VERDICT_LABELS, verdictLabel } from "./format";
import type { TimelinePoint, Verdict } from "./types";

interface Point {
  id: string;
  number: number;
  verdict: Verdict;
  t: number;
  /** percent of tested columns that drifted */
  share: number;
  drifted: number;
  tested: number;
}

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const dayTime = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
const dayOnly = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });

/**
 * Drift share per run over time: a point per run coloured by its verdict, the monitor's driftShare
 * threshold as a dashed line. Clicking a point selects that run.
 */
export function TimelineChart({
  timeline,
  threshold,
  selectedRunId,
  onSelect,
}: {
  timeline: TimelinePoint[];
  /** the monitor's driftShare, 0..1 */
  threshold: number;
  selectedRunId?: string | null;
  onSelect?: (runId: string) => void;
}) {
  const points: Point[] = timeline.map((r) => ({
    id: r.id,
    number: r.number,
    verdict: r.verdict,
    t: new Date(r.createdAt).getTime(),
    share: r.driftShare * 100,
    drifted: r.driftedCount,
    tested: r.columnCount,
  }));
  const ts = points.map((p) => p.t);
  const min = Math.min(...ts);
  const max = Math.max(...ts);
  const pad = Math.max((max - min) * 0.04, HOUR / 2);
  const span = max - min;
  const tick = (t: number) => (span < 3 * DAY ? dayTime.format(t) : dayOnly.format(t));
  const used = new Set(points.map((p) => p.verdict));
  const legend: LegendItem[] = [
    ...(Object.keys(VERDICT_LABELS) as Verdict[])
      .filter((v) => used.has(v))
      .map((v) => ({ label: `run: ${VERDICT_LABELS[v]}`, color: VERDICT_COLORS[v], shape: "dot" as const })),
    { label: `threshold (${formatShare(threshold)} of columns)`, color: "#b91c1c", shape: "dashed" },
  ];

  return (
    <ChartFrame
      title="Verdict timeline"
      description={`Drift share per run (% of tested columns that drifted) over the run time, newest ${points.length} run${points.length === 1 ? "" : "s"}; the dataset drifts at ${formatShare(threshold)}. Click a point to open that run.`}
      legend={legend}
      table={{
        columns: ["Run", "Time", "Verdict", "Drift share", "Drifted columns"],
        rows: [...points]
          .reverse()
          .map((p) => [
            `#${p.number}`,
            formatDateTime(new Date(p.t)),
            verdictLabel(p.verdict),
            formatShare(p.share / 100),
            `${p.drifted} of ${p.tested}`,
          ]),
      }}
    >
      <LineChart data={points} responsive style={{ width: "100%", height: "100%" }} margin={{ top: 12, right: 20, bottom: 8, left: 8 }}>
        <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" />
        <XAxis
          {...AXIS}
          dataKey="t"
          type="number"
          scale="time"
          domain={[min - pad, max + pad]}
          tickFormatter={tick}
          tickCount={6}
          height={44}
          label={{ value: "run time (your local time)", position: "insideBottom", offset: 0, ...AXIS_LABEL }}
        />
        <YAxis
          {...AXIS}
          domain={[0, 100]}
          ticks={[0, 25, 50, 75, 100]}
          tickFormatter={(v: number) => `${v}%`}
          width={62}
          label={{
            value: "drift share (%)",
            angle: -90,
            position: "insideLeft",
            offset: 8,
            style: { textAnchor: "middle" },
            ...AXIS_LABEL,
          }}
        />
        <ReferenceLine
          y={threshold * 100}
          stroke="#b91c1c"
          strokeDasharray="6 3"
          label={{ value: `threshold ${formatShare(threshold)}`, position: "insideTopRight", fontSize: 11, fill: "#b91c1c" }}
        />
        <Tooltip
          content={({ active, payload }) => {
            const p = payload?.[0]?.payload as Point | undefined;
            if (!active || !p) return null;
            return (
              <TooltipBox
                heading={`Run #${p.number} · ${formatDateTime(new Date(p.t))}`}
                lines={[
                  { label: "verdict", value: verdictLabel(p.verdict), color: VERDICT_COLORS[p.verdict] },
                  { label: "drift share", value: formatShare(p.share / 100) },
                  { label: "drifted columns", value: `${p.drifted} of ${p.tested}` },
                ]}
              />
            );
          }}
        />
        <Line
          dataKey="share"
          name="drift share"
          stroke="#94a3b8"
          strokeWidth={1.5}
          isAnimationActive={false}
          dot={(props: { cx?: number; cy?: number; payload?: Point; index?: number }) => (
            <RunDot key={props.payload?.id ?? props.index} {...props} selected={props.payload?.id === selectedRunId} onSelect={onSelect} />
          )}
          activeDot={(props: { cx?: number; cy?: number; payload?: Point }) => <RunDot {...props} selected active onSelect={onSelect} />}
        />
      </LineChart>
    </ChartFrame>
  );
}

function RunDot({
  cx,
  cy,
  payload,
  selected,
  active,
  onSelect,
}: {
  cx?: number;
  cy?: number;
  payload?: Point;
  selected?: boolean;
  active?: boolean;
  onSelect?: (runId: string) => void;
}) {
  if (cx === undefined || cy === undefined || !payload) return <g />;
  const color = VERDICT_COLORS[payload.verdict] ?? "#64748b";
  return (
    // the run picker is the keyboard way to choose a run; the dot is a pointer shortcut
    // biome-ignore lint/a11y/noStaticElementInteractions: a pointer shortcut duplicating the run picker
    <g onClick={() => onSelect?.(payload.id)} style={{ cursor: onSelect ? "pointer" : undefined }}>
      {selected && <circle cx={cx} cy={cy} r={8} fill="none" stroke={color} strokeWidth={2} />}
      <circle cx={cx} cy={cy} r={active ? 5.5 : 4} fill={color} stroke="#fff" strokeWidth={1.5} />
    </g>
  );
}
