"use client";

import { type ReactNode, useEffect, useRef } from "react";

/**
 * A button that opens a panel below it (the "Columns" menus). A <details> element, so it opens
 * without script; it also closes on Escape (focus back on the button) and on a click outside it,
 * which a bare <details> would not do.
 */
export function DropdownMenu({ label, children }: { label: ReactNode; children: ReactNode }) {
  const ref = useRef<HTMLDetailsElement>(null);
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
  return (
    <details ref={ref} className="relative">
      <summary className="inline-flex h-9 cursor-pointer list-none items-center gap-1.5 rounded-md border border-slate-300 bg-white px-3.5 text-sm font-medium text-slate-700 shadow-sm select-none hover:bg-slate-50">
        {label}
        <span aria-hidden="true" className="text-xs text-slate-400">
          ▾
        </span>
      </summary>
      {children}
    </details>
  );
}
