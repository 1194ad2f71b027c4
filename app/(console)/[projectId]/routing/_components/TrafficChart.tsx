"use client";

import { useId } from "react";

/** Distinct colours per target, then repeating. */
export const TARGET_COLORS = ["#4f46e5", "#dc2626", "#059669", "#d97706", "#0891b2", "#7c3aed", "#db2777", "#65a30d"];

const W = 640;
const H = 200;
const PAD = { l: 40, r: 8, t: 10, b: 26 };
const PW = W - PAD.l - PAD.r;
const PH = H - PAD.t - PAD.b;

interface Bucket {
  hour: string;
  target: string;
  calls: number;
}

/** Calls per hour as SVG bars stacked by target, over the last `hours` (empty hours included). */
export function TrafficChart({ buckets, targets, hours }: { buckets: Bucket[]; targets: string[]; hours: number }) {
  const titleId = useId();
  const now = Math.floor(Date.now() / 3600_000) * 3600_000;
  const slots = Array.from({ length: hours }, (_, i) => now - (hours - 1 - i) * 3600_000);
  const at = new Map<string, number>();
  for (const b of buckets) {
    // date_trunc('hour', ...)::text reads "2026-11-26 10:00:00+00"; ISO wants "T" and "+00:00"
    const t = Date.parse(b.hour.replace(" ", "T").replace(/([+-]\d\d)$/, "$1:00"));
    at.set(`${t}|${b.target}`, (at.get(`${t}|${b.target}`) ?? 0) + b.calls);
  }
  const totals = slots.map((s) => targets.reduce((sum, t) => sum + (at.get(`${s}|${t}`) ?? 0), 0));
  const max = Math.max(1, ...totals);
  const bw = PW / slots.length;
  const sy = (v: number) => (v / max) * PH;
  const fmtHour = (s: number) => {
    const d = new Date(s);
    return hours > 24 ? `${d.getMonth() + 1}/${d.getDate()}` : `${String(d.getHours()).padStart(2, "0")}:00`;
  };
  const labelEvery = Math.max(1, Math.ceil(slots.length / 8));
  const summary = targets.map((t) => `${t}: ${buckets.filter((b) => b.target === t).reduce((s, b) => s + b.calls, 0)} calls`).join("; ");

  return (
    <figure className="flex min-w-0 flex-col gap-1">
      <svg viewBox={`0 0 ${W} ${H}`} className="h-auto w-full" role="img" aria-labelledby={titleId}>
        <title id={titleId}>{`Calls per hour by target over the last ${hours} hours. ${summary}`}</title>
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line x1={PAD.l} x2={W - PAD.r} y1={PAD.t + PH - f * PH} y2={PAD.t + PH - f * PH} stroke="#e2e8f0" />
            <text x={PAD.l - 6} y={PAD.t + PH - f * PH} textAnchor="end" dominantBaseline="middle" fontSize={10} fill="#64748b">
              {Math.round(f * max)}
            </text>
          </g>
        ))}
        {slots.map((s, i) => {
          let y = PAD.t + PH;
          return (
            <g key={s}>
              {targets.map((t, k) => {
                const h = sy(at.get(`${s}|${t}`) ?? 0);
                y -= h;
                return h > 0 ? (
                  <rect
                    key={t}
                    x={PAD.l + i * bw + bw * 0.1}
                    y={y}
                    width={bw * 0.8}
                    height={h}
                    fill={TARGET_COLORS[k % TARGET_COLORS.length]}
                  />
                ) : null;
              })}
              {i % labelEvery === 0 && (
                <text x={PAD.l + i * bw + bw / 2} y={H - 8} textAnchor="middle" fontSize={10} fill="#64748b">
                  {fmtHour(s)}
                </text>
              )}
            </g>
          );
        })}
        <line x1={PAD.l} x2={W - PAD.r} y1={PAD.t + PH} y2={PAD.t + PH} stroke="#94a3b8" />
      </svg>
      <ul aria-label="Legend for traffic by target" className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-600">
        {targets.map((t, k) => (
          <li key={t} className="flex items-center gap-1.5">
            <span
              aria-hidden="true"
              className="inline-block size-2.5 rounded-sm"
              style={{ backgroundColor: TARGET_COLORS[k % TARGET_COLORS.length] }}
            />
            {t}
          </li>
        ))}
      </ul>
    </figure>
  );
}
