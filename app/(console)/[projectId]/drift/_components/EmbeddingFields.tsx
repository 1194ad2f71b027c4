"use client";

import { Field, Input, Select } from "@/app/_components/ui";
import type { Draft } from "./draft";
import { embeddingMethodLabel } from "./format";
import type { ErrorAt, Patch } from "./SourceFields";

const METHODS = ["model", "distance", "ratio", "mmd"];

/** The optional embedding drift of a monitor: which text, which feature-extraction model, which method. */
export function EmbeddingFields({ draft, set, errorAt }: { draft: Draft; set: Patch; errorAt: ErrorAt }) {
  const e = draft.embeddings;
  const patch = (p: Partial<Draft["embeddings"]>) => set({ embeddings: { ...e, ...p } });
  return (
    <fieldset className="flex flex-col gap-4">
      <legend className="mb-2 text-sm font-semibold text-slate-900">Embeddings (optional)</legend>
      <label className="flex items-center gap-2 text-sm text-slate-700">
        <input
          type="checkbox"
          checked={e.on}
          onChange={(ev) => patch({ on: ev.target.checked })}
          className="size-4 rounded border-slate-300"
        />
        Also test embedding drift of the texts
      </label>
      {e.on && (
        <div className="grid gap-4 sm:grid-cols-3">
          <Field label="Text" error={errorAt("config.embeddings.field")}>
            <Select value={e.field} onChange={(ev) => patch({ field: ev.target.value as "input" | "output" })}>
              <option value="input">input (prompts)</option>
              <option value="output">output (answers)</option>
            </Select>
          </Field>
          <Field
            label="Embedding model"
            hint="A registered feature-extraction model (name, @alias or :version)."
            error={errorAt("config.embeddings.model")}
          >
            <Input value={e.model} onChange={(ev) => patch({ model: ev.target.value })} placeholder="tiny-bert-embed" />
          </Field>
          <Field label="Method" error={errorAt("config.embeddings.method")}>
            <Select value={e.method} onChange={(ev) => patch({ method: ev.target.value })}>
              {METHODS.map((m) => (
                <option key={m} value={m}>
                  {embeddingMethodLabel(m)}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Threshold" hint="Empty: the method's default." error={errorAt("config.embeddings.threshold")}>
            <Input inputMode="decimal" value={e.threshold} onChange={(ev) => patch({ threshold: ev.target.value })} placeholder="default" />
          </Field>
          <Field label="Texts per window" hint="The newest, at most; 10 to 20,000." error={errorAt("config.embeddings.maxRows")}>
            <Input inputMode="numeric" value={e.maxRows} onChange={(ev) => patch({ maxRows: ev.target.value })} />
          </Field>
        </div>
      )}
      {errorAt("config.embeddings", true) && <p className="text-xs text-red-600">{errorAt("config.embeddings", true)}</p>}
    </fieldset>
  );
}
