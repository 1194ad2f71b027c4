"use client";

import { CartesianGrid, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from "recharts";
import { AXIS, AXIS_LABEL } from "@/app/_components/charts/axes";
import { ChartFrame, TooltipBox } from "@/app/_components/charts/ChartFrame";
import { compact, embeddingMethodLabel, formatCount, formatStat, WINDOW_COLORS } from "./format";
import { Fact, VerdictBadge } from "./shared";
import type { EmbeddingResult } from "./types";

interface Pt {
  x: number;
  y: number;
  window: "reference" | "current";
}

/** Embedding drift of a run: the method's value against its threshold, and the 2-D projection coloured by window. */
export function EmbeddingPanel({ e }: { e: EmbeddingResult }) {
  const verdict = e.status !== "tested" ? e.status : e.drift ? "drift" : "no_drift";
  const ref: Pt[] = (e.projection?.reference ?? []).map(([x, y]) => ({ x, y, window: "reference" }));
  const cur: Pt[] = (e.projection?.current ?? []).map(([x, y]) => ({ x, y, window: "current" }));
  return (
    <div className="flex flex-col gap-4">
      <dl className="grid grid-cols-2 gap-x-6 gap-y-3 sm:grid-cols-4">
        <Fact label="Embedding verdict">
          <VerdictBadge verdict={verdict} />
        </Fact>
        <Fact label="Field and model">
          {e.field} · {e.model}
          {e.dimensions ? ` (${e.dimensions} dimensions)` : ""}
        </Fact>
        <Fact label="Method">{embeddingMethodLabel(e.method)}</Fact>
        <Fact label="Value / threshold">
          {formatStat(e.value)} / {formatStat(e.threshold)}
        </Fact>
        <Fact label="Texts embedded">
          reference {formatCount(e.referenceSize)}, current {formatCount(e.currentSize)}
        </Fact>
      </dl>
      {e.error && <p className="text-sm text-red-700">{e.error}</p>}
      {e.projection && ref.length + cur.length > 0 ? (
        <ChartFrame
          title="Embedding projection"
          description={`Each point is one ${e.field} text, embedded by ${e.model} and projected to its first two principal components (unitless); reference and current windows in their colours. Overlapping clouds mean similar texts.`}
          legend={[
            { label: `reference window (${ref.length} points)`, color: WINDOW_COLORS.reference, shape: "dot" },
            { label: `current window (${cur.length} points)`, color: WINDOW_COLORS.current, shape: "dot" },
          ]}
          table={{
            columns: ["Window", "Component 1", "Component 2"],
            rows: [...ref, ...cur].map((p) => [p.window, formatStat(p.x), formatStat(p.y)]),
            note: "Points as projected; the server keeps a sample of each window for the chart.",
          }}
          height={340}
        >
          <ScatterChart responsive style={{ width: "100%", height: "100%" }} margin={{ top: 8, right: 16, bottom: 4, left: 8 }}>
            <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" />
            <XAxis
              {...AXIS}
              type="number"
              dataKey="x"
              name="component 1"
              tickFormatter={compact}
              height={44}
              label={{ value: "principal component 1 (unitless)", position: "insideBottom", offset: 0, ...AXIS_LABEL }}
            />
            <YAxis
              {...AXIS}
              type="number"
              dataKey="y"
              name="component 2"
              tickFormatter={compact}
              width={62}
              label={{
                value: "component 2",
                angle: -90,
                position: "insideLeft",
                offset: 8,
                style: { textAnchor: "middle" },
                ...AXIS_LABEL,
              }}
            />
            <Tooltip
              cursor={{ strokeDasharray: "3 3" }}
              content={({ active, payload }) => {
                const p = payload?.[0]?.payload as Pt | undefined;
                if (!active || !p) return null;
                return (
                  <TooltipBox
                    heading={`${p.window} window`}
                    lines={[
                      { label: "component 1", value: formatStat(p.x), color: WINDOW_COLORS[p.window] },
                      { label: "component 2", value: formatStat(p.y) },
                    ]}
                  />
                );
              }}
            />
            {/* the reference is drawn last, on top: it is usually the smaller window and would hide under the current one */}
            <Scatter name="current window" data={cur} fill={WINDOW_COLORS.current} fillOpacity={0.5} isAnimationActive={false} />
            <Scatter
              name="reference window"
              data={ref}
              fill={WINDOW_COLORS.reference}
              fillOpacity={0.7}
              stroke="#fff"
              isAnimationActive={false}
            />
          </ScatterChart>
        </ChartFrame>
      ) : (
        <p className="text-sm text-slate-500">No projection: the embeddings were not tested.</p>
      )}
    </div>
  );
}
