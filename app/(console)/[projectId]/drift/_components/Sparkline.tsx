"use client";

import { Line, LineChart, YAxis } from "recharts";
import { formatShare, VERDICT_COLORS, verdictLabel } from "./format";
import type { Verdict } from "./types";

/**
 * A row's recent drift shares, oldest to newest, each point in its verdict's colour. Too small for
 * axes: its accessible name lists the values, and the monitor page has the full, labelled chart.
 * The list carries each monitor's last 20 runs (`recent`), so rows need no query of their own.
 */
export function Sparkline({ recent }: { recent: { number: number; driftShare: number; verdict: string }[] }) {
  const runs = recent.map((r) => ({ n: r.number, share: r.driftShare, verdict: r.verdict as Verdict }));
  if (runs.length === 0) return <span className="text-xs text-slate-400">no runs</span>;
  const label = `Drift share of the last ${runs.length} run${runs.length === 1 ? "" : "s"}, oldest first: ${runs
    .map((r) => `#${r.n} ${formatShare(r.share)} ${verdictLabel(r.verdict)}`)
    .join(", ")}`;
  return (
    <div role="img" aria-label={label} title={label} className="h-7 w-28">
      <LineChart data={runs} width={112} height={28} margin={{ top: 4, right: 4, bottom: 4, left: 4 }} accessibilityLayer={false}>
        <YAxis hide domain={[0, 1]} />
        <Line
          dataKey="share"
          stroke="#94a3b8"
          strokeWidth={1.25}
          isAnimationActive={false}
          dot={(p: { cx?: number; cy?: number; payload?: { verdict: Verdict; n: number } }) => (
            <circle key={p.payload?.n} cx={p.cx} cy={p.cy} r={2.25} fill={p.payload ? VERDICT_COLORS[p.payload.verdict] : "#64748b"} />
          )}
        />
      </LineChart>
    </div>
  );
}
