"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import type { MouseEvent, ReactNode } from "react";
import { cx } from "@/app/_components/classes";
import { Badge, Table, Td, Th } from "@/app/_components/ui";
import { formatCost, formatDateTime, formatRelative } from "@/app/_lib/format";
import type { RouterOutputs } from "@/app/_lib/trpc";
import type { Column, ColumnId, FixedColumnId } from "./ColumnChooser";
import type { ExplorerSort, SortKey } from "./filters";
import { formatInt, formatLatency, formatListTime, formatScore, previewText } from "./format";

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

const CELLS: Record<FixedColumnId, (r: TraceRow, href: string) => ReactNode> = {
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

const RIGHT: ColumnId[] = ["tokens", "cost", "latency"];
/** Many columns in the console's width: tighter than the shared cells' padding (`!`: override, not add). */
const cellClass = (c: Column) => cx("px-2.5! first:pl-5! last:pr-5!", (RIGHT.includes(c.id) || c.score) && "text-right");

/** The sort key a column's header sets, if it sorts (a categorical or text score has no order). */
function sortKeyOf(c: Column): SortKey | null {
  if (c.id === "time" || c.id === "latency" || c.id === "cost" || c.id === "tokens") return c.id;
  if (c.score && c.score.dataType !== "text") return `score:${c.score.name}`;
  return null;
}

function Cell({ c, r, href }: { c: Column; r: TraceRow; href: string }) {
  if (!c.score) return CELLS[c.id as FixedColumnId](r, href);
  const name = c.score.name;
  return <span className="whitespace-nowrap tabular-nums">{formatScore(r.scores?.find((s) => s.name === name))}</span>;
}

/** A header that sorts: a button toggling the direction (a new column starts descending), aria-sort on the cell. */
function SortHeader({ c, sort, onSort }: { c: Column; sort: ExplorerSort; onSort: (s: ExplorerSort) => void }) {
  const key = sortKeyOf(c);
  if (!key) return <Th className={cellClass(c)}>{c.label}</Th>;
  const active = sort.key === key;
  const next: ExplorerSort = { key, dir: active && sort.dir === "desc" ? "asc" : "desc" };
  return (
    <Th className={cellClass(c)} aria-sort={active ? (sort.dir === "asc" ? "ascending" : "descending") : "none"}>
      <button
        type="button"
        onClick={() => onSort(next)}
        className="inline-flex items-center gap-1 whitespace-nowrap uppercase hover:text-slate-900"
        title={`Sort by ${c.label}, ${next.dir === "asc" ? "ascending" : "descending"}`}
      >
        {c.label}
        <span aria-hidden="true" className={active ? "text-slate-900" : "text-slate-300"}>
          {active && sort.dir === "asc" ? "▲" : "▼"}
        </span>
      </button>
    </Th>
  );
}

const box = "size-4 rounded border-slate-300 accent-indigo-600";

/**
 * The traces list. The time cell is the row's link (keyboard); a click anywhere else on the row opens
 * it too. Sortable headers (server-side); a checkbox per row and one for the whole page.
 */
export function TracesTable({
  rows,
  columns,
  visible,
  projectSlug,
  sort,
  onSort,
  selected,
  onSelect,
}: {
  rows: TraceRow[];
  columns: Column[];
  visible: Set<ColumnId>;
  projectSlug: string;
  sort: ExplorerSort;
  onSort: (s: ExplorerSort) => void;
  selected: Set<string>;
  onSelect: (ids: string[], on: boolean) => void;
}) {
  const router = useRouter();
  const cols = columns.filter((c) => visible.has(c.id));
  const allOn = rows.length > 0 && rows.every((r) => selected.has(r.id));
  const someOn = !allOn && rows.some((r) => selected.has(r.id));
  const open = (e: MouseEvent, href: string) => {
    // leave links, buttons, checkboxes and text selection alone
    if ((e.target as HTMLElement).closest("a,button,input,label") || window.getSelection()?.toString()) return;
    if (e.metaKey || e.ctrlKey) window.open(href, "_blank");
    else router.push(href);
  };
  return (
    <Table label="Traces">
      <thead>
        <tr>
          <Th className="w-8 px-2.5! pl-5!">
            <input
              type="checkbox"
              className={box}
              aria-label="Select all traces on this page"
              checked={allOn}
              ref={(el) => {
                if (el) el.indeterminate = someOn;
              }}
              onChange={(e) =>
                onSelect(
                  rows.map((r) => r.id),
                  e.target.checked,
                )
              }
            />
          </Th>
          {cols.map((c) => (
            <SortHeader key={c.id} c={c} sort={sort} onSort={onSort} />
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => {
          const href = traceHref(projectSlug, r.id);
          const on = selected.has(r.id);
          return (
            <tr
              key={r.id}
              onClick={(e) => open(e, href)}
              aria-selected={on}
              className={cx(
                "cursor-pointer",
                on ? "bg-indigo-50/60" : r.status === "error" ? "bg-red-50/40 hover:bg-red-50" : "hover:bg-slate-50",
              )}
            >
              <Td className="w-8 px-2.5! pl-5!">
                <input
                  type="checkbox"
                  className={box}
                  aria-label={`Select trace ${r.id}`}
                  checked={on}
                  onChange={(e) => onSelect([r.id], e.target.checked)}
                />
              </Td>
              {cols.map((c) => (
                <Td key={c.id} className={cellClass(c)}>
                  <Cell c={c} r={r} href={href} />
                </Td>
              ))}
            </tr>
          );
        })}
      </tbody>
    </Table>
  );
}
