"use client";

import { useId, useState } from "react";
import { Field, Select } from "@/app/_components/ui";
import { aggregatesOf, figureLabel, fmt, orderFigures } from "./figures";

interface ChartRun {
  id: string;
  name: string;
  status: string;
  createdAt: Date;
  aggregates: unknown;
}

const W = 640;
const H = 260;
const PAD = { top: 16, right: 16, bottom: 56, left: 52 };

const short = (s: string, n = 14) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** Each succeeded run's mean of one figure with its 95% interval, oldest first; a hidden table repeats the data. */
export function RunsChart({ runs }: { runs: ChartRun[] }) {
  const succeeded = runs.filter((r) => r.status === "succeeded").sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  const figures = orderFigures([...new Set(succeeded.flatMap((r) => Object.keys(aggregatesOf(r.aggregates).means ?? {})))]);
  const [chosen, setChosen] = useState("bleu.score");
  const figure = figures.includes(chosen) ? chosen : (figures[0] ?? chosen);
  const titleId = useId();

  const points = succeeded.flatMap((r) => {
    const m = aggregatesOf(r.aggregates).means?.[figure];
    return m && Number.isFinite(m.mean) ? [{ id: r.id, name: r.name, createdAt: r.createdAt, ...m }] : [];
  });

  if (succeeded.length === 0) return <p className="text-sm text-slate-500">No succeeded runs yet.</p>;

  let lo = Math.min(...points.map((p) => (Number.isFinite(p.low) ? p.low : p.mean)));
  let hi = Math.max(...points.map((p) => (Number.isFinite(p.high) ? p.high : p.mean)));
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [0, 1];
  if (hi - lo < 1e-9) [lo, hi] = [lo - 0.5, hi + 0.5];
  const margin = (hi - lo) * 0.1;
  lo -= margin;
  hi += margin;
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (points.length === 1 ? plotW / 2 : (i * plotW) / (points.length - 1 || 1));
  const y = (v: number) => PAD.top + plotH - ((v - lo) / (hi - lo)) * plotH;
  const ticks = Array.from({ length: 5 }, (_, i) => lo + ((hi - lo) * i) / 4);
  const label = figureLabel(figure);

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
      {points.length === 0 ? (
        <p className="text-sm text-slate-500">No succeeded run has {label}.</p>
      ) : (
        <>
          <svg viewBox={`0 0 ${W} ${H}`} className="h-auto w-full max-w-3xl text-slate-400" role="img" aria-labelledby={titleId}>
            <title id={titleId}>
              {`${label} by run, oldest first: mean with 95% interval for ${points.length} succeeded run${points.length === 1 ? "" : "s"}. The table below lists the same data.`}
            </title>
            {ticks.map((t) => (
              <g key={t}>
                <line x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} stroke="currentColor" strokeOpacity={0.25} />
                <text x={PAD.left - 6} y={y(t)} textAnchor="end" dominantBaseline="middle" fontSize={10} fill="#64748b">
                  {fmt(t)}
                </text>
              </g>
            ))}
            <line x1={PAD.left} x2={PAD.left} y1={PAD.top} y2={PAD.top + plotH} stroke="currentColor" />
            {points.map((p, i) => {
              const cx = x(i);
              const hasCi = Number.isFinite(p.low) && Number.isFinite(p.high);
              return (
                <g key={p.id}>
                  <title>{`${p.name}: ${fmt(p.mean)} (95% ${fmt(p.low)} – ${fmt(p.high)})`}</title>
                  {hasCi && (
                    <>
                      <line x1={cx} x2={cx} y1={y(p.low)} y2={y(p.high)} stroke="#6366f1" strokeWidth={1.5} />
                      <line x1={cx - 5} x2={cx + 5} y1={y(p.low)} y2={y(p.low)} stroke="#6366f1" strokeWidth={1.5} />
                      <line x1={cx - 5} x2={cx + 5} y1={y(p.high)} y2={y(p.high)} stroke="#6366f1" strokeWidth={1.5} />
                    </>
                  )}
                  <circle cx={cx} cy={y(p.mean)} r={4} fill="#4f46e5" />
                  <text
                    x={cx}
                    y={PAD.top + plotH + 14}
                    textAnchor="end"
                    fontSize={10}
                    fill="#475569"
                    transform={`rotate(-30 ${cx} ${PAD.top + plotH + 14})`}
                  >
                    {short(p.name)}
                  </text>
                </g>
              );
            })}
          </svg>
          <table className="sr-only">
            <caption>{`${label} by run, oldest first`}</caption>
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Created</th>
                <th scope="col">Mean</th>
                <th scope="col">95% interval low</th>
                <th scope="col">95% interval high</th>
              </tr>
            </thead>
            <tbody>
              {points.map((p) => (
                <tr key={p.id}>
                  <th scope="row">{p.name}</th>
                  <td>{p.createdAt.toISOString()}</td>
                  <td>{fmt(p.mean)}</td>
                  <td>{fmt(p.low)}</td>
                  <td>{fmt(p.high)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
