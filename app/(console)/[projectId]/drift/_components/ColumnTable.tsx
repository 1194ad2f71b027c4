"use client";

import { useState } from "react";
import { cx } from "@/app/_components/classes";
import { ScrollX } from "@/app/_components/ui";
import { formatCount, formatStat, testLabel } from "./format";
import { VerdictBadge } from "./shared";
import type { ColumnResult } from "./types";

type Key = "name" | "type" | "test" | "value" | "threshold" | "verdict" | "ref" | "cur" | "dropped";
const HEADERS: { key: Key; label: string; numeric?: boolean }[] = [
  { key: "name", label: "Column" },
  { key: "type", label: "Type" },
  { key: "test", label: "Test" },
  { key: "value", label: "Value", numeric: true },
  { key: "threshold", label: "Threshold", numeric: true },
  { key: "verdict", label: "Verdict" },
  { key: "ref", label: "Ref size", numeric: true },
  { key: "cur", label: "Cur size", numeric: true },
  { key: "dropped", label: "Dropped", numeric: true },
];

export const columnVerdict = (c: ColumnResult) => (c.status !== "tested" ? c.status : c.drift ? "drift" : "no_drift");
/** drifted first when sorting by verdict */
const VERDICT_ORDER: Record<string, number> = { drift: 0, failed: 1, not_enough_data: 2, no_drift: 3 };

function sortValue(c: ColumnResult, key: Key): string | number {
  switch (key) {
    case "name":
      return c.name;
    case "type":
      return c.type;
    case "test":
      return c.stattest ?? "";
    case "value":
      return c.value ?? Number.NEGATIVE_INFINITY;
    case "threshold":
      return c.threshold ?? Number.NEGATIVE_INFINITY;
    case "verdict":
      return VERDICT_ORDER[columnVerdict(c)] ?? 9;
    case "ref":
      return c.referenceSize;
    case "cur":
      return c.currentSize;
    case "dropped":
      return c.dropped.reference + c.dropped.current;
  }
}

/**
 * The per-column results of a run (caption "Columns"): sortable by any header (click it again to
 * reverse), and each column name picks the column the chart below shows.
 */
export function ColumnTable({
  columns,
  selected,
  onSelect,
}: {
  columns: ColumnResult[];
  selected: string | null;
  onSelect: (name: string) => void;
}) {
  const [sort, setSort] = useState<{ key: Key; dir: 1 | -1 } | null>(null);
  const rows = sort
    ? [...columns].sort((a, b) => {
        const x = sortValue(a, sort.key);
        const y = sortValue(b, sort.key);
        return (typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y))) * sort.dir;
      })
    : columns;
  return (
    <ScrollX label="Columns" className="-mx-5">
      <table className="w-full border-collapse text-left text-sm [&>tbody>tr:last-child>td]:border-b-0">
        <caption className="sr-only">Columns</caption>
        <thead>
          <tr>
            {HEADERS.map((h) => {
              const active = sort?.key === h.key;
              return (
                <th
                  key={h.key}
                  scope="col"
                  aria-sort={active ? (sort.dir === 1 ? "ascending" : "descending") : "none"}
                  className={cx("border-b border-slate-200 bg-slate-50 px-3 py-2 first:pl-5 last:pr-5", h.numeric && "text-right")}
                >
                  <button
                    type="button"
                    onClick={() => setSort(active ? { key: h.key, dir: sort.dir === 1 ? -1 : 1 } : { key: h.key, dir: 1 })}
                    className="inline-flex items-center gap-1 text-xs font-medium tracking-wide whitespace-nowrap text-slate-500 uppercase hover:text-slate-900"
                  >
                    {h.label}
                    <span aria-hidden="true" className={cx("text-[10px]", !active && "text-slate-300")}>
                      {active ? (sort.dir === 1 ? "▲" : "▼") : "↕"}
                    </span>
                  </button>
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {rows.map((c) => {
            const isSel = c.name === selected;
            const dropped = c.dropped.reference + c.dropped.current;
            return (
              <tr key={c.name} className={cx(isSel ? "bg-indigo-50/60" : "hover:bg-slate-50")}>
                <td className="border-b border-slate-100 py-2 pr-3 pl-5">
                  <button
                    type="button"
                    aria-pressed={isSel}
                    aria-label={`Show ${c.name} in the chart`}
                    onClick={() => onSelect(c.name)}
                    className={cx(
                      "text-left font-mono text-xs",
                      isSel ? "font-semibold text-indigo-700" : "text-indigo-600 hover:text-indigo-500",
                    )}
                  >
                    {c.name}
                  </button>
                  <div className="text-xs text-slate-500">{c.label}</div>
                </td>
                <td className="border-b border-slate-100 px-3 py-2 text-xs text-slate-600">{c.type}</td>
                <td className="border-b border-slate-100 px-3 py-2 text-xs text-slate-600">{testLabel(c.stattest)}</td>
                <td className="border-b border-slate-100 px-3 py-2 text-right tabular-nums">{formatStat(c.value)}</td>
                <td className="border-b border-slate-100 px-3 py-2 text-right tabular-nums">{formatStat(c.threshold)}</td>
                <td className="border-b border-slate-100 px-3 py-2" title={c.error}>
                  <VerdictBadge verdict={columnVerdict(c)} />
                </td>
                <td className="border-b border-slate-100 px-3 py-2 text-right tabular-nums">{formatCount(c.referenceSize)}</td>
                <td className="border-b border-slate-100 px-3 py-2 text-right tabular-nums">{formatCount(c.currentSize)}</td>
                <td
                  className="border-b border-slate-100 py-2 pr-5 pl-3 text-right tabular-nums"
                  title={dropped ? `reference ${c.dropped.reference}, current ${c.dropped.current}: values that are no number` : undefined}
                >
                  {dropped ? formatCount(dropped) : "—"}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </ScrollX>
  );
}
