"use client";

import { Controller, get, useFieldArray, useFormContext, useFormState, useWatch } from "react-hook-form";
import { CheckboxList, emptyToUndefined, FormField, toNumber } from "@/app/_components/form";
import { Button, Input, Select } from "@/app/_components/ui";
import { type CondType, type Kind, newRule, type RouterDraft } from "./routerForm";

type Name = Parameters<ReturnType<typeof useFormContext<RouterDraft>>["register"]>[0];

/** An error's message as a sentence (the schemas' wording starts lower-case). */
const sentence = (m: unknown) => (typeof m === "string" && m ? `${m.charAt(0).toUpperCase()}${m.slice(1)}` : undefined);

/** One deployment of the project by name, its error under it. */
function TargetSelect({ name, label, deployments }: { name: Name; label: string; deployments: string[] }) {
  const { register } = useFormContext<RouterDraft>();
  return (
    <FormField name={name} label={label}>
      <Select {...register(name)}>
        <option value="">Pick a deployment…</option>
        {deployments.map((d) => (
          <option key={d} value={d}>
            {d}
          </option>
        ))}
      </Select>
    </FormField>
  );
}

/** Several deployments by plain click, in the order checked, e.g. a router's fallbacks or large targets. */
export function TargetsSelect({
  name,
  label,
  hint,
  deployments,
  ordered = false,
}: {
  name: "fallbacks" | "rules.large";
  label: string;
  hint: string;
  deployments: string[];
  ordered?: boolean;
}) {
  const { control } = useFormContext<RouterDraft>();
  return (
    <Controller
      control={control}
      name={name}
      render={({ field, fieldState }) => (
        <CheckboxList
          label={label}
          hint={hint}
          error={sentence(fieldState.error?.message)}
          options={deployments}
          value={field.value}
          onChange={field.onChange}
          ordered={ordered}
          empty="No deployment yet."
        />
      )}
    />
  );
}

const PLACEHOLDER: Record<CondType, string> = { length: "40", regex: "(?i)refund|invoice", metadata: "plan=enterprise", tier: "pro, team" };

function RulesEditor({ deployments }: { deployments: string[] }) {
  const { control, register } = useFormContext<RouterDraft>();
  const { fields, append, remove } = useFieldArray({ control, name: "rules.rules" });
  const rules = useWatch({ control, name: "rules.rules" });
  return (
    <fieldset className="flex flex-col gap-3 rounded-md border border-slate-200 p-4">
      <legend className="px-1 text-sm font-medium text-slate-700">Rules, first match wins</legend>
      {fields.map((f, i) => {
        const type = rules?.[i]?.when.type ?? "length";
        return (
          <div key={f.id} className="grid items-start gap-3 sm:grid-cols-2 lg:grid-cols-[minmax(11rem,max-content)_5rem_1fr_1fr_auto]">
            <FormField name={`rules.rules.${i}.when.type`} label={`Rule ${i + 1} condition`}>
              <Select {...register(`rules.rules.${i}.when.type`)}>
                <option value="length">length (chars)</option>
                <option value="regex">regex</option>
                <option value="metadata">metadata</option>
                <option value="tier">tier</option>
              </Select>
            </FormField>
            <FormField name={`rules.rules.${i}.when.op`} label={`Rule ${i + 1} operator`}>
              {/* disabled in the DOM only: the value stays in the form, and only a length reads it */}
              <Select {...register(`rules.rules.${i}.when.op`)} disabled={type !== "length"}>
                <option value=">">&gt;</option>
                <option value="<">&lt;</option>
              </Select>
            </FormField>
            <FormField name={`rules.rules.${i}.when.value`} label={`Rule ${i + 1} value`}>
              <Input {...register(`rules.rules.${i}.when.value`)} placeholder={PLACEHOLDER[type]} />
            </FormField>
            <TargetSelect name={`rules.rules.${i}.target`} label={`Rule ${i + 1} target`} deployments={deployments} />
            <Button size="sm" variant="ghost" onClick={() => remove(i)} aria-label={`Remove rule ${i + 1}`} className="mt-6.5">
              Remove
            </Button>
          </div>
        );
      })}
      <div>
        <Button size="sm" onClick={() => append(newRule())}>
          Add rule
        </Button>
      </div>
      <div className="grid gap-3 sm:grid-cols-2">
        <TargetSelect name="rules.default" label="Default target" deployments={deployments} />
        <TargetsSelect
          name="rules.large"
          label="Large targets"
          hint="Counted as large calls in the dashboard (share of large, cost if all large)."
          deployments={deployments}
        />
      </div>
    </fieldset>
  );
}

function SplitEditor({ deployments }: { deployments: string[] }) {
  const { control, register } = useFormContext<RouterDraft>();
  const { fields, append, remove } = useFieldArray({ control, name: "split.targets" });
  const { errors } = useFormState({ control, name: "split.targets" });
  // a rule about the rows together ("at least one target needs a positive weight"), not one row
  const whole = get(errors, "split.targets") as { message?: string; root?: { message?: string } } | undefined;
  const message = sentence(whole?.message ?? whole?.root?.message);
  return (
    <fieldset className="flex flex-col gap-3 rounded-md border border-slate-200 p-4">
      <legend className="px-1 text-sm font-medium text-slate-700">Targets and weights (sticky per user)</legend>
      {fields.map((f, i) => (
        <div key={f.id} className="grid items-start gap-3 sm:grid-cols-[1fr_8rem_auto_auto]">
          <TargetSelect name={`split.targets.${i}.target`} label={`Target ${i + 1}`} deployments={deployments} />
          <FormField name={`split.targets.${i}.weight`} label={`Weight ${i + 1}`}>
            <Input type="number" min={0} {...register(`split.targets.${i}.weight`, { setValueAs: toNumber })} />
          </FormField>
          <label className="mt-6.5 flex h-9 items-center gap-2 text-sm text-slate-700">
            <input type="checkbox" {...register(`split.targets.${i}.large`)} className="size-4" />
            Large {i + 1}
          </label>
          <Button size="sm" variant="ghost" onClick={() => remove(i)} aria-label={`Remove target ${i + 1}`} className="mt-6.5">
            Remove
          </Button>
        </div>
      ))}
      {message && <p className="text-xs text-red-600">{message}</p>}
      <div>
        <Button size="sm" onClick={() => append({ target: "", weight: 0, large: false })}>
          Add target
        </Button>
      </div>
    </fieldset>
  );
}

/** The kind-specific part of the router form (inside a ZodForm over routerForm). */
export function KindEditor({ kind, deployments }: { kind: Kind; deployments: string[] }) {
  const { register } = useFormContext<RouterDraft>();
  if (kind === "rules") return <RulesEditor deployments={deployments} />;
  if (kind === "split") return <SplitEditor deployments={deployments} />;
  return (
    <fieldset className="flex flex-col gap-3 rounded-md border border-slate-200 p-4">
      <legend className="px-1 text-sm font-medium text-slate-700">
        {kind === "cascade" ? "Try small; escalate to large when a check fails" : "Small and large; the trained model picks per prompt"}
      </legend>
      <div className="grid gap-3 sm:grid-cols-2">
        <TargetSelect name={`${kind}.small`} label="Small target" deployments={deployments} />
        <TargetSelect name={`${kind}.large`} label="Large target" deployments={deployments} />
      </div>
      {kind === "cascade" ? (
        <div className="grid gap-3 sm:grid-cols-3">
          <FormField name="cascade.checks.regex" label="Answer must match regex" hint="Optional.">
            <Input {...register("cascade.checks.regex", { setValueAs: emptyToUndefined })} placeholder="^\{" />
          </FormField>
          <FormField name="cascade.minMeanLogprob" label="Min mean logprob" hint="Optional, ≤ 0; local models only.">
            <Input type="number" max={0} step={0.1} {...register("cascade.minMeanLogprob", { setValueAs: toNumber })} />
          </FormField>
          <label className="flex items-center gap-2 self-center text-sm text-slate-700">
            <input type="checkbox" {...register("cascade.checks.nonEmpty")} className="size-4" />
            Answer must be non-empty
          </label>
        </div>
      ) : (
        <FormField
          name="learned.margin"
          label="Label margin"
          hint="Small is good enough when its score ≥ large's − margin. Train on the router's page."
        >
          <Input type="number" min={0} step={0.01} {...register("learned.margin", { setValueAs: toNumber })} className="max-w-40" />
        </FormField>
      )}
    </fieldset>
  );
}
