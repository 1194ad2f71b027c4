"use client";

import { useEffect, useRef } from "react";

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
  const ref = useRef<HTMLDetailsElement>(null);
  // closes on Escape and on a click outside it (a bare <details> would stay open)
  useEffect(() => {
    const close = (e: Event) => {
      const el = ref.current;
      if (!el?.open) return;
      if (e instanceof KeyboardEvent ? e.key === "Escape" : !el.contains(e.target as Node)) {
        el.open = false;
        if (e instanceof KeyboardEvent) el.querySelector("summary")?.focus();
      }
    };
    document.addEventListener("click", close);
    document.addEventListener("keydown", close);
    return () => {
      document.removeEventListener("click", close);
      document.removeEventListener("keydown", close);
    };
  }, []);
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
    <details ref={ref} className="relative">
      <summary className="inline-flex h-9 cursor-pointer list-none items-center gap-1.5 rounded-md border border-slate-300 bg-white px-3.5 text-sm font-medium text-slate-700 shadow-sm select-none hover:bg-slate-50">
        Columns
        <span aria-hidden="true" className="text-xs text-slate-400">
          ▾
        </span>
      </summary>
      <div className="absolute right-0 z-20 mt-1 flex max-h-96 w-64 flex-col gap-2 overflow-y-auto rounded-md border border-slate-200 bg-white p-2 shadow-lg">
        {group("Parameters", "params", paramKeys)}
        {group("Metrics", "metrics", metricKeys)}
      </div>
    </details>
  );
}
