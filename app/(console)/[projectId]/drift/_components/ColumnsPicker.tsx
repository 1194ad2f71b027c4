"use client";

import { useQuery } from "@tanstack/react-query";
import { useId, useState } from "react";
import { Button, Input, Select } from "@/app/_components/ui";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import type { ColumnDraft, ColumnType } from "./draft";
import { isPValueTest, testLabel } from "./format";
import type { ErrorAt } from "./SourceFields";
import type { ColumnCatalog } from "./types";

const NUMERICAL_ONLY = new Set(["ks", "wasserstein"]);

/** The type a column name fixes (built-ins, ratings, predictions), or null where the user chooses it (metadata.*, input.*). */
function fixedType(name: string, catalog: ColumnCatalog | undefined): ColumnType | null {
  const b = catalog?.builtin.find((c) => c.name === name);
  if (b) return b.type;
  if (name.startsWith("rating:") || name === "prediction.score") return "numerical";
  if (name.startsWith("rated:") || name === "prediction.label") return "categorical";
  return null;
}

/**
 * The columns a monitor tests, from api.drift.monitors.columns (built-ins, rating:/rated: per score,
 * the metadata keys seen) or typed by hand (input.KEY, prediction.label); each with an optional test
 * and threshold (empty: Evidently's defaults by type and size).
 */
export function ColumnsPicker({
  columns,
  onChange,
  errorAt,
}: {
  columns: ColumnDraft[];
  onChange: (c: ColumnDraft[]) => void;
  errorAt: ErrorAt;
}) {
  const trpc = useTRPC();
  const project = useProject();
  const catalog = useQuery(trpc.drift.monitors.columns.queryOptions({ projectId: project.slug })).data;
  const [pick, setPick] = useState("");
  const [custom, setCustom] = useState("");
  const id = useId();
  const chosen = new Set(columns.map((c) => c.name));
  const typeOf = (c: ColumnDraft): ColumnType | "" => fixedType(c.name, catalog) ?? c.type;
  const update = (i: number, p: Partial<ColumnDraft>) => onChange(columns.map((c, k) => (k === i ? { ...c, ...p } : c)));
  const add = (name: string) => {
    const n = name.trim();
    if (!n || chosen.has(n)) return;
    const suggested = catalog?.metadata.find((m) => m.name === n)?.type;
    onChange([...columns, { name: n, type: fixedType(n, catalog) ? "" : (suggested ?? ""), stattest: "", threshold: "" }]);
  };
  const available = (name: string) => !chosen.has(name);

  return (
    <fieldset className="flex flex-col gap-3">
      <legend className="mb-2 text-sm font-semibold text-slate-900">Columns to test</legend>
      <p className="-mt-1 text-xs text-slate-500">
        Test empty: chosen by type and size as Evidently does (K-S or chi-square p-values on small windows, Wasserstein or Jensen-Shannon
        distances on large ones). A p-value test drifts when p &lt; threshold (0 to 1); a distance when it is ≥ threshold.
      </p>
      {columns.length === 0 && <p className="text-sm text-slate-500">No columns yet: add at least one.</p>}
      <ul aria-label="Chosen columns" className="flex flex-col divide-y divide-slate-100 rounded-md border border-slate-200">
        {columns.map((c, i) => {
          const type = typeOf(c);
          const fixed = fixedType(c.name, catalog);
          const err = errorAt(`config.columns.${i}`);
          const label = catalog?.builtin.find((b) => b.name === c.name);
          return (
            <li key={c.name} className="flex flex-col gap-1 px-3 py-2">
              <div className="grid items-center gap-2 sm:grid-cols-[minmax(10rem,1.4fr)_8.5rem_minmax(9rem,1fr)_6.5rem_auto]">
                <div className="min-w-0">
                  <span className="font-mono text-xs text-slate-900">{c.name}</span>
                  {label && (
                    <span className="block truncate text-xs text-slate-500">
                      {label.label}
                      {label.unit ? ` (${label.unit})` : ""}
                    </span>
                  )}
                </div>
                {fixed ? (
                  <span className="text-xs text-slate-600">{fixed}</span>
                ) : (
                  <Select
                    aria-label={`Type of ${c.name}`}
                    value={c.type}
                    onChange={(e) => update(i, { type: e.target.value as ColumnType | "" })}
                    className="h-8 text-xs"
                  >
                    <option value="">type…</option>
                    <option value="numerical">numerical</option>
                    <option value="categorical">categorical</option>
                  </Select>
                )}
                <Select
                  aria-label={`Test of ${c.name}`}
                  value={c.stattest}
                  onChange={(e) => update(i, { stattest: e.target.value })}
                  className="h-8 text-xs"
                >
                  <option value="">default test</option>
                  {(catalog?.stattests ?? []).map((t) => (
                    <option key={t} value={t} disabled={type === "categorical" && NUMERICAL_ONLY.has(t)}>
                      {testLabel(t)}
                    </option>
                  ))}
                </Select>
                <Input
                  aria-label={`Threshold of ${c.name}`}
                  inputMode="decimal"
                  value={c.threshold}
                  onChange={(e) => update(i, { threshold: e.target.value })}
                  placeholder={c.stattest ? (isPValueTest(c.stattest) ? "0.05" : "0.1") : "default"}
                  className="h-8 text-xs"
                  aria-invalid={err ? true : undefined}
                />
                <Button
                  size="sm"
                  variant="ghost"
                  aria-label={`Remove ${c.name}`}
                  onClick={() => onChange(columns.filter((_, k) => k !== i))}
                >
                  Remove
                </Button>
              </div>
              {err && (
                <p role="alert" className="text-xs text-red-600">
                  {err}
                </p>
              )}
            </li>
          );
        })}
      </ul>
      {errorAt("config.columns", true) && (
        <p role="alert" className="text-xs text-red-600">
          {errorAt("config.columns", true)}
        </p>
      )}
      <div className="flex flex-wrap items-end gap-2">
        <div className="flex flex-col gap-1">
          <label htmlFor={`${id}-pick`} className="text-xs font-medium text-slate-700">
            Add a known column
          </label>
          <Select id={`${id}-pick`} value={pick} onChange={(e) => setPick(e.target.value)} className="h-8 text-xs">
            <option value="">choose…</option>
            <optgroup label="Built in">
              {(catalog?.builtin ?? [])
                .filter((b) => available(b.name))
                .map((b) => (
                  <option key={b.name} value={b.name}>
                    {b.name} — {b.label}
                  </option>
                ))}
            </optgroup>
            {(catalog?.scores.length ?? 0) > 0 && (
              <optgroup label="Ratings">
                {catalog?.scores.flatMap((s) =>
                  [`rating:${s}`, `rated:${s}`].filter(available).map((n) => (
                    <option key={n} value={n}>
                      {n}
                    </option>
                  )),
                )}
              </optgroup>
            )}
            {(catalog?.metadata.length ?? 0) > 0 && (
              <optgroup label="Metadata">
                {catalog?.metadata
                  .filter((m) => available(m.name))
                  .map((m) => (
                    <option key={m.name} value={m.name}>
                      {m.name} ({m.type})
                    </option>
                  ))}
              </optgroup>
            )}
          </Select>
        </div>
        <Button
          size="sm"
          disabled={!pick}
          onClick={() => {
            add(pick);
            setPick("");
          }}
        >
          Add column
        </Button>
        <div className="flex flex-col gap-1">
          <label htmlFor={`${id}-custom`} className="text-xs font-medium text-slate-700">
            Or type a column
          </label>
          <Input
            id={`${id}-custom`}
            value={custom}
            onChange={(e) => setCustom(e.target.value)}
            placeholder="input.age, prediction.label"
            className="h-8 w-56 text-xs"
          />
        </div>
        <Button
          size="sm"
          disabled={!custom.trim()}
          onClick={() => {
            add(custom);
            setCustom("");
          }}
        >
          Add typed column
        </Button>
      </div>
    </fieldset>
  );
}
