"use client";

import { type ReactNode, useId, useState } from "react";
import { cx } from "@/app/_components/classes";
import { Button } from "@/app/_components/ui";

/**
 * The frame of every console chart: a title and what it shows (with units), a legend, and a
 * "Show as table" toggle that swaps the chart for the same data as a <table>, scrollable and
 * reachable by keyboard. The chart itself (recharts) keeps its own keyboard layer: focus it,
 * then the arrow keys move its tooltip. Axis props live in ./axes, tick values in ./ticks and ./time.
 */

export interface LegendItem {
  label: string;
  color: string;
  /** dot: points; square: bars; line / dashed: lines */
  shape?: "dot" | "square" | "line" | "dashed";
}

export interface TableData {
  columns: string[];
  rows: (string | number)[][];
  /** said under the table, e.g. "first 300 points of each window" */
  note?: string;
}

export function ChartFrame({
  title,
  description,
  legend,
  table,
  height = 260,
  actions,
  empty,
  busy,
  children,
}: {
  title: string;
  description?: ReactNode;
  legend?: LegendItem[];
  table: TableData;
  height?: number;
  actions?: ReactNode;
  /** shown instead of the chart (and its table toggle) when there is nothing to draw */
  empty?: ReactNode;
  /** older data shown while new data loads */
  busy?: boolean;
  children: ReactNode;
}) {
  const [asTable, setAsTable] = useState(false);
  const id = useId();
  return (
    <figure
      aria-labelledby={`${id}-title`}
      aria-busy={busy || undefined}
      className={cx("flex min-w-0 flex-col gap-2", busy && "opacity-60")}
    >
      <div className="flex items-start justify-between gap-3">
        <div className="min-w-0 flex-1">
          <h3 id={`${id}-title`} className="text-sm font-medium text-slate-900">
            {title}
          </h3>
          {description && (
            <p id={`${id}-desc`} className="mt-0.5 text-xs text-slate-500">
              {description}
            </p>
          )}
        </div>
        <div className="flex shrink-0 items-center gap-2">
          {actions}
          {!empty && (
            <Button
              size="sm"
              variant="ghost"
              aria-pressed={asTable}
              aria-describedby={`${id}-title`}
              onClick={() => setAsTable((v) => !v)}
              className={cx(asTable && "bg-slate-100")}
            >
              Show as table
            </Button>
          )}
        </div>
      </div>
      {empty ? (
        <p className="rounded-md border border-dashed border-slate-300 px-4 py-12 text-center text-sm text-slate-500">{empty}</p>
      ) : asTable ? (
        <DataTable caption={title} data={table} />
      ) : (
        <>
          <div style={{ height }}>{children}</div>
          {legend && legend.length > 0 && <Legend items={legend} />}
        </>
      )}
    </figure>
  );
}

export function Legend({ items }: { items: LegendItem[] }) {
  return (
    <ul aria-label="Legend" className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-600">
      {items.map((it) => (
        <li key={it.label} className="flex items-center gap-1.5">
          <Swatch color={it.color} shape={it.shape ?? "square"} />
          {it.label}
        </li>
      ))}
    </ul>
  );
}

function Swatch({ color, shape }: { color: string; shape: NonNullable<LegendItem["shape"]> }) {
  return (
    <svg aria-hidden="true" viewBox="0 0 16 10" className="h-2.5 w-4 shrink-0">
      {shape === "dot" && <circle cx={8} cy={5} r={4} fill={color} />}
      {shape === "square" && <rect x={3} y={0} width={10} height={10} rx={2} fill={color} />}
      {(shape === "line" || shape === "dashed") && (
        <line x1={0} x2={16} y1={5} y2={5} stroke={color} strokeWidth={2} strokeDasharray={shape === "dashed" ? "4 2" : undefined} />
      )}
    </svg>
  );
}

/** The chart's data as a table: a focusable scroll region so keyboard users can scroll a long one. */
export function DataTable({ caption, data }: { caption: string; data: TableData }) {
  return (
    <div className="flex flex-col gap-1">
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard to scroll it */}
      <section tabIndex={0} aria-label={`${caption}, data`} className="max-h-80 overflow-auto rounded-md border border-slate-200">
        <table className="w-full border-collapse text-left text-xs">
          <caption className="sr-only">{caption}</caption>
          <thead className="sticky top-0">
            <tr>
              {data.columns.map((c) => (
                <th key={c} scope="col" className="border-b border-slate-200 bg-slate-50 px-3 py-1.5 font-medium text-slate-600">
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {data.rows.map((r, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: rows of a fixed data set, never reordered
              <tr key={i} className="odd:bg-white even:bg-slate-50/50">
                {r.map((v, k) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: cells follow the fixed columns
                  <td key={k} className="border-b border-slate-100 px-3 py-1 text-slate-700 tabular-nums">
                    {v}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {data.note && <p className="text-xs text-slate-500">{data.note}</p>}
    </div>
  );
}

/** The tooltip box of the recharts charts: a heading and label/value lines. */
export function TooltipBox({ heading, lines }: { heading: ReactNode; lines: { label: string; value: ReactNode; color?: string }[] }) {
  return (
    <div className="max-w-72 rounded-md border border-slate-200 bg-white/95 px-2.5 py-1.5 text-xs shadow-md">
      <p className="font-medium text-slate-900">{heading}</p>
      <ul className="mt-0.5 flex flex-col gap-0.5">
        {lines.map((l) => (
          <li key={l.label} className="flex items-center gap-1.5 text-slate-600">
            {l.color && <span aria-hidden="true" className="size-2 shrink-0 rounded-full" style={{ background: l.color }} />}
            <span>{l.label}</span>
            <span className="ml-auto pl-3 font-medium text-slate-900 tabular-nums">{l.value}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
