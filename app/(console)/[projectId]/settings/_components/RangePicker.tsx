"use client";

import { cx } from "@/app/_components/classes";
import { RANGES, type RangeKey } from "./limits";

/** The spend views' range: last 24 hours (hourly), 7 or 30 days (daily), as a row of toggle buttons. */
export function RangePicker({ value, onChange }: { value: RangeKey; onChange: (r: RangeKey) => void }) {
  const keys = Object.keys(RANGES) as RangeKey[];
  return (
    <fieldset className="flex items-center gap-2">
      <legend className="sr-only">Range</legend>
      <span aria-hidden="true" className="text-sm font-medium text-slate-700">
        Range
      </span>
      <div className="inline-flex rounded-md shadow-sm">
        {keys.map((r, i) => (
          <button
            key={r}
            type="button"
            aria-pressed={value === r}
            aria-label={RANGES[r].label}
            onClick={() => onChange(r)}
            className={cx(
              "h-8 border border-slate-300 px-3 text-sm font-medium",
              i === 0 ? "rounded-l-md" : i === keys.length - 1 ? "-ml-px rounded-r-md" : "-ml-px",
              value === r ? "z-10 border-indigo-600 bg-indigo-600 text-white" : "bg-white text-slate-700 hover:bg-slate-50",
            )}
          >
            {r}
          </button>
        ))}
      </div>
    </fieldset>
  );
}
