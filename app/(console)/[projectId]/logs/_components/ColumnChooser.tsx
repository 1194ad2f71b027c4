"use client";

import { useCallback } from "react";
import { DropdownMenu } from "@/app/_components/DropdownMenu";
import { useLocalStorage } from "./useLocalStorage";

export const COLUMNS = [
  { id: "time", label: "Time", fixed: true },
  { id: "name", label: "Name" },
  { id: "input", label: "Input" },
  { id: "output", label: "Output" },
  { id: "model", label: "Model" },
  { id: "tokens", label: "Tokens in/out" },
  { id: "cost", label: "Cost" },
  { id: "latency", label: "Latency" },
  { id: "status", label: "Status" },
  { id: "user", label: "User" },
  { id: "session", label: "Session" },
  { id: "release", label: "Release" },
  { id: "tags", label: "Tags" },
] as const;
export type FixedColumnId = (typeof COLUMNS)[number]["id"];
/** A fixed column, or one per score name (`score:quality`): scores are never averaged together. */
export type ColumnId = FixedColumnId | `score:${string}`;
export interface Column {
  id: ColumnId;
  label: string;
  fixed?: boolean;
  /** the score's name and type, for score columns */
  score?: { name: string; dataType: string };
}

/** The table's columns: the fixed ones with one per score name after Status. */
export function columnsFor(scores: { name: string; dataType: string }[]): Column[] {
  const at = COLUMNS.findIndex((c) => c.id === "status") + 1;
  const scoreCols: Column[] = scores.map((s) => ({ id: `score:${s.name}`, label: s.name, score: s }));
  const fixed: Column[] = COLUMNS.map((c) => ({ ...c }));
  return [...fixed.slice(0, at), ...scoreCols, ...fixed.slice(at)];
}

const ALL_IDS: readonly string[] = COLUMNS.map((c) => c.id);
const DEFAULT_HIDDEN: ColumnId[] = ["user", "session", "release", "tags"];
const STORAGE_KEY = "keel.logs.hiddenColumns";

/** Stored: the hidden column ids (so columns added later, and new score names, show by default). */
const parseHidden = (v: unknown): ColumnId[] | null =>
  Array.isArray(v) ? (v.filter((x) => typeof x === "string" && (ALL_IDS.includes(x) || x.startsWith("score:"))) as ColumnId[]) : null;

/** Which columns show, kept in this browser's localStorage (the same for every project). */
export function useColumns(columns: Column[]): [Set<ColumnId>, (id: ColumnId, show: boolean) => void, () => void] {
  const [hidden, setHidden] = useLocalStorage<ColumnId[]>(STORAGE_KEY, DEFAULT_HIDDEN, parseHidden);
  const visible = new Set(columns.map((c) => c.id).filter((id) => !hidden.includes(id)));
  const toggle = useCallback(
    (id: ColumnId, show: boolean) => setHidden(show ? hidden.filter((h) => h !== id) : [...hidden.filter((h) => h !== id), id]),
    [hidden, setHidden],
  );
  return [visible, toggle, () => setHidden(null)];
}

export function ColumnChooser({
  columns,
  visible,
  onToggle,
  onReset,
}: {
  columns: Column[];
  visible: Set<ColumnId>;
  onToggle: (id: ColumnId, show: boolean) => void;
  onReset: () => void;
}) {
  return (
    <DropdownMenu label="Columns">
      <fieldset className="absolute right-0 z-20 mt-1 max-h-[70vh] w-56 overflow-y-auto rounded-md border border-slate-200 bg-white p-2 shadow-lg">
        <legend className="sr-only">Visible columns</legend>
        {columns.map((c) => (
          <label key={c.id} className="flex items-center gap-2 rounded px-2 py-1 text-sm text-slate-700 hover:bg-slate-50">
            <input
              type="checkbox"
              className="size-4 rounded border-slate-300 accent-indigo-600"
              checked={visible.has(c.id)}
              disabled={c.fixed}
              onChange={(e) => onToggle(c.id, e.target.checked)}
            />
            {c.score ? (
              <span className="truncate">
                {c.label} <span className="text-xs text-slate-400">score</span>
              </span>
            ) : (
              c.label
            )}
          </label>
        ))}
        <button
          type="button"
          onClick={onReset}
          className="mt-1 w-full rounded px-2 py-1 text-left text-xs font-medium text-indigo-600 hover:bg-indigo-50"
        >
          Reset to defaults
        </button>
      </fieldset>
    </DropdownMenu>
  );
}
