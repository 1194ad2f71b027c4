"use client";

import { useId } from "react";
import { cx } from "@/app/_components/classes";
import { Field, Input, Select } from "@/app/_components/ui";
import { describeFilter, type FillDraft, MAX_TRACE_IDS, parseTraceIds, TIME_PRESETS, type TimePreset } from "./fill";

const MODES = [
  { value: "filter", label: "Traces matching a filter" },
  { value: "ids", label: "Trace ids" },
] as const;

/** Which traces go into a new queue: a filter (tags, search text, time range) or pasted ids. */
export function FillFields({
  draft,
  onChange,
  error,
}: {
  draft: FillDraft;
  onChange: (d: Partial<FillDraft>) => void;
  error: { field: string; message: string } | null;
}) {
  const idsId = useId();
  const err = (field: string) => (error?.field === field ? error.message : undefined);
  const idCount = draft.mode === "ids" ? parseTraceIds(draft.ids).length : 0;

  return (
    <fieldset className="flex flex-col gap-3 rounded-md border border-slate-200 bg-slate-50 p-4">
      <legend className="px-1 text-sm font-medium text-slate-700">Items</legend>
      <div role="radiogroup" aria-label="Fill the queue with" className="flex flex-wrap gap-4">
        {MODES.map((m) => (
          <label key={m.value} className="flex items-center gap-2 text-sm text-slate-700">
            <input
              type="radio"
              name="fill-mode"
              className="size-4 accent-indigo-600"
              checked={draft.mode === m.value}
              onChange={() => onChange({ mode: m.value })}
            />
            {m.label}
          </label>
        ))}
      </div>

      {draft.mode === "filter" ? (
        <>
          <div className="grid gap-3 sm:grid-cols-3">
            <Field label="Tags" hint="Comma separated; traces carrying all of them" error={err("tags")}>
              <Input value={draft.tags} onChange={(e) => onChange({ tags: e.target.value })} placeholder="support, v2" />
            </Field>
            <Field label="Search text" hint={'Words in input or output; "quoted", -not, or'}>
              <Input value={draft.search} onChange={(e) => onChange({ search: e.target.value })} maxLength={500} placeholder="refund" />
            </Field>
            <Field label="Time range">
              <Select value={draft.range} onChange={(e) => onChange({ range: e.target.value as TimePreset })}>
                {TIME_PRESETS.map((p) => (
                  <option key={p.value} value={p.value}>
                    {p.label}
                  </option>
                ))}
              </Select>
            </Field>
          </div>
          <p className="text-xs text-slate-500">{describeFilter(draft)}</p>
        </>
      ) : (
        <div className="flex flex-col gap-1.5">
          <label htmlFor={idsId} className="text-sm font-medium text-slate-700">
            Trace ids
          </label>
          <textarea
            id={idsId}
            rows={5}
            value={draft.ids}
            onChange={(e) => onChange({ ids: e.target.value })}
            placeholder={"one id a line\ntrace-123\ntrace-456"}
            aria-invalid={!!err("ids") || undefined}
            aria-describedby={`${idsId}-hint`}
            className={cx(
              "w-full rounded-md border bg-white px-3 py-2 font-mono text-xs text-slate-900 shadow-sm placeholder:text-slate-400 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500/40",
              err("ids") ? "border-red-400" : "border-slate-300 focus-visible:border-indigo-500",
            )}
          />
          <p id={`${idsId}-hint`} className={err("ids") ? "text-xs text-red-600" : "text-xs text-slate-500"}>
            {err("ids") ??
              `${idCount.toLocaleString()} id${idCount === 1 ? "" : "s"}; ids not in this project are left out (at most ${MAX_TRACE_IDS.toLocaleString()}).`}
          </p>
        </div>
      )}
    </fieldset>
  );
}
