"use client";

import { DropdownMenu } from "@/app/_components/DropdownMenu";

/** A "Columns" menu: which params and metrics show as columns of the runs table. Ids are `params.KEY` / `metrics.KEY`. */
export function RunColumns({
  paramKeys,
  metricKeys,
  hidden,
  onToggle,
}: {
  paramKeys: string[];
  metricKeys: string[];
  hidden: Set<string>;
  onToggle: (id: string, show: boolean) => void;
}) {
  const group = (legend: string, kind: "params" | "metrics", keys: string[]) => (
    <fieldset className="flex flex-col">
      <legend className="px-2 pt-1 text-xs font-medium tracking-wide text-slate-500 uppercase">{legend}</legend>
      {keys.length === 0 && <p className="px-2 py-1 text-xs text-slate-400">None logged.</p>}
      {keys.map((k) => {
        const id = `${kind}.${k}`;
        return (
          <label key={id} className="flex items-center gap-2 rounded px-2 py-1 font-mono text-xs text-slate-700 hover:bg-slate-50">
            <input
              type="checkbox"
              className="size-4 rounded border-slate-300 accent-indigo-600"
              checked={!hidden.has(id)}
              onChange={(e) => onToggle(id, e.target.checked)}
            />
            {k}
          </label>
        );
      })}
    </fieldset>
  );
  return (
    <DropdownMenu label="Columns">
      <div className="absolute right-0 z-20 mt-1 flex max-h-96 w-64 flex-col gap-2 overflow-y-auto rounded-md border border-slate-200 bg-white p-2 shadow-lg">
        {group("Parameters", "params", paramKeys)}
        {group("Metrics", "metrics", metricKeys)}
      </div>
    </DropdownMenu>
  );
}
