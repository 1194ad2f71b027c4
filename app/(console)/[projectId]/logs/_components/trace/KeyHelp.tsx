"use client";

import { useId } from "react";

const Kbd = ({ children }: { children: string }) => (
  <kbd className="inline-block min-w-5 rounded border border-slate-300 bg-white px-1 text-center font-mono text-[11px] text-slate-700 shadow-xs">
    {children}
  </kbd>
);

/** A small "? keys" button that opens the overlay (for mouse users, and to say the overlay exists). */
export function KeyHelpButton({ onClick }: { onClick: () => void }) {
  return (
    <button type="button" onClick={onClick} className="text-xs font-medium text-slate-500 hover:text-slate-800" aria-haspopup="dialog">
      <Kbd>?</Kbd> Keyboard shortcuts
    </button>
  );
}

/** The rating keys, the same on the trace page and in queues; `skip` is shown only where there is one. */
export function KeyHelp({ open, onClose, skip }: { open: boolean; onClose: () => void; skip: boolean }) {
  const id = useId();
  if (!open) return null;
  const rows: [string[], string][] = [
    [["y", "n"], "Thumbs up / down, or yes / no (the first yes/no score)"],
    [["1", "9"], "A numeric score's value, or a categorical score's n-th label"],
    [["Enter"], "Submit (Ctrl/⌘ + Enter from a text box too)"],
    ...(skip ? ([[["s"], "Skip this item"]] as [string[], string][]) : []),
    [["c"], "Write a comment"],
    [["?"], "Show or hide this help"],
    [["Esc"], "Close this help"],
  ];
  return (
    <div
      role="dialog"
      aria-labelledby={id}
      className="fixed right-4 bottom-4 left-4 z-50 rounded-lg border border-slate-200 bg-white p-4 shadow-xl sm:left-auto sm:w-96"
    >
      <div className="mb-2 flex items-center justify-between gap-3">
        <h2 id={id} className="text-sm font-semibold text-slate-900">
          Keyboard shortcuts
        </h2>
        <button type="button" onClick={onClose} className="text-xs font-medium text-slate-500 hover:text-slate-800">
          Close
        </button>
      </div>
      <p className="mb-2 text-xs text-slate-500">Keys work while the cursor is not in a text box.</p>
      <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1.5 text-sm">
        {rows.map(([keys, what]) => (
          <div key={what} className="contents">
            <dt className="flex items-center gap-1 whitespace-nowrap">
              {keys.map((k, i) => (
                <span key={k} className="flex items-center gap-1">
                  {i > 0 && <span className="text-xs text-slate-400">{keys[0] === "1" ? "–" : "/"}</span>}
                  <Kbd>{k}</Kbd>
                </span>
              ))}
            </dt>
            <dd className="text-slate-700">{what}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}
