"use client";

import { type ChangeEvent, type FormEvent, useId, useState } from "react";
import { Button, Field, Input, Select } from "@/app/_components/ui";
import {
  activeFilters,
  EMPTY_QUERY,
  type ExplorerQuery,
  invalidAmounts,
  parseScores,
  RANGES,
  type ScoreCondition,
  scoresString,
  toQueryString,
} from "./filters";

interface ScoreName {
  name: string;
  dataType: string;
  categories: string[] | null;
}

type Key = keyof ExplorerQuery;
const ADVANCED: Key[] = [
  "model",
  "tags",
  "user",
  "session",
  "release",
  "costMin",
  "costMax",
  "latencyMin",
  "latencyMax",
  "ratingMin",
  "ratingMax",
  "scores",
  "promptVersion",
  "key",
];

/**
 * Search and filters. Text fields apply on Enter (or "Apply"), selects at once; the URL is the
 * source of truth, and the draft follows it when it changes (back/forward, a saved view).
 */
export function FilterBar({
  query,
  onApply,
  models,
  scores = [],
  promptVersions = [],
  apiKeys = [],
}: {
  query: ExplorerQuery;
  onApply: (q: ExplorerQuery) => void;
  models: string[];
  /** per-score filters (the explorer); absent: none */
  scores?: ScoreName[];
  /** the project's prompt versions (the prompt-version filter); absent: none */
  promptVersions?: { id: string; name: string; version: number }[];
  /** the project's secret keys (the gateway-key filter; engineers and up may list them); absent: none */
  apiKeys?: { id: string; name: string; prefix: string }[];
}) {
  const [draft, setDraft] = useState(query);
  const [synced, setSynced] = useState(query);
  const [open, setOpen] = useState(() => ADVANCED.some((k) => query[k]));
  const modelListId = useId();
  const searchHintId = useId();
  if (toQueryString(synced) !== toQueryString(query)) {
    setSynced(query);
    setDraft(query);
  }
  const invalid = invalidAmounts(draft);
  const apply = (q: ExplorerQuery) => {
    if (invalidAmounts(q).length === 0) onApply(q);
  };
  const text = (k: Key) => ({
    name: k,
    value: draft[k],
    onChange: (e: ChangeEvent<HTMLInputElement>) => setDraft((d) => ({ ...d, [k]: e.target.value })),
  });
  const select = (k: Key) => ({
    name: k,
    value: draft[k],
    onChange: (e: ChangeEvent<HTMLSelectElement>) => {
      const next = { ...draft, [k]: e.target.value };
      setDraft(next);
      apply(next);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    apply(draft);
  };
  const amountError = (k: Key) => (invalid.includes(k) ? "Enter a number ≥ 0" : undefined);
  // per-score conditions live in draft.scores; each field edits its own part of it
  const conds = parseScores(draft.scores);
  const setCond = (name: string, part: "label" | "min" | "max", value: string, now = false) => {
    const rest = conds.filter((c) => !(c.name === name && (part in c || (part === "label" && Object.keys(c).length === 1))));
    const n = Number(value);
    const add: ScoreCondition[] =
      value.trim() === "" ? [] : part === "label" ? [{ name, label: value }] : Number.isFinite(n) ? [{ name, [part]: n }] : [];
    const next = { ...draft, scores: scoresString([...rest, ...add]) };
    setDraft(next);
    if (now) apply(next);
  };
  const condValue = (name: string, part: "label" | "min" | "max") => {
    const c = conds.find((x) => x.name === name && part in x);
    return c ? String(c[part]) : "";
  };
  const pv = promptVersions.find((p) => p.id === query.promptVersion);
  const ak = apiKeys.find((k) => k.id === query.key);
  const keyLabel = (k: { name: string; prefix: string }) => `${k.name} (${k.prefix}…)`;
  const chips = activeFilters(query, pv ? `${pv.name} v${pv.version}` : undefined, ak ? keyLabel(ak) : undefined);

  return (
    <form onSubmit={submit} aria-label="Trace filters" className="flex flex-col gap-3">
      <div className="flex flex-wrap items-end gap-3">
        <Field label="Search" className="min-w-64 flex-1">
          <Input
            type="search"
            placeholder="Search prompts and responses…"
            spellCheck={false}
            aria-describedby={searchHintId}
            {...text("q")}
          />
        </Field>
        <Field label="Time range" className="w-40">
          <Select {...select("range")}>
            {RANGES.map((r) => (
              <option key={r.key} value={r.key}>
                {r.label}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Status" className="w-32">
          <Select {...select("status")}>
            <option value="">Any</option>
            <option value="ok">OK</option>
            <option value="error">Error</option>
          </Select>
        </Field>
        <Field label="Has rating" className="w-32">
          <Select {...select("rated")}>
            <option value="">Any</option>
            <option value="yes">Rated</option>
            <option value="no">Not rated</option>
          </Select>
        </Field>
        <Button type="submit" variant="primary">
          Search
        </Button>
      </div>
      <p id={searchHintId} className="-mt-1 text-xs text-slate-500">
        Searches the text of inputs and outputs. Quoted (<code>"alert"</code>) or with a symbol in 3+ characters (
        <code>&lt;script&gt;</code>, <code>user_id</code>): matches any part of the text, case-insensitive. Otherwise whole words,
        web-search syntax: <code>-exclude</code>, <code>this or that</code>.
      </p>
      <details open={open} onToggle={(e) => setOpen(e.currentTarget.open)} className="group rounded-md border border-slate-200 bg-slate-50">
        <summary className="cursor-pointer px-3 py-2 text-sm font-medium text-slate-700 select-none">More filters</summary>
        <div className="grid gap-3 border-t border-slate-200 px-3 py-3 sm:grid-cols-2 lg:grid-cols-4">
          <Field label="Model" hint="Comma separated; any of them">
            <Input list={modelListId} placeholder="gpt-4o-mini" spellCheck={false} {...text("model")} />
          </Field>
          <datalist id={modelListId}>
            {models.map((m) => (
              <option key={m} value={m} />
            ))}
          </datalist>
          <Field label="Tags" hint="Comma separated; all of them">
            <Input placeholder="prod, beta" spellCheck={false} {...text("tags")} />
          </Field>
          <Field label="User ID">
            <Input spellCheck={false} {...text("user")} />
          </Field>
          <Field label="Session ID">
            <Input spellCheck={false} {...text("session")} />
          </Field>
          <Field label="Release">
            <Input spellCheck={false} {...text("release")} />
          </Field>
          {(promptVersions.length > 0 || query.promptVersion) && (
            <Field label="Prompt version" hint="The calls made with it">
              <Select {...select("promptVersion")}>
                <option value="">Any</option>
                {query.promptVersion && !pv && <option value={query.promptVersion}>{query.promptVersion}</option>}
                {promptVersions.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name} v{p.version}
                  </option>
                ))}
              </Select>
            </Field>
          )}
          {(apiKeys.length > 0 || query.key) && (
            <Field label="Key" hint="The gateway calls made with it">
              <Select {...select("key")}>
                <option value="">Any</option>
                {query.key && !ak && <option value={query.key}>{query.key}</option>}
                {apiKeys.map((k) => (
                  <option key={k.id} value={k.id}>
                    {keyLabel(k)}
                  </option>
                ))}
              </Select>
            </Field>
          )}
          <div className="grid grid-cols-2 gap-2">
            <Field label="Cost min (USD)" error={amountError("costMin")}>
              <Input inputMode="decimal" {...text("costMin")} />
            </Field>
            <Field label="Cost max (USD)" error={amountError("costMax")}>
              <Input inputMode="decimal" {...text("costMax")} />
            </Field>
          </div>
          <div className="grid grid-cols-2 gap-2">
            <Field label="Latency min (ms)" error={amountError("latencyMin")}>
              <Input inputMode="numeric" {...text("latencyMin")} />
            </Field>
            <Field label="Latency max (ms)" error={amountError("latencyMax")}>
              <Input inputMode="numeric" {...text("latencyMax")} />
            </Field>
          </div>
          {scores
            .filter((sc) => sc.dataType !== "text")
            .map((sc) =>
              sc.dataType === "numeric" ? (
                <div key={sc.name} className="grid grid-cols-2 gap-2">
                  <Field label={`${sc.name} min`} hint="Mean of its ratings">
                    <Input
                      inputMode="decimal"
                      value={condValue(sc.name, "min")}
                      onChange={(e) => setCond(sc.name, "min", e.target.value)}
                    />
                  </Field>
                  <Field label={`${sc.name} max`}>
                    <Input
                      inputMode="decimal"
                      value={condValue(sc.name, "max")}
                      onChange={(e) => setCond(sc.name, "max", e.target.value)}
                    />
                  </Field>
                </div>
              ) : sc.dataType === "boolean" ? (
                <Field key={sc.name} label={sc.name}>
                  <Select
                    value={condValue(sc.name, "min") === "1" ? "yes" : condValue(sc.name, "max") === "0" ? "no" : ""}
                    onChange={(e) => {
                      const v = e.target.value;
                      const rest = conds.filter((c) => c.name !== sc.name);
                      const add: ScoreCondition[] =
                        v === "yes" ? [{ name: sc.name, min: 1 }] : v === "no" ? [{ name: sc.name, max: 0 }] : [];
                      const next = { ...draft, scores: scoresString([...rest, ...add]) };
                      setDraft(next);
                      apply(next);
                    }}
                  >
                    <option value="">Any</option>
                    <option value="yes">Yes (every rating)</option>
                    <option value="no">No (every rating)</option>
                  </Select>
                </Field>
              ) : (
                <Field key={sc.name} label={sc.name}>
                  <Select value={condValue(sc.name, "label")} onChange={(e) => setCond(sc.name, "label", e.target.value, true)}>
                    <option value="">Any</option>
                    {(sc.categories ?? []).map((l) => (
                      <option key={l} value={l}>
                        {l}
                      </option>
                    ))}
                  </Select>
                </Field>
              ),
            )}
          <div className="flex items-end">
            <Button type="submit" disabled={invalid.length > 0}>
              Apply filters
            </Button>
          </div>
        </div>
      </details>
      {chips.length > 0 && (
        <ul aria-label="Active filters" className="flex flex-wrap items-center gap-2">
          {chips.map((c) => (
            <li key={c.key}>
              <button
                type="button"
                onClick={() => apply({ ...query, [c.key]: EMPTY_QUERY[c.key] })}
                aria-label={`Remove filter ${c.label}`}
                className="inline-flex max-w-72 items-center gap-1 rounded-full bg-indigo-50 px-2.5 py-0.5 text-xs font-medium text-indigo-700 ring-1 ring-indigo-600/20 ring-inset hover:bg-indigo-100"
              >
                <span className="truncate">{c.label}</span>
                <span aria-hidden="true">×</span>
              </button>
            </li>
          ))}
          <li>
            <button
              type="button"
              onClick={() => apply(EMPTY_QUERY)}
              className="text-xs font-medium text-slate-600 underline-offset-2 hover:text-slate-900 hover:underline"
            >
              Clear all
            </button>
          </li>
        </ul>
      )}
    </form>
  );
}
