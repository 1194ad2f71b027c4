"use client";

import { useId } from "react";
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

const W = 480;
const H = 220;
const PAD = { l: 52, r: 12, t: 12, b: 28 };
const PW = W - PAD.l - PAD.r;
const PH = H - PAD.t - PAD.b;

function ticks(lo: number, hi: number, n = 4): number[] {
  if (hi - lo <= 0) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}

const axis = (v: number) => (Math.abs(v) >= 10_000 || (Math.abs(v) < 0.001 && v !== 0) ? v.toExponential(1) : formatValue(v));

/** One metric over steps as SVG lines, one per series; a legend names each series with its last value. */
export function MetricChart({ title, series }: { title: string; series: ChartSeries[] }) {
  const titleId = useId();
  const pts = series.flatMap((s) => s.values.map((v, i) => ({ x: s.steps[i] ?? i, y: v })));
  if (pts.length === 0)
    return (
      <figure className="flex flex-col gap-1">
        <figcaption className="font-mono text-xs font-medium text-slate-700">{title}</figcaption>
        <p className="text-sm text-slate-500">No points.</p>
      </figure>
    );
  // loops, not Math.min(...): a spread of many thousand points can overflow the call stack
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const p of pts) {
    x0 = Math.min(x0, p.x);
    x1 = Math.max(x1, p.x);
    y0 = Math.min(y0, p.y);
    y1 = Math.max(y1, p.y);
  }
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  if (y1 === y0) [y0, y1] = [y0 - Math.abs(y0 || 1) * 0.1, y1 + Math.abs(y1 || 1) * 0.1];
  const margin = (y1 - y0) * 0.05;
  y0 -= margin;
  y1 += margin;
  const sx = (x: number) => PAD.l + ((x - x0) / (x1 - x0)) * PW;
  const sy = (y: number) => PAD.t + PH - ((y - y0) / (y1 - y0)) * PH;
  const summary = series
    .map(
      (s) =>
        `${s.label}: ${s.values.length} points, last ${formatValue(s.values[s.values.length - 1])} at step ${s.steps[s.steps.length - 1]}`,
    )
    .join("; ");

  return (
    <figure className="flex min-w-0 flex-col gap-1">
      <figcaption className="font-mono text-xs font-medium text-slate-700">{title}</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} className="h-auto w-full" role="img" aria-labelledby={titleId}>
        <title id={titleId}>{`${title} by step. ${summary}`}</title>
        {ticks(y0, y1).map((t) => (
          <g key={`y${t}`}>
            <line x1={PAD.l} x2={W - PAD.r} y1={sy(t)} y2={sy(t)} stroke="#e2e8f0" />
            <text x={PAD.l - 6} y={sy(t)} textAnchor="end" dominantBaseline="middle" fontSize={10} fill="#64748b">
              {axis(t)}
            </text>
          </g>
        ))}
        {ticks(x0, x1).map((t) => (
          <text key={`x${t}`} x={sx(t)} y={H - 8} textAnchor="middle" fontSize={10} fill="#64748b">
            {axis(t)}
          </text>
        ))}
        <line x1={PAD.l} x2={PAD.l} y1={PAD.t} y2={PAD.t + PH} stroke="#94a3b8" />
        <line x1={PAD.l} x2={W - PAD.r} y1={PAD.t + PH} y2={PAD.t + PH} stroke="#94a3b8" />
        {series.map((s) => {
          const d = s.values.map((v, i) => `${i === 0 ? "M" : "L"} ${sx(s.steps[i] ?? i).toFixed(1)} ${sy(v).toFixed(1)}`).join(" ");
          return (
            <g key={s.label}>
              <path d={d} fill="none" stroke={s.color} strokeWidth={1.75} strokeLinejoin="round" />
              {s.values.length === 1 && <circle cx={sx(s.steps[0] ?? 0)} cy={sy(s.values[0] ?? 0)} r={3} fill={s.color} />}
            </g>
          );
        })}
      </svg>
      {series.length > 1 && (
        <ul aria-label={`Legend for ${title}`} className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-600">
          {series.map((s) => (
            <li key={s.label} className="flex items-center gap-1.5">
              <span aria-hidden="true" className="inline-block h-0.5 w-4" style={{ backgroundColor: s.color }} />
              {s.label}
              <span className="text-slate-400 tabular-nums">{formatValue(s.values[s.values.length - 1])}</span>
            </li>
          ))}
        </ul>
      )}
    </figure>
  );
}
