"use client";

import { type KeyboardEvent, type ReactNode, type Ref, useId } from "react";
import { cx } from "@/app/_components/classes";
import { Field, Input } from "@/app/_components/ui";
import type { RouterOutputs } from "@/app/_lib/trpc";
import { rangeText } from "../../queues/_components/review";
import { Thumb } from "./Thumb";

export type ScoreConfig = Pick<
  RouterOutputs["logs"]["scoreConfigs"]["list"][number],
  "id" | "name" | "dataType" | "min" | "max" | "categories" | "description"
>;

/** Form value per config: numbers as typed, the category's label, the text, or thumbs. */
export type DraftValue = string | boolean;

/** Used for the thumbs shortcuts when the project has no boolean score config. */
export const DEFAULT_FEEDBACK: ScoreConfig = {
  id: "default:user-feedback",
  name: "user-feedback",
  dataType: "boolean",
  min: null,
  max: null,
  categories: null,
  description: "Thumbs up or down. Add score configs in Logs settings for more.",
};

/** Enter in a textarea saves; Shift+Enter is a new line. */
export const enterSubmits = (e: KeyboardEvent<HTMLTextAreaElement>) => {
  if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
    e.preventDefault();
    e.currentTarget.form?.requestSubmit();
  }
};

const choiceClass = (on: boolean) =>
  cx(
    "inline-flex h-9 items-center gap-1.5 rounded-md border px-3 text-sm font-medium transition-colors",
    on ? "border-indigo-600 bg-indigo-600 text-white shadow-sm" : "border-slate-300 bg-white text-slate-700 hover:bg-slate-50",
  );

/** One score config's control. Choice buttons carry data-choice: Enter on them saves the form (Space picks). */
export function RatingControl({
  config,
  value,
  onChange,
  shortcut,
}: {
  config: ScoreConfig;
  value: DraftValue | undefined;
  onChange: (v: DraftValue | undefined) => void;
  shortcut?: string;
}) {
  const hint = [config.description, shortcut].filter(Boolean).join(" · ");
  if (config.dataType === "numeric") {
    return (
      <Field label={config.name} hint={`${rangeText(config)}${hint ? ` · ${hint}` : ""}`}>
        <Input
          type="number"
          step="any"
          min={config.min ?? undefined}
          max={config.max ?? undefined}
          value={typeof value === "string" ? value : ""}
          onChange={(e) => onChange(e.target.value || undefined)}
          className="max-w-40"
        />
      </Field>
    );
  }
  if (config.dataType === "text") {
    return (
      <TextArea
        label={config.name}
        hint={hint || undefined}
        value={typeof value === "string" ? value : ""}
        onChange={(v) => onChange(v || undefined)}
      />
    );
  }
  const choices: { label: string; value: DraftValue; text: ReactNode }[] =
    config.dataType === "boolean"
      ? [
          {
            label: "Thumbs up",
            value: true,
            text: (
              <>
                <Thumb /> Up
              </>
            ),
          },
          {
            label: "Thumbs down",
            value: false,
            text: (
              <>
                <Thumb down /> Down
              </>
            ),
          },
        ]
      : (config.categories ?? []).map((c) => ({ label: c.label, value: c.label, text: c.label }));
  return (
    <fieldset className="flex flex-col gap-1.5">
      <legend className="mb-1.5 text-sm font-medium text-slate-700">{config.name}</legend>
      <div className="flex flex-wrap items-center gap-2">
        {choices.map((c) => (
          <button
            key={c.label}
            type="button"
            data-choice=""
            aria-pressed={value === c.value}
            aria-label={config.dataType === "boolean" ? c.label : undefined}
            onClick={() => onChange(c.value)}
            className={choiceClass(value === c.value)}
          >
            {c.text}
          </button>
        ))}
        {value !== undefined && (
          <button type="button" onClick={() => onChange(undefined)} className="text-xs text-slate-500 hover:text-slate-800">
            Clear
          </button>
        )}
      </div>
      {hint && <p className="text-xs text-slate-500">{hint}</p>}
    </fieldset>
  );
}

/** A labelled textarea (the shared <Field> wires only its own controls); Enter saves the form. */
export function TextArea({
  label,
  hint,
  value,
  onChange,
  textareaRef,
  placeholder,
}: {
  label: string;
  hint?: string;
  value: string;
  onChange: (v: string) => void;
  textareaRef?: Ref<HTMLTextAreaElement>;
  placeholder?: string;
}) {
  const id = useId();
  return (
    <div className="flex flex-col gap-1.5">
      <label htmlFor={id} className="text-sm font-medium text-slate-700">
        {label}
      </label>
      <textarea
        id={id}
        ref={textareaRef}
        rows={2}
        value={value}
        placeholder={placeholder}
        aria-describedby={hint ? `${id}-hint` : undefined}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={enterSubmits}
        maxLength={5000}
        className="w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900 shadow-sm placeholder:text-slate-400 focus:outline-none focus-visible:border-indigo-500 focus-visible:ring-2 focus-visible:ring-indigo-500/40"
      />
      {hint && (
        <p id={`${id}-hint`} className="text-xs text-slate-500">
          {hint}
        </p>
      )}
    </div>
  );
}
