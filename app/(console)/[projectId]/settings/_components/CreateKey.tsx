"use client";

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { useWatch } from "react-hook-form";
import { applyServerError, FormError, FormField, useZodForm, ZodForm } from "@/app/_components/form";
import { Button, Input, Select } from "@/app/_components/ui";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { createKeyInput } from "@/server/workspace/inputs";
import { KeyLimitFields, LIMIT_FIELDS, LIMIT_MESSAGES } from "./KeyLimitFields";

/** "a, b ,c" as ["a", "b", "c"]: the origins box holds a comma-separated list. */
const splitList = (v: unknown) =>
  typeof v === "string"
    ? v
        .split(",")
        .map((o) => o.trim())
        .filter(Boolean)
    : v;

const FIELDS = ["name", "kind", "origins", ...LIMIT_FIELDS] as const;

/** The create form: a name and type; public keys their origins; secret keys optional gateway limits. */
export function CreateKey({ onCreated }: { onCreated: (key: string, name: string) => Promise<unknown> }) {
  const trpc = useTRPC();
  const project = useProject();
  const create = useMutation(trpc.workspace.keys.create.mutationOptions());
  const form = useZodForm(createKeyInput, { name: "", kind: "secret" }, LIMIT_MESSAGES);
  const kind = useWatch({ control: form.control, name: "kind" });
  const [limitsOpen, setLimitsOpen] = useState(false);
  const limitError = LIMIT_FIELDS.some((f) => form.formState.errors[f]);

  async function submit(values: typeof createKeyInput._zod.output) {
    const secret = values.kind === "secret";
    try {
      const res = await create.mutateAsync({
        projectId: project.slug,
        name: values.name,
        kind: values.kind,
        origins: secret ? undefined : values.origins,
        // limits are a secret key's (the server refuses them on public keys)
        ...(secret
          ? {
              rpm: values.rpm,
              tpm: values.tpm,
              budgetUsd: values.budgetUsd,
              budgetPeriod: values.budgetPeriod,
              budgetMode: values.budgetMode,
              allowedModels: values.allowedModels,
              expiresAt: values.expiresAt,
            }
          : {}),
      });
      form.reset({ name: "", kind: values.kind });
      setLimitsOpen(false);
      await onCreated(res.key, res.view.name);
    } catch (err) {
      applyServerError(form, err, FIELDS);
      if (LIMIT_FIELDS.some((f) => form.getFieldState(f).error)) setLimitsOpen(true);
    }
  }

  const showLimits = kind === "secret" && (limitsOpen || limitError);
  return (
    <ZodForm form={form} onSubmit={submit} label="Create API key" className="rounded-md border border-slate-200 bg-slate-50 p-4">
      <h3 className="mb-3 text-sm font-medium text-slate-900">Create API key</h3>
      <div className="mb-3 empty:hidden">
        <FormError />
      </div>
      <div className="flex flex-wrap items-start gap-3">
        <FormField name="name" label="Key name" className="min-w-48 flex-1">
          <Input {...form.register("name")} placeholder="production backend" />
        </FormField>
        <FormField name="kind" label="Key type" className="w-36">
          <Select {...form.register("kind")}>
            <option value="secret">Secret</option>
            <option value="public">Public</option>
          </Select>
        </FormField>
        {kind === "public" && (
          <FormField
            name="origins"
            label="Allowed origins"
            hint="Comma separated, e.g. https://app.example.com"
            className="min-w-64 flex-1"
          >
            <Input {...form.register("origins", { setValueAs: splitList })} placeholder="https://app.example.com" spellCheck={false} />
          </FormField>
        )}
        <Button type="submit" variant="primary" loading={create.isPending} className="mt-6.5">
          Create key
        </Button>
      </div>
      {kind === "secret" && (
        <div className="mt-3">
          <Button
            size="sm"
            variant="ghost"
            aria-expanded={showLimits}
            aria-controls="new-key-limits"
            onClick={() => setLimitsOpen((o) => !o)}
          >
            {showLimits ? "Hide limits" : "Limits (optional)"}
          </Button>
          {showLimits && (
            <fieldset id="new-key-limits" className="mt-2 rounded-md border border-slate-200 bg-white p-3">
              <legend className="px-1 text-sm font-medium text-slate-700">Gateway limits</legend>
              <KeyLimitFields cleared={undefined} />
            </fieldset>
          )}
        </div>
      )}
    </ZodForm>
  );
}
