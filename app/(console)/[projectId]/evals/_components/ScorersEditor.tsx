"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Button, Field, Input, Select, Textarea } from "@/app/_components/ui";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";

export type ScorerKind = "judge" | "embedding" | "regex" | "json";

/** A scorer being edited: every kind's fields as text, so switching fields keeps what was typed. */
export interface ScorerDraft {
  key: number;
  kind: ScorerKind;
  name: string;
  deployment: string;
  rubric: string;
  verdictKind: "categorical" | "numeric";
  options: { label: string; score: string }[];
  min: string;
  max: string;
  reasoning: boolean;
  pattern: string;
  flags: string;
  requiredKeys: string;
}

const DEFAULT_RUBRIC =
  "Question: {{input}}\nReference answer: {{references.0}}\nAnswer to grade: {{output}}\n\nIs the answer correct? Reply with one word: yes or no.";

let nextKey = 1;
export function newScorer(kind: ScorerKind): ScorerDraft {
  return {
    key: nextKey++,
    kind,
    name: kind === "judge" ? "correct" : kind === "embedding" ? "similar" : kind === "regex" ? "matches" : "valid",
    deployment: "",
    rubric: DEFAULT_RUBRIC,
    verdictKind: "categorical",
    options: [
      { label: "yes", score: "1" },
      { label: "no", score: "0" },
    ],
    min: "1",
    max: "5",
    reasoning: false,
    pattern: "",
    flags: "i",
    requiredKeys: "",
  };
}

/** A number box: empty is "not given", anything else the number typed (NaN for text: the schema says what is wrong). */
const num = (v: string) => (v.trim() ? Number(v) : undefined);

/**
 * The run's `scorers` input as the drafts say it, unchecked: the server's scorerInput
 * (server/evals/inputs.ts) checks it, its issues at `scorers.<i>.<field>`.
 */
export function scorersOf(drafts: ScorerDraft[]): unknown[] {
  return drafts.map((s) => {
    const name = s.name.trim();
    if (s.kind === "judge") {
      const verdict =
        s.verdictKind === "categorical"
          ? {
              kind: "categorical",
              options: s.options.filter((o) => o.label.trim()).map((o) => ({ label: o.label.trim(), score: num(o.score) })),
            }
          : { kind: "numeric", min: num(s.min), max: num(s.max) };
      return { kind: "judge", name, deployment: s.deployment, rubric: s.rubric, verdict, reasoning: s.reasoning };
    }
    if (s.kind === "embedding") return { kind: "embedding", name, deployment: s.deployment };
    if (s.kind === "regex") return { kind: "regex", name, pattern: s.pattern, ...(s.flags ? { flags: s.flags } : {}) };
    const keys = s.requiredKeys
      .split(",")
      .map((k) => k.trim())
      .filter(Boolean);
    return { kind: "json", name, ...(keys.length ? { requiredKeys: keys } : {}) };
  });
}

const KIND_LABELS: Record<ScorerKind, string> = {
  judge: "LLM judge",
  embedding: "Embedding similarity",
  regex: "Regex match",
  json: "JSON validity",
};

/** `errorAt(path)`: the form's error on `scorers.<path>` (the server's schema, in the browser or from its answer). */
export function ScorersEditor({
  value,
  onChange,
  errorAt = () => undefined,
}: {
  value: ScorerDraft[];
  onChange: (v: ScorerDraft[]) => void;
  errorAt?: (path: string) => string | undefined;
}) {
  const trpc = useTRPC();
  const project = useProject();
  const deployments = useQuery({ ...trpc.serving.deployments.list.queryOptions({ projectId: project.slug }), enabled: value.length > 0 });
  const [adding, setAdding] = useState<ScorerKind>("judge");
  const list = deployments.data ?? [];
  const generators = list.filter((d) => d.task === "chat" || d.task === "completion").map((d) => d.name);
  const embedders = list.filter((d) => d.task === "embedding").map((d) => d.name);
  const update = (key: number, patch: Partial<ScorerDraft>) => onChange(value.map((s) => (s.key === key ? { ...s, ...patch } : s)));

  return (
    <fieldset className="flex flex-col gap-3">
      <legend className="mb-1.5 text-sm font-medium text-slate-700">Scorers</legend>
      <p className="text-xs text-slate-500">
        Run on every answer beside the reference metrics. A judge's verdict is the option with the highest log-probability where its
        deployment returns them (local models do), else parsed from its text; an answer it cannot judge is marked unscored, never 0.
      </p>
      {value.map((s, i) => (
        <fieldset key={s.key} aria-label={`Scorer ${i + 1}`} className="flex flex-col gap-3 rounded-md border border-slate-200 p-3">
          <div className="flex flex-wrap items-end gap-3">
            <p className="text-sm font-medium text-slate-800">
              {i + 1}. {KIND_LABELS[s.kind]}
            </p>
            <Field label="Scorer name" error={errorAt(`${i}.name`)} hint={`Figure ${s.kind}.${s.name || "NAME"}`} className="w-48">
              <Input value={s.name} onChange={(e) => update(s.key, { name: e.target.value })} maxLength={60} />
            </Field>
            {(s.kind === "judge" || s.kind === "embedding") && (
              <Field
                label={s.kind === "judge" ? "Judge deployment" : "Embedding deployment"}
                error={errorAt(`${i}.deployment`)}
                className="w-56"
              >
                <Select value={s.deployment} onChange={(e) => update(s.key, { deployment: e.target.value })}>
                  <option value="">Pick a deployment…</option>
                  {(s.kind === "judge" ? generators : embedders).map((n) => (
                    <option key={n} value={n}>
                      {n}
                    </option>
                  ))}
                </Select>
              </Field>
            )}
            <Button size="sm" variant="ghost" onClick={() => onChange(value.filter((x) => x.key !== s.key))}>
              Remove scorer {i + 1}
            </Button>
          </div>
          {s.kind === "judge" && <JudgeFields s={s} update={(patch) => update(s.key, patch)} errorAt={(p) => errorAt(`${i}.${p}`)} />}
          {s.kind === "regex" && (
            <div className="grid gap-3 sm:grid-cols-3">
              <Field label="Pattern" error={errorAt(`${i}.pattern`)} hint="1 when the answer matches, else 0" className="sm:col-span-2">
                <Input value={s.pattern} onChange={(e) => update(s.key, { pattern: e.target.value })} className="font-mono" />
              </Field>
              <Field label="Flags" error={errorAt(`${i}.flags`)} hint="i, m, s, u">
                <Input value={s.flags} onChange={(e) => update(s.key, { flags: e.target.value })} maxLength={4} />
              </Field>
            </div>
          )}
          {s.kind === "json" && (
            <Field
              label="Required keys"
              error={errorAt(`${i}.requiredKeys`)}
              hint="Optional, comma-separated: 1 when the answer is a JSON object with these keys"
            >
              <Input value={s.requiredKeys} onChange={(e) => update(s.key, { requiredKeys: e.target.value })} />
            </Field>
          )}
        </fieldset>
      ))}
      <div className="flex flex-wrap items-end gap-2">
        <Field label="Scorer kind" className="w-56">
          <Select value={adding} onChange={(e) => setAdding(e.target.value as ScorerKind)}>
            {(Object.keys(KIND_LABELS) as ScorerKind[]).map((k) => (
              <option key={k} value={k}>
                {KIND_LABELS[k]}
              </option>
            ))}
          </Select>
        </Field>
        <Button onClick={() => onChange([...value, newScorer(adding)])} disabled={value.length >= 10}>
          Add scorer
        </Button>
      </div>
    </fieldset>
  );
}

function JudgeFields({
  s,
  update,
  errorAt,
}: {
  s: ScorerDraft;
  update: (patch: Partial<ScorerDraft>) => void;
  errorAt: (path: string) => string | undefined;
}) {
  const setOption = (i: number, patch: Partial<{ label: string; score: string }>) =>
    update({ options: s.options.map((o, j) => (j === i ? { ...o, ...patch } : o)) });
  return (
    <div className="flex flex-col gap-3">
      <Field
        label="Rubric"
        error={errorAt("rubric")}
        hint={
          <>
            <code>{"{{output}}"}</code> (the answer judged, required), <code>{"{{input}}"}</code>, <code>{"{{input.KEY}}"}</code>,{" "}
            <code>{"{{references.0}}"}</code>, <code>{"{{metadata.KEY}}"}</code>. The verdict's instruction is added after it.
          </>
        }
      >
        <Textarea rows={5} value={s.rubric} onChange={(e) => update({ rubric: e.target.value })} className="font-mono" />
      </Field>
      <div className="flex flex-wrap items-end gap-3">
        <Field label="Verdict" error={errorAt("verdict.options") ?? errorAt("verdict")} className="w-48">
          <Select value={s.verdictKind} onChange={(e) => update({ verdictKind: e.target.value as ScorerDraft["verdictKind"] })}>
            <option value="categorical">Categorical options</option>
            <option value="numeric">A number in a range</option>
          </Select>
        </Field>
        {s.verdictKind === "numeric" && (
          <>
            <Field label="Minimum" error={errorAt("verdict.min")} className="w-28">
              <Input inputMode="decimal" value={s.min} onChange={(e) => update({ min: e.target.value })} />
            </Field>
            <Field label="Maximum" error={errorAt("verdict.max")} className="w-28">
              <Input inputMode="decimal" value={s.max} onChange={(e) => update({ max: e.target.value })} />
            </Field>
          </>
        )}
        <label className="flex h-9 items-center gap-2 text-sm text-slate-700">
          <input
            type="checkbox"
            className="size-4 rounded border-slate-300"
            checked={s.reasoning}
            onChange={(e) => update({ reasoning: e.target.checked })}
          />
          Ask for reasoning
        </label>
      </div>
      {s.verdictKind === "categorical" && (
        <div className="flex flex-col gap-2">
          {s.options.map((o, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: options are edited in place, in order
            <div key={i} className="flex flex-wrap items-end gap-2">
              <Field label={`Option ${i + 1} label`} error={errorAt(`verdict.options.${i}.label`)} className="w-48">
                <Input value={o.label} onChange={(e) => setOption(i, { label: e.target.value })} />
              </Field>
              <Field label={`Option ${i + 1} score`} error={errorAt(`verdict.options.${i}.score`)} className="w-28">
                <Input inputMode="decimal" value={o.score} onChange={(e) => setOption(i, { score: e.target.value })} />
              </Field>
              <Button
                size="sm"
                variant="ghost"
                disabled={s.options.length <= 2}
                onClick={() => update({ options: s.options.filter((_, j) => j !== i) })}
              >
                Remove option {i + 1}
              </Button>
            </div>
          ))}
          <div>
            <Button size="sm" onClick={() => update({ options: [...s.options, { label: "", score: "" }] })}>
              Add option
            </Button>
          </div>
        </div>
      )}
    </div>
  );
}
