"use client";

import { useId } from "react";
import { cx } from "@/app/_components/classes";
import { type Draft, rangeText, type ScoreConfig, scaleOf } from "./review";

const choiceClass = (on: boolean, tone: "indigo" | "green" | "red" = "indigo") =>
  cx(
    "inline-flex h-9 min-w-9 items-center justify-center rounded-md border px-3 text-sm font-medium tabular-nums transition-colors focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500/40",
    !on && "border-slate-300 bg-white text-slate-700 hover:bg-slate-50",
    on && tone === "indigo" && "border-indigo-600 bg-indigo-600 text-white shadow-sm",
    on && tone === "green" && "border-emerald-600 bg-emerald-600 text-white shadow-sm",
    on && tone === "red" && "border-red-600 bg-red-600 text-white shadow-sm",
  );

const fieldClass =
  "rounded-md border border-slate-300 bg-white px-3 text-sm text-slate-900 shadow-sm placeholder:text-slate-400 focus:outline-none focus-visible:border-indigo-500 focus-visible:ring-2 focus-visible:ring-indigo-500/40";

interface Choice {
  key: string;
  label: string;
  value: Draft;
  tone?: "green" | "red";
}

function choicesOf(c: ScoreConfig): Choice[] | null {
  if (c.dataType === "boolean")
    return [
      { key: "yes", label: "Yes", value: true, tone: "green" },
      { key: "no", label: "No", value: false, tone: "red" },
    ];
  if (c.dataType === "categorical") return (c.categories ?? []).map((x) => ({ key: x.label, label: x.label, value: x.label }));
  const scale = scaleOf(c);
  return scale ? scale.map((n) => ({ key: String(n), label: String(n), value: String(n) })) : null;
}

/** One score config's control: toggle buttons for yes/no, categories and short scales; a number input or textarea otherwise. */
export function ScoreControl({
  config,
  value,
  onChange,
  shortcut,
}: {
  config: ScoreConfig;
  value: Draft | undefined;
  onChange: (v: Draft | undefined) => void;
  shortcut?: string;
}) {
  const id = useId();
  const hint = [config.description, config.dataType === "numeric" && !scaleOf(config) ? rangeText(config) : null, shortcut]
    .filter(Boolean)
    .join(" · ");
  const choices = choicesOf(config);

  if (choices) {
    return (
      <fieldset className="flex flex-col gap-1.5" aria-describedby={hint ? `${id}-hint` : undefined}>
        <legend className="mb-1.5 text-sm font-medium text-slate-700">{config.name}</legend>
        <div className="flex flex-wrap items-center gap-2">
          {choices.map((c) => (
            <button
              key={c.key}
              type="button"
              data-choice=""
              aria-pressed={value === c.value}
              onClick={() => onChange(value === c.value ? undefined : c.value)}
              className={choiceClass(value === c.value, c.tone)}
            >
              {c.label}
            </button>
          ))}
        </div>
        {hint && (
          <p id={`${id}-hint`} className="text-xs text-slate-500">
            {hint}
          </p>
        )}
      </fieldset>
    );
  }

  return (
    <div className="flex flex-col gap-1.5">
      <label htmlFor={id} className="text-sm font-medium text-slate-700">
        {config.name}
        {config.dataType === "text" && <span className="ml-1 font-normal text-slate-400">(optional)</span>}
      </label>
      {config.dataType === "text" ? (
        <textarea
          id={id}
          rows={2}
          maxLength={5000}
          value={typeof value === "string" ? value : ""}
          onChange={(e) => onChange(e.target.value || undefined)}
          aria-describedby={hint ? `${id}-hint` : undefined}
          className={cx(fieldClass, "w-full py-2")}
        />
      ) : (
        <input
          id={id}
          type="number"
          step="any"
          inputMode="decimal"
          min={config.min ?? undefined}
          max={config.max ?? undefined}
          value={typeof value === "string" ? value : ""}
          onChange={(e) => onChange(e.target.value || undefined)}
          aria-describedby={hint ? `${id}-hint` : undefined}
          className={cx(fieldClass, "h-9 w-40")}
        />
      )}
      {hint && (
        <p id={`${id}-hint`} className="text-xs text-slate-500">
          {hint}
        </p>
      )}
    </div>
  );
}
