"use client";

import { useState } from "react";
import { cx } from "@/app/_components/classes";

const LONG = 1_200; // characters shown before "Show all"

/** A logged value: strings as wrapped text, anything else as indented JSON; long ones fold. */
export function JsonBlock({ value, label, className }: { value: unknown; label?: string; className?: string }) {
  const [all, setAll] = useState(false);
  const text = typeof value === "string" ? value : (JSON.stringify(value, null, 2) ?? String(value));
  const long = text.length > LONG;
  return (
    <div className={cx("min-w-0", className)}>
      {label && <div className="mb-1 text-xs font-medium tracking-wide text-slate-500 uppercase">{label}</div>}
      <pre
        className={cx(
          "overflow-x-auto rounded-md border border-slate-200 bg-slate-50 px-3 py-2 font-mono text-xs leading-relaxed break-words whitespace-pre-wrap text-slate-800",
          !all && long && "max-h-72 overflow-y-hidden",
        )}
      >
        {all || !long ? text : `${text.slice(0, LONG)}…`}
      </pre>
      {long && (
        <button type="button" onClick={() => setAll(!all)} className="mt-1 text-xs font-medium text-indigo-600 hover:text-indigo-500">
          {all ? "Show less" : `Show all (${text.length.toLocaleString()} characters)`}
        </button>
      )}
    </div>
  );
}
