"use client";

import { type ReactNode, useId, useState } from "react";
import { Input } from "@/app/_components/ui";

/** Above this many options the list gets a filter box and scrolls. */
const SEARCH_FROM = 8;

/**
 * Pick several of a list by plain click (or Space): the multi-select of the console, instead of a
 * <select multiple> that needs ctrl/cmd-click. A fieldset of native checkboxes, so Tab and Space
 * work and the legend names the group. `value` keeps the order things were checked in (a router's
 * fallbacks are tried in that order); `ordered` numbers the checked ones to show it.
 */
export function CheckboxList({
  label,
  hint,
  error,
  options,
  value,
  onChange,
  ordered = false,
  empty = "Nothing to pick yet.",
}: {
  label: ReactNode;
  hint?: ReactNode;
  error?: string;
  options: readonly string[];
  value: readonly string[];
  onChange: (v: string[]) => void;
  ordered?: boolean;
  empty?: ReactNode;
}) {
  const id = useId();
  const [query, setQuery] = useState("");
  const searchable = options.length > SEARCH_FROM;
  const q = query.trim().toLowerCase();
  const shown = q ? options.filter((o) => o.toLowerCase().includes(q)) : options;
  const toggle = (o: string, on: boolean) => onChange(on ? [...value.filter((v) => v !== o), o] : value.filter((v) => v !== o));
  const described = [error ? `${id}-error` : null, hint && !error ? `${id}-hint` : null].filter(Boolean).join(" ") || undefined;
  return (
    <fieldset className="flex min-w-0 flex-col gap-1.5" aria-describedby={described} aria-invalid={!!error || undefined}>
      <legend className="mb-1.5 text-sm font-medium text-slate-700">{label}</legend>
      {searchable && (
        <Input
          type="search"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          placeholder="Filter…"
          aria-label={`Filter ${typeof label === "string" ? label : "options"}`}
          className="h-8"
        />
      )}
      <div
        className={`flex flex-col gap-0.5 rounded-md border bg-white px-2 py-1.5 ${error ? "border-red-400" : "border-slate-300"} ${searchable ? "max-h-48 overflow-y-auto" : ""}`}
      >
        {options.length === 0 ? (
          <p className="px-1 py-0.5 text-sm text-slate-500">{empty}</p>
        ) : shown.length === 0 ? (
          <p className="px-1 py-0.5 text-sm text-slate-500">No match.</p>
        ) : (
          shown.map((o) => {
            const at = value.indexOf(o);
            return (
              <label
                key={o}
                className="flex min-w-0 cursor-pointer items-center gap-2 rounded px-1 py-0.5 text-sm text-slate-800 hover:bg-slate-50"
              >
                <input
                  type="checkbox"
                  checked={at >= 0}
                  onChange={(e) => toggle(o, e.target.checked)}
                  className="size-4 shrink-0 rounded border-slate-300"
                />
                <span className="break-all">{o}</span>
                {ordered && at >= 0 && (
                  <span className="ml-auto shrink-0 text-xs text-slate-500" title="Order tried">
                    {at + 1}
                  </span>
                )}
              </label>
            );
          })
        )}
      </div>
      {error && (
        <p id={`${id}-error`} className="text-xs text-red-600">
          {error}
        </p>
      )}
      {hint && !error && (
        <p id={`${id}-hint`} className="text-xs text-slate-500">
          {hint}
        </p>
      )}
    </fieldset>
  );
}
