"use client";

import { cx } from "@/app/_components/classes";
import type { Series } from "./series";

/* The pieces of LineChart: a series' line and dots, the tooltip, a legend swatch. */

export function SeriesLine({ series, x, y, dots }: { series: Series; x: (i: number) => number; y: (v: number) => number; dots: boolean }) {
  const v = series.values;
  let d = "";
  v.forEach((val, i) => {
    if (val === null) return;
    d += `${i > 0 && v[i - 1] !== null ? "L" : "M"}${x(i).toFixed(1)},${y(val).toFixed(1)}`;
  });
  return (
    <g>
      <path d={d} fill="none" stroke={series.color} strokeWidth={1.75} strokeDasharray={series.dashed ? "5 3" : undefined} />
      {v.map((val, i) =>
        val !== null && (dots || ((i === 0 || v[i - 1] === null) && (i === v.length - 1 || v[i + 1] === null))) ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: one dot per bucket index, a fixed order
          <circle key={i} cx={x(i)} cy={y(val)} r={2} fill={series.color} />
        ) : null,
      )}
    </g>
  );
}

export function Tooltip({
  active,
  left,
  heading,
  items,
  format,
  skipEmpty,
}: {
  active: number | null;
  /** 0..1 across the chart */
  left: number;
  heading: string;
  items: { s: Series; v: number | null }[];
  format: (v: number) => string;
  skipEmpty: boolean;
}) {
  const shown = skipEmpty ? items.filter((it) => it.v !== null) : items;
  return (
    <div aria-hidden="true" className="pointer-events-none absolute top-0 z-10" style={{ left: `${left * 100}%` }}>
      {active !== null && (
        <div
          className={cx(
            "mt-1 w-max max-w-64 rounded-md border border-slate-200 bg-white/95 px-2.5 py-1.5 text-xs shadow-md",
            left > 0.6 ? "-translate-x-[calc(100%+8px)]" : "translate-x-2",
          )}
        >
          <p className="font-medium text-slate-900">{heading}</p>
          {shown.length === 0 ? (
            <p className="text-slate-500">No data</p>
          ) : (
            <ul className="mt-0.5 flex flex-col gap-0.5">
              {shown.map(({ s, v }) => (
                <li key={s.key} className="flex items-center gap-1.5 text-slate-600">
                  <Swatch color={s.color} dashed={s.dashed} />
                  <span className="truncate">{s.label}</span>
                  <span className="ml-auto pl-2 font-medium text-slate-900 tabular-nums">{v === null ? "—" : format(v)}</span>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}

export function Swatch({ color, dashed }: { color: string; dashed?: boolean }) {
  return (
    <svg aria-hidden="true" viewBox="0 0 16 4" className="h-1 w-4 shrink-0">
      <line x1={0} x2={16} y1={2} y2={2} stroke={color} strokeWidth={3} strokeDasharray={dashed ? "4 2" : undefined} />
    </svg>
  );
}
