"use client";

import { useId } from "react";
import type { RouterOutputs } from "@/app/_lib/trpc";

type Graph = RouterOutputs["registry"]["versions"]["lineage"];
type Node = Graph["nodes"][number];

/** Left to right: where the version came from, the version, what scored it, what serves it. */
const COLUMN: Record<Node["kind"], number> = { dataset: 0, parent: 0, drift: 0, job: 1, run: 2, version: 3, eval: 4, alias: 5, router: 6 };
const FILL: Record<Node["kind"], string> = {
  dataset: "#ecfeff",
  drift: "#fee2e2",
  parent: "#f1f5f9",
  job: "#fef3c7",
  run: "#fef9c3",
  version: "#e0e7ff",
  eval: "#dcfce7",
  alias: "#d1fae5",
  router: "#fce7f3",
};
const STROKE: Record<Node["kind"], string> = {
  dataset: "#0891b2",
  drift: "#dc2626",
  parent: "#64748b",
  job: "#d97706",
  run: "#ca8a04",
  version: "#4f46e5",
  eval: "#16a34a",
  alias: "#059669",
  router: "#db2777",
};

const BOX_W = 168;
const BOX_H = 46;
const GAP_X = 84;
const GAP_Y = 22;
const PAD = 12;

const short = (s: string, n = 24) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** Where a node's page is, when it has one. */
function hrefOf(node: Node, slug: string): string | null {
  const [kind, id] = [node.id.slice(0, node.id.indexOf(":")), node.id.slice(node.id.indexOf(":") + 1)];
  if (kind === "eval") return `/${slug}/evals/runs/${id}`;
  if (kind === "run") return `/${slug}/registry/runs/${id}`;
  if (kind === "dataset") return `/${slug}/datasets`;
  if (kind === "drift") {
    const [monitorId, runId] = id.split(":");
    return `/${slug}/drift/${monitorId}?run=${runId}`;
  }
  return null;
}

/** The lineage graph as SVG boxes in columns by kind, with labelled arrows; a list repeats it for screen readers. */
export function LineageGraph({ graph, slug, model }: { graph: Graph; slug: string; model: string }) {
  const titleId = useId();
  const used = [...new Set(graph.nodes.map((n) => COLUMN[n.kind] ?? 3))].sort((a, b) => a - b);
  const colOf = (n: Node) => used.indexOf(COLUMN[n.kind] ?? 3);
  const byCol = used.map((_, i) => graph.nodes.filter((n) => colOf(n) === i));
  const rows = Math.max(1, ...byCol.map((c) => c.length));
  const height = PAD * 2 + rows * BOX_H + (rows - 1) * GAP_Y;
  const width = PAD * 2 + used.length * BOX_W + (used.length - 1) * GAP_X;
  const pos = new Map<string, { x: number; y: number }>();
  byCol.forEach((col, ci) => {
    const colH = col.length * BOX_H + (col.length - 1) * GAP_Y;
    const top = (height - colH) / 2;
    col.forEach((n, ri) => {
      pos.set(n.id, { x: PAD + ci * (BOX_W + GAP_X), y: top + ri * (BOX_H + GAP_Y) });
    });
  });
  const labelOf = (id: string) => graph.nodes.find((n) => n.id === id)?.label ?? id;

  return (
    <div className="flex flex-col gap-2">
      <div className="overflow-x-auto">
        <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height} className="max-w-none" role="img" aria-labelledby={titleId}>
          <title
            id={titleId}
          >{`Lineage of ${model}: ${graph.nodes.length} nodes, ${graph.edges.length} links. The list below repeats them.`}</title>
          <defs>
            <marker id="lineage-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M 0 0 L 10 5 L 0 10 z" fill="#64748b" />
            </marker>
          </defs>
          {graph.edges.map((e) => {
            const a = pos.get(e.from);
            const b = pos.get(e.to);
            if (!a || !b) return null;
            const forward = b.x > a.x;
            const x1 = forward ? a.x + BOX_W : a.x + BOX_W / 2;
            const y1 = forward ? a.y + BOX_H / 2 : a.y + BOX_H;
            const x2 = forward ? b.x : b.x + BOX_W / 2;
            const y2 = forward ? b.y + BOX_H / 2 : b.y;
            const mx = (x1 + x2) / 2;
            const path = forward ? `M ${x1} ${y1} C ${mx} ${y1}, ${mx} ${y2}, ${x2} ${y2}` : `M ${x1} ${y1} L ${x2} ${y2}`;
            return (
              <g key={`${e.from}-${e.to}`}>
                <path d={path} fill="none" stroke="#94a3b8" strokeWidth={1.5} markerEnd="url(#lineage-arrow)" />
                {e.label && (
                  <text x={mx} y={(y1 + y2) / 2 - 5} textAnchor="middle" fontSize={10} fill="#475569">
                    {e.label}
                  </text>
                )}
              </g>
            );
          })}
          {graph.nodes.map((n) => {
            const p = pos.get(n.id);
            if (!p) return null;
            const href = hrefOf(n, slug);
            const box = (
              <g key={`${n.id}-box`}>
                <rect
                  x={p.x}
                  y={p.y}
                  width={BOX_W}
                  height={BOX_H}
                  rx={6}
                  fill={FILL[n.kind]}
                  stroke={STROKE[n.kind]}
                  strokeWidth={n.kind === "version" ? 2 : 1}
                />
                <text x={p.x + 8} y={p.y + 12} fontSize={9} fill="#64748b" style={{ textTransform: "uppercase" }}>
                  {n.kind}
                </text>
                <text x={p.x + 8} y={p.y + 27} fontSize={12} fontWeight={600} fill="#0f172a">
                  {short(n.label)}
                </text>
                {n.detail && (
                  <text x={p.x + 8} y={p.y + 40} fontSize={10} fill="#475569">
                    {short(n.detail, 28)}
                  </text>
                )}
                <title>{`${n.kind}: ${n.label}${n.detail ? ` (${n.detail})` : ""}`}</title>
              </g>
            );
            return href ? (
              <a key={n.id} href={href}>
                {box}
              </a>
            ) : (
              <g key={n.id}>{box}</g>
            );
          })}
        </svg>
      </div>
      <ul aria-label="Lineage links" className="sr-only">
        {graph.edges.map((e) => (
          <li key={`${e.from}-${e.to}`}>
            {labelOf(e.from)} {e.label ?? "→"} {labelOf(e.to)}
          </li>
        ))}
      </ul>
    </div>
  );
}
