"use client";

import { useQuery } from "@tanstack/react-query";
import { Controller, useFormContext } from "react-hook-form";
import { CheckboxList, FormField } from "@/app/_components/form";
import { Input, Select } from "@/app/_components/ui";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";

/** The limit fields of a key form: what its server schema calls them, for `applyServerError`. */
export const LIMIT_FIELDS = ["rpm", "tpm", "budgetUsd", "budgetPeriod", "budgetMode", "allowedModels", "expiresAt"] as const;

/** A budget's period or mode without a budget: the schema's "needs budgetUsd", said for this form. */
export const LIMIT_MESSAGES = {
  budgetPeriod: "needs a budget (USD): set one, or pick “—”",
  budgetMode: "needs a budget (USD): set one, or pick “—”",
};

/** What the gateway may be asked for with a key: the project's deployments and its active routers (`router:<name>`). */
function useModelOptions(): string[] {
  const trpc = useTRPC();
  const project = useProject();
  const deployments = useQuery(trpc.serving.deployments.list.queryOptions({ projectId: project.slug }));
  const routers = useQuery(trpc.routing.list.queryOptions({ projectId: project.slug }));
  return [
    ...(deployments.data ?? []).filter((d) => d.active).map((d) => d.name),
    ...(routers.data ?? []).filter((r) => r.active).map((r) => `router:${r.name}`),
  ];
}

/**
 * The gateway limits of a secret key, inside a ZodForm over `createKeyInput` or `updateKeyLimitsInput`.
 * `cleared` is what an emptied box sends: undefined on a new key (no limit), null on an edit (remove it).
 * Selects' "—" is undefined either way: a budget's period and mode default to month and hard.
 */
export function KeyLimitFields({ cleared }: { cleared: undefined | null }) {
  const form = useFormContext();
  const options = useModelOptions();
  const number = (v: unknown) => (v === "" || v === null || v === undefined ? cleared : Number(v));
  const text = (v: unknown) => (typeof v === "string" && v.trim() === "" ? cleared : v);
  const choice = (v: unknown) => (v === "" ? undefined : v);
  return (
    <div className="flex flex-col gap-3">
      <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
        <FormField name="rpm" label="Requests per minute" hint="Empty: no limit">
          <Input type="number" min={1} step={1} inputMode="numeric" {...form.register("rpm", { setValueAs: number })} />
        </FormField>
        <FormField name="tpm" label="Tokens per minute" hint="Input + output tokens">
          <Input type="number" min={1} step={1} inputMode="numeric" {...form.register("tpm", { setValueAs: number })} />
        </FormField>
        <FormField name="expiresAt" label="Expires on" hint="UTC midnight of that day">
          <Input type="date" {...form.register("expiresAt", { setValueAs: text })} />
        </FormField>
      </div>
      <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
        <FormField name="budgetUsd" label="Budget (USD)" hint="Spend per period">
          <Input type="number" min={0} step="any" inputMode="decimal" {...form.register("budgetUsd", { setValueAs: number })} />
        </FormField>
        <FormField name="budgetPeriod" label="Budget period" hint="UTC day or month; — is month">
          <Select {...form.register("budgetPeriod", { setValueAs: choice })}>
            <option value="">—</option>
            <option value="day">Day</option>
            <option value="month">Month</option>
          </Select>
        </FormField>
        <FormField name="budgetMode" label="Budget mode" hint="Hard refuses calls once spent; — is hard">
          <Select {...form.register("budgetMode", { setValueAs: choice })}>
            <option value="">—</option>
            <option value="hard">Hard (refuse calls)</option>
            <option value="soft">Soft (flag only)</option>
          </Select>
        </FormField>
      </div>
      <Controller
        control={form.control}
        name="allowedModels"
        render={({ field, fieldState }) => (
          <CheckboxList
            label="Allowed deployments and routers"
            hint="None checked: every deployment and router"
            error={sentence(fieldState.error?.message)}
            options={[...new Set([...options, ...((field.value as string[] | null | undefined) ?? [])])]}
            value={(field.value as string[] | null | undefined) ?? []}
            // none checked is "no restriction": the schema refuses an empty list
            onChange={(v) => field.onChange(v.length ? v : cleared)}
            empty="No deployment or active router yet."
          />
        )}
      />
    </div>
  );
}

const sentence = (m: unknown) => (typeof m === "string" && m ? `${m.charAt(0).toUpperCase()}${m.slice(1)}` : undefined);
