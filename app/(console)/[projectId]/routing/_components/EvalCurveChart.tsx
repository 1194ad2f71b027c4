"use client";

import { useId } from "react";
import { TARGET_COLORS } from "./TrafficChart";

const W = 640;
const H = 260;
const PAD = { l: 48, r: 12, t: 10, b: 36 };
const PW = W - PAD.l - PAD.r;
const PH = H - PAD.t - PAD.b;

export interface EvalCurve {
  kind: string;
  points: { share: number; quality: number }[];
}

/**
 * Mean quality of the routed answers versus the share of calls sent to the large model, one line per
 * router kind (SVG). The dashed lines are all-small and all-large quality; a better router climbs to
 * the large model's quality at a smaller share.
 */
export function EvalCurveChart({ curves, smallOnly, largeOnly }: { curves: EvalCurve[]; smallOnly: number; largeOnly: number }) {
  const titleId = useId();
  const qs = [smallOnly, largeOnly, ...curves.flatMap((c) => c.points.map((p) => p.quality))];
  let lo = Math.min(...qs);
  let hi = Math.max(...qs);
  if (hi - lo < 1e-9) {
    lo -= 0.5;
    hi += 0.5;
  }
  const pad = (hi - lo) * 0.05;
  lo -= pad;
  hi += pad;
  const sx = (share: number) => PAD.l + share * PW;
  const sy = (q: number) => PAD.t + PH - ((q - lo) / (hi - lo)) * PH;
  const summary = curves.map((c) => `${c.kind}: ${c.points.length} points`).join("; ");

  return (
    <figure className="flex min-w-0 flex-col gap-1">
      <svg viewBox={`0 0 ${W} ${H}`} className="h-auto w-full" role="img" aria-labelledby={titleId}>
        <title id={titleId}>{`Quality versus share of large calls per router kind. ${summary}`}</title>
        {[0, 0.5, 1].map((f) => {
          const q = lo + f * (hi - lo);
          return (
            <g key={`y${f}`}>
              <line x1={PAD.l} x2={W - PAD.r} y1={sy(q)} y2={sy(q)} stroke="#e2e8f0" />
              <text x={PAD.l - 6} y={sy(q)} textAnchor="end" dominantBaseline="middle" fontSize={10} fill="#64748b">
                {q.toFixed(2)}
              </text>
            </g>
          );
        })}
        {[0, 0.25, 0.5, 0.75, 1].map((f) => (
          <g key={`x${f}`}>
            <line x1={sx(f)} x2={sx(f)} y1={PAD.t} y2={PAD.t + PH} stroke="#f1f5f9" />
            <text x={sx(f)} y={PAD.t + PH + 14} textAnchor="middle" fontSize={10} fill="#64748b">
              {`${Math.round(f * 100)}%`}
            </text>
          </g>
        ))}
        <text x={PAD.l + PW / 2} y={H - 4} textAnchor="middle" fontSize={10} fill="#475569">
          share of calls to the large model
        </text>
        {[
          { q: smallOnly, label: "small only" },
          { q: largeOnly, label: "large only" },
        ].map(({ q, label }) => (
          <g key={label}>
            <line x1={PAD.l} x2={W - PAD.r} y1={sy(q)} y2={sy(q)} stroke="#94a3b8" strokeDasharray="4 3" />
            <text x={W - PAD.r - 2} y={sy(q) - 3} textAnchor="end" fontSize={9} fill="#64748b">
              {label}
            </text>
          </g>
        ))}
        {curves.map((c, k) => (
          <polyline
            key={c.kind}
            fill="none"
            stroke={TARGET_COLORS[k % TARGET_COLORS.length]}
            strokeWidth={1.75}
            points={c.points.map((p) => `${sx(p.share).toFixed(1)},${sy(p.quality).toFixed(1)}`).join(" ")}
          />
        ))}
        <line x1={PAD.l} x2={W - PAD.r} y1={PAD.t + PH} y2={PAD.t + PH} stroke="#94a3b8" />
        <line x1={PAD.l} x2={PAD.l} y1={PAD.t} y2={PAD.t + PH} stroke="#94a3b8" />
      </svg>
      <ul aria-label="Legend for router kinds" className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-600">
        {curves.map((c, k) => (
          <li key={c.kind} className="flex items-center gap-1.5">
            <span
              aria-hidden="true"
              className="inline-block size-2.5 rounded-sm"
              style={{ backgroundColor: TARGET_COLORS[k % TARGET_COLORS.length] }}
            />
            {c.kind}
          </li>
        ))}
      </ul>
    </figure>
  );
}
