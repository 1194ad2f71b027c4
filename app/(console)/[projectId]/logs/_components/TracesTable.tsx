"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import type { MouseEvent, ReactNode } from "react";
import { cx } from "@/app/_components/classes";
import { Badge, Table, Td, Th } from "@/app/_components/ui";
import { formatCost, formatDateTime, formatRelative } from "@/app/_lib/format";
import type { RouterOutputs } from "@/app/_lib/trpc";
import { COLUMNS, type ColumnId } from "./ColumnChooser";
import { formatInt, formatLatency, formatListTime, formatRating, previewText } from "./format";

export type TraceRow = RouterOutputs["logs"]["traces"]["list"]["items"][number];

export const traceHref = (projectSlug: string, traceId: string) => `/${projectSlug}/logs/traces/${encodeURIComponent(traceId)}`;

const dash = <span className="text-slate-400">—</span>;

function Preview({ raw }: { raw: string | null }) {
  const text = previewText(raw);
  if (!text) return dash;
  return (
    <span className="line-clamp-2 block max-w-60 min-w-36 text-xs break-words text-slate-700" title={text}>
      {text}
    </span>
  );
}

const CELLS: Record<ColumnId, (r: TraceRow, href: string) => ReactNode> = {
  time: (r, href) => (
    <Link
      href={href}
      className="font-medium whitespace-nowrap text-indigo-600 hover:text-indigo-500"
      title={`${formatDateTime(r.timestamp)} (${formatRelative(r.timestamp)})`}
    >
      <time dateTime={r.timestamp.toISOString()}>{formatListTime(r.timestamp)}</time>
    </Link>
  ),
  name: (r) => (r.name ? <span className="font-medium whitespace-nowrap text-slate-900">{r.name}</span> : dash),
  input: (r) => <Preview raw={r.inputPreview} />,
  output: (r) => <Preview raw={r.outputPreview} />,
  model: (r) => (r.model ? <span className="font-mono text-xs whitespace-nowrap">{r.model}</span> : dash),
  tokens: (r) => (
    <span className="whitespace-nowrap tabular-nums">
      {formatInt(r.inputTokens)} <span className="text-slate-400">/</span> {formatInt(r.outputTokens)}
    </span>
  ),
  cost: (r) => <span className="whitespace-nowrap tabular-nums">{formatCost(r.cost)}</span>,
  latency: (r) => <span className="whitespace-nowrap tabular-nums">{formatLatency(r.latencyMs)}</span>,
  status: (r) => <Badge tone={r.status === "error" ? "red" : "green"}>{r.status}</Badge>,
  rating: (r) => <span className="whitespace-nowrap tabular-nums">{formatRating(r.ratingMean, r.ratingCount)}</span>,
  user: (r) => (r.userId ? <span className="font-mono text-xs">{r.userId}</span> : dash),
  session: (r) => (r.sessionId ? <span className="font-mono text-xs">{r.sessionId}</span> : dash),
  release: (r) => (r.release ? <span className="font-mono text-xs">{r.release}</span> : dash),
  tags: (r) =>
    r.tags.length ? (
      <span className="flex flex-wrap gap-1">
        {r.tags.map((t) => (
          <Badge key={t}>{t}</Badge>
        ))}
      </span>
    ) : (
      dash
    ),
};

const RIGHT: ColumnId[] = ["tokens", "cost", "latency", "rating"];
/** Ten columns in the console's width: tighter than the shared cells' padding (`!`: override, not add). */
const cellClass = (id: ColumnId) => cx("px-2.5! first:pl-5! last:pr-5!", RIGHT.includes(id) && "text-right");

/** The traces list. The time cell is the row's link (keyboard); a click anywhere else on the row opens it too. */
export function TracesTable({ rows, visible, projectSlug }: { rows: TraceRow[]; visible: Set<ColumnId>; projectSlug: string }) {
  const router = useRouter();
  const cols = COLUMNS.filter((c) => visible.has(c.id));
  const open = (e: MouseEvent, href: string) => {
    // leave links, buttons and text selection alone
    if ((e.target as HTMLElement).closest("a,button") || window.getSelection()?.toString()) return;
    if (e.metaKey || e.ctrlKey) window.open(href, "_blank");
    else router.push(href);
  };
  return (
    <Table label="Traces">
      <thead>
        <tr>
          {cols.map((c) => (
            <Th key={c.id} className={cellClass(c.id)}>
              {c.label}
            </Th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => {
          const href = traceHref(projectSlug, r.id);
          return (
            <tr
              key={r.id}
              onClick={(e) => open(e, href)}
              className={r.status === "error" ? "cursor-pointer bg-red-50/40 hover:bg-red-50" : "cursor-pointer hover:bg-slate-50"}
            >
              {cols.map((c) => (
                <Td key={c.id} className={cellClass(c.id)}>
                  {CELLS[c.id](r, href)}
                </Td>
              ))}
            </tr>
          );
        })}
      </tbody>
    </Table>
  );
}
