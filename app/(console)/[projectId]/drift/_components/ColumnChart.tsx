"use client";

import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis } from "recharts";
import { AXIS, AXIS_LABEL } from "@/app/_components/charts/axes";
import { ChartFrame, TooltipBox } from "@/app/_components/charts/ChartFrame";
import { asShares, binLabel, formatCount, formatShare, formatStat, shareTicks, testLabel, WINDOW_COLORS, withUnit } from "./format";
import type { ColumnResult } from "./types";

interface Row {
  label: string;
  reference: number;
  current: number;
}

/** Most categories drawn; the table lists them all. */
const MAX_BARS = 20;

const legend = [
  { label: "reference window", color: WINDOW_COLORS.reference },
  { label: "current window", color: WINDOW_COLORS.current },
];

/**
 * One column of a run, reference against current as shares of each window's rows: a numerical
 * column as a histogram over the shared bin edges, a categorical one as a bar per category.
 */
export function ColumnChart({ column }: { column: ColumnResult }) {
  const rows = rowsOf(column);
  const title = `${column.name}: reference vs current`;
  const test =
    column.status === "tested"
      ? ` ${testLabel(column.stattest)} = ${formatStat(column.value)} (threshold ${formatStat(column.threshold)}).`
      : "";
  if (!rows) {
    return (
      <div className="rounded-md border border-dashed border-slate-300 px-4 py-6 text-center text-sm text-slate-500">
        No distribution for {column.name}:{" "}
        {column.status === "failed" ? (column.error ?? "the test failed") : "a window had no values in this column"}.
      </div>
    );
  }
  const numerical = column.type === "numerical";
  const shown = numerical ? rows : rows.slice(0, MAX_BARS);
  const xTitle = numerical ? withUnit(`${column.label}, bin`, column.unit) : column.label;
  const ticks = shareTicks(Math.max(0, ...shown.flatMap((r) => [r.reference, r.current])));
  const many = shown.length > 8;
  return (
    <ChartFrame
      title={title}
      description={
        <>
          {numerical
            ? `Histogram of ${withUnit(column.label, column.unit)} over bins shared by both windows; bars are the share of each window's rows in the bin.`
            : `Share of each window's rows per value of ${column.label}${rows.length > MAX_BARS ? ` (the ${MAX_BARS} largest of ${rows.length} values; the table lists all)` : ""}.`}
          {test} Reference {formatCount(column.referenceSize)} rows, current {formatCount(column.currentSize)}.
        </>
      }
      legend={legend}
      table={{
        columns: [numerical ? withUnit("Bin", column.unit) : "Value", "Reference share", "Current share"],
        rows: rows.map((r) => [r.label, formatShare(r.reference), formatShare(r.current)]),
      }}
      height={300}
    >
      <BarChart
        data={shown}
        responsive
        style={{ width: "100%", height: "100%" }}
        margin={{ top: 8, right: 16, bottom: 4, left: 8 }}
        barGap={1}
      >
        <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" vertical={false} />
        <XAxis
          {...AXIS}
          dataKey="label"
          interval={many ? "preserveStartEnd" : 0}
          angle={many ? -35 : 0}
          textAnchor={many ? "end" : "middle"}
          height={many ? 78 : 46}
          tickFormatter={(v: string) => (v.length > 18 ? `${v.slice(0, 17)}…` : v)}
          label={{ value: xTitle, position: "insideBottom", offset: 0, ...AXIS_LABEL }}
        />
        <YAxis
          {...AXIS}
          domain={[0, ticks.at(-1) ?? 1]}
          ticks={ticks}
          tickFormatter={(v: number) => formatShare(v)}
          width={62}
          label={{
            value: "share of rows (%)",
            angle: -90,
            position: "insideLeft",
            offset: 8,
            style: { textAnchor: "middle" },
            ...AXIS_LABEL,
          }}
        />
        <Tooltip
          cursor={{ fill: "#f1f5f9" }}
          content={({ active, payload }) => {
            const r = payload?.[0]?.payload as Row | undefined;
            if (!active || !r) return null;
            return (
              <TooltipBox
                heading={numerical ? withUnit(`bin ${r.label}`, column.unit) : r.label}
                lines={[
                  { label: "reference", value: formatShare(r.reference), color: WINDOW_COLORS.reference },
                  { label: "current", value: formatShare(r.current), color: WINDOW_COLORS.current },
                ]}
              />
            );
          }}
        />
        <Bar dataKey="reference" name="reference window" fill={WINDOW_COLORS.reference} isAnimationActive={false} />
        <Bar dataKey="current" name="current window" fill={WINDOW_COLORS.current} isAnimationActive={false} />
      </BarChart>
    </ChartFrame>
  );
}

/** Bars as shares of each window: bins in order, categories by their larger share. */
function rowsOf(c: ColumnResult): Row[] | null {
  if (c.type === "numerical" && c.histogram && c.histogram.edges.length > 1) {
    const { edges } = c.histogram;
    const ref = asShares(c.histogram.reference);
    const cur = asShares(c.histogram.current);
    return ref.map((r, i) => ({ label: binLabel(edges[i] ?? 0, edges[i + 1] ?? 0), reference: r, current: cur[i] ?? 0 }));
  }
  if (c.categories && c.categories.length > 0) {
    const ref = asShares(c.categories.map((x) => x.reference));
    const cur = asShares(c.categories.map((x) => x.current));
    return c.categories
      .map((x, i) => ({ label: x.name === "" ? "(empty)" : x.name, reference: ref[i] ?? 0, current: cur[i] ?? 0 }))
      .sort((a, b) => Math.max(b.reference, b.current) - Math.max(a.reference, a.current));
  }
  return null;
}
