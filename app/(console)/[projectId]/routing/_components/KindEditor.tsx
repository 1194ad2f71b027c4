"use client";

import { CheckboxList } from "@/app/_components/form";
import { Button, Field, Input, Select } from "@/app/_components/ui";

export type Kind = "rules" | "split" | "cascade" | "learned";
type CondType = "length" | "regex" | "metadata" | "tier";

export interface RuleRow {
  type: CondType;
  op: ">" | "<";
  /** length: a whole number; regex: the pattern; metadata: key=value; tier: comma-separated tiers */
  value: string;
  target: string;
  /** kept from a saved rule that the form does not show: its name, a regex's flags, a length's unit */
  name?: string;
  flags?: string;
  unit?: "chars" | "tokens";
}
export interface SplitRow {
  target: string;
  weight: string;
  large: boolean;
}
export interface KindState {
  rules: RuleRow[];
  ruleDefault: string;
  ruleLarge: string[];
  split: SplitRow[];
  small: string;
  large: string;
  regex: string;
  minMeanLogprob: string;
  nonEmpty: boolean;
  margin: string;
  /** kept from a saved config that the form does not show (cascade json check, learned threshold, ...) */
  extra?: Record<string, unknown>;
}

export const initialKindState: KindState = {
  rules: [{ type: "length", op: ">", value: "", target: "" }],
  ruleDefault: "",
  ruleLarge: [],
  split: [
    { target: "", weight: "90", large: false },
    { target: "", weight: "10", large: true },
  ],
  small: "",
  large: "",
  regex: "",
  minMeanLogprob: "",
  nonEmpty: true,
  margin: "0",
};

function condition(r: RuleRow, n: number): Record<string, unknown> | string {
  const v = r.value.trim();
  switch (r.type) {
    case "length": {
      const value = Number(v);
      if (!v || !Number.isInteger(value) || value < 0) return `Rule ${n}: the length is a whole number of characters.`;
      return { type: "length", op: r.op, value, unit: r.unit ?? "chars" };
    }
    case "regex":
      if (!v) return `Rule ${n}: enter a pattern.`;
      return r.flags ? { type: "regex", pattern: v, flags: r.flags } : { type: "regex", pattern: v };
    case "metadata": {
      const i = v.indexOf("=");
      if (i < 1) return `Rule ${n}: write the metadata condition as key=value.`;
      return { type: "metadata", key: v.slice(0, i).trim(), equals: v.slice(i + 1).trim() };
    }
    case "tier": {
      const tiers = v
        .split(",")
        .map((t) => t.trim())
        .filter(Boolean);
      if (!tiers.length) return `Rule ${n}: list one or more tiers, comma-separated.`;
      return { type: "tier", in: tiers };
    }
  }
}

/** The router's `config` for its kind, or a message saying what is missing (the server checks the rest). */
export function toConfig(kind: Kind, s: KindState): Record<string, unknown> | string {
  switch (kind) {
    case "rules": {
      if (!s.ruleDefault) return "Pick a default target.";
      const rules = [];
      for (const [i, r] of s.rules.entries()) {
        if (!r.target) return `Rule ${i + 1}: pick a target.`;
        const when = condition(r, i + 1);
        if (typeof when === "string") return when;
        rules.push(r.name ? { when, target: r.target, name: r.name } : { when, target: r.target });
      }
      return { rules, default: s.ruleDefault, large: s.ruleLarge };
    }
    case "split": {
      const targets = [];
      for (const [i, r] of s.split.entries()) {
        const weight = Number(r.weight);
        if (!r.target) return `Split row ${i + 1}: pick a target.`;
        if (!r.weight.trim() || !Number.isFinite(weight) || weight < 0) return `Split row ${i + 1}: the weight is a number ≥ 0.`;
        targets.push({ target: r.target, weight, large: r.large });
      }
      return { targets };
    }
    case "cascade": {
      if (!s.small || !s.large) return "Pick the small and the large target.";
      const checks: Record<string, unknown> = { ...(s.extra?.checks as object | undefined), nonEmpty: s.nonEmpty };
      delete checks.regex;
      if (s.regex.trim()) checks.regex = s.regex.trim();
      const config: Record<string, unknown> = { small: s.small, large: s.large, checks };
      if (s.minMeanLogprob.trim()) {
        const m = Number(s.minMeanLogprob);
        if (!Number.isFinite(m) || m > 0) return "The minimum mean logprob is a number ≤ 0.";
        config.minMeanLogprob = m;
      }
      return config;
    }
    case "learned": {
      if (!s.small || !s.large) return "Pick the small and the large target.";
      const margin = Number(s.margin || "0");
      if (!Number.isFinite(margin) || margin < 0) return "The margin is a number ≥ 0.";
      return { ...s.extra, small: s.small, large: s.large, margin };
    }
  }
}

type Obj = Record<string, unknown>;
const str = (v: unknown) => (typeof v === "string" ? v : "");
const rows = (v: unknown): Obj[] => (Array.isArray(v) ? (v.filter((x) => x && typeof x === "object") as Obj[]) : []);

function ruleRow(rule: Obj): RuleRow {
  const w = (rule.when ?? {}) as Obj;
  const base = { op: ">" as const, target: str(rule.target), ...(typeof rule.name === "string" ? { name: rule.name } : {}) };
  switch (w.type) {
    case "length":
      return {
        ...base,
        type: "length",
        op: w.op === "<" ? "<" : ">",
        value: String(w.value ?? ""),
        unit: w.unit === "tokens" ? "tokens" : "chars",
      };
    case "regex":
      return { ...base, type: "regex", value: str(w.pattern), ...(typeof w.flags === "string" && w.flags ? { flags: w.flags } : {}) };
    case "metadata":
      return { ...base, type: "metadata", value: `${str(w.key)}=${w.equals === null || w.equals === undefined ? "" : String(w.equals)}` };
    default:
      return { ...base, type: "tier", value: Array.isArray(w.in) ? w.in.join(", ") : "" };
  }
}

/** The form's state for a saved router's config (the inverse of toConfig), for editing it. */
export function fromConfig(kind: Kind, config: Obj): KindState {
  const s: KindState = { ...initialKindState };
  switch (kind) {
    case "rules": {
      const rules = rows(config.rules).map(ruleRow);
      return {
        ...s,
        rules: rules.length ? rules : initialKindState.rules,
        ruleDefault: str(config.default),
        ruleLarge: Array.isArray(config.large) ? config.large.map(String) : [],
      };
    }
    case "split":
      return {
        ...s,
        split: rows(config.targets).map((t) => ({ target: str(t.target), weight: String(t.weight ?? 0), large: t.large === true })),
      };
    case "cascade": {
      const checks = (config.checks ?? {}) as Obj;
      return {
        ...s,
        small: str(config.small),
        large: str(config.large),
        regex: str(checks.regex),
        nonEmpty: checks.nonEmpty !== false,
        minMeanLogprob: typeof config.minMeanLogprob === "number" ? String(config.minMeanLogprob) : "",
        extra: { checks },
      };
    }
    case "learned": {
      const { small, large, margin, ...extra } = config;
      return { ...s, small: str(small), large: str(large), margin: String(margin ?? 0), extra };
    }
  }
}

function TargetSelect({
  label,
  value,
  onChange,
  deployments,
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  deployments: string[];
}) {
  return (
    <Field label={label}>
      <Select value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">Pick a deployment…</option>
        <DeploymentOptions deployments={deployments} />
      </Select>
    </Field>
  );
}

/** Several deployments by plain click, in the order checked, e.g. a router's fallbacks or large targets. */
export function TargetsSelect({
  label,
  hint,
  value,
  onChange,
  deployments,
  ordered = false,
}: {
  label: string;
  hint: string;
  value: string[];
  onChange: (v: string[]) => void;
  deployments: string[];
  ordered?: boolean;
}) {
  return (
    <CheckboxList
      label={label}
      hint={hint}
      options={deployments}
      value={value}
      onChange={onChange}
      ordered={ordered}
      empty="No deployment yet."
    />
  );
}

function DeploymentOptions({ deployments }: { deployments: string[] }) {
  return deployments.map((d) => (
    <option key={d} value={d}>
      {d}
    </option>
  ));
}

const PLACEHOLDER: Record<CondType, string> = { length: "40", regex: "(?i)refund|invoice", metadata: "plan=enterprise", tier: "pro, team" };

/** The kind-specific part of the router form. */
export function KindEditor({
  kind,
  state: s,
  onChange,
  deployments,
}: {
  kind: Kind;
  state: KindState;
  onChange: (s: KindState) => void;
  deployments: string[];
}) {
  const set = (patch: Partial<KindState>) => onChange({ ...s, ...patch });
  if (kind === "rules") {
    const setRule = (i: number, patch: Partial<RuleRow>) => set({ rules: s.rules.map((r, j) => (j === i ? { ...r, ...patch } : r)) });
    return (
      <fieldset className="flex flex-col gap-3 rounded-md border border-slate-200 p-4">
        <legend className="px-1 text-sm font-medium text-slate-700">Rules, first match wins</legend>
        {s.rules.map((r, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place, never reordered
          <div key={i} className="grid items-end gap-3 sm:grid-cols-2 lg:grid-cols-[minmax(11rem,max-content)_5rem_1fr_1fr_auto]">
            <Field label={`Rule ${i + 1} condition`}>
              <Select value={r.type} onChange={(e) => setRule(i, { type: e.target.value as CondType })}>
                <option value="length">length (chars)</option>
                <option value="regex">regex</option>
                <option value="metadata">metadata</option>
                <option value="tier">tier</option>
              </Select>
            </Field>
            <Field label={`Rule ${i + 1} operator`}>
              <Select value={r.op} onChange={(e) => setRule(i, { op: e.target.value as ">" | "<" })} disabled={r.type !== "length"}>
                <option value=">">&gt;</option>
                <option value="<">&lt;</option>
              </Select>
            </Field>
            <Field label={`Rule ${i + 1} value`}>
              <Input value={r.value} onChange={(e) => setRule(i, { value: e.target.value })} placeholder={PLACEHOLDER[r.type]} />
            </Field>
            <TargetSelect
              label={`Rule ${i + 1} target`}
              value={r.target}
              onChange={(v) => setRule(i, { target: v })}
              deployments={deployments}
            />
            <Button
              size="sm"
              variant="ghost"
              onClick={() => set({ rules: s.rules.filter((_, j) => j !== i) })}
              aria-label={`Remove rule ${i + 1}`}
            >
              Remove
            </Button>
          </div>
        ))}
        <div>
          <Button size="sm" onClick={() => set({ rules: [...s.rules, { type: "length", op: ">", value: "", target: "" }] })}>
            Add rule
          </Button>
        </div>
        <div className="grid gap-3 sm:grid-cols-2">
          <TargetSelect label="Default target" value={s.ruleDefault} onChange={(v) => set({ ruleDefault: v })} deployments={deployments} />
          <TargetsSelect
            label="Large targets"
            hint="Counted as large calls in the dashboard (share of large, cost if all large)."
            value={s.ruleLarge}
            onChange={(v) => set({ ruleLarge: v })}
            deployments={deployments}
          />
        </div>
      </fieldset>
    );
  }
  if (kind === "split") {
    const setRow = (i: number, patch: Partial<SplitRow>) => set({ split: s.split.map((r, j) => (j === i ? { ...r, ...patch } : r)) });
    return (
      <fieldset className="flex flex-col gap-3 rounded-md border border-slate-200 p-4">
        <legend className="px-1 text-sm font-medium text-slate-700">Targets and weights (sticky per user)</legend>
        {s.split.map((r, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place, never reordered
          <div key={i} className="grid items-end gap-3 sm:grid-cols-[1fr_8rem_auto_auto]">
            <TargetSelect label={`Target ${i + 1}`} value={r.target} onChange={(v) => setRow(i, { target: v })} deployments={deployments} />
            <Field label={`Weight ${i + 1}`}>
              <Input type="number" min={0} value={r.weight} onChange={(e) => setRow(i, { weight: e.target.value })} />
            </Field>
            <label className="flex h-9 items-center gap-2 text-sm text-slate-700">
              <input type="checkbox" checked={r.large} onChange={(e) => setRow(i, { large: e.target.checked })} className="size-4" />
              Large {i + 1}
            </label>
            <Button
              size="sm"
              variant="ghost"
              onClick={() => set({ split: s.split.filter((_, j) => j !== i) })}
              aria-label={`Remove target ${i + 1}`}
            >
              Remove
            </Button>
          </div>
        ))}
        <div>
          <Button size="sm" onClick={() => set({ split: [...s.split, { target: "", weight: "0", large: false }] })}>
            Add target
          </Button>
        </div>
      </fieldset>
    );
  }
  return (
    <fieldset className="flex flex-col gap-3 rounded-md border border-slate-200 p-4">
      <legend className="px-1 text-sm font-medium text-slate-700">
        {kind === "cascade" ? "Try small; escalate to large when a check fails" : "Small and large; the trained model picks per prompt"}
      </legend>
      <div className="grid gap-3 sm:grid-cols-2">
        <TargetSelect label="Small target" value={s.small} onChange={(v) => set({ small: v })} deployments={deployments} />
        <TargetSelect label="Large target" value={s.large} onChange={(v) => set({ large: v })} deployments={deployments} />
      </div>
      {kind === "cascade" ? (
        <div className="grid gap-3 sm:grid-cols-3">
          <Field label="Answer must match regex" hint="Optional.">
            <Input value={s.regex} onChange={(e) => set({ regex: e.target.value })} placeholder="^\{" />
          </Field>
          <Field label="Min mean logprob" hint="Optional, ≤ 0; local models only.">
            <Input type="number" max={0} step={0.1} value={s.minMeanLogprob} onChange={(e) => set({ minMeanLogprob: e.target.value })} />
          </Field>
          <label className="flex items-center gap-2 self-center text-sm text-slate-700">
            <input type="checkbox" checked={s.nonEmpty} onChange={(e) => set({ nonEmpty: e.target.checked })} className="size-4" />
            Answer must be non-empty
          </label>
        </div>
      ) : (
        <Field label="Label margin" hint="Small is good enough when its score ≥ large's − margin. Train on the router's page.">
          <Input
            type="number"
            min={0}
            step={0.01}
            value={s.margin}
            onChange={(e) => set({ margin: e.target.value })}
            className="max-w-40"
          />
        </Field>
      )}
    </fieldset>
  );
}
