"use client";

import { useMutation } from "@tanstack/react-query";
import { useEffect } from "react";
import { applyServerError, FormError, useZodForm, ZodForm } from "@/app/_components/form";
import { Button } from "@/app/_components/ui";
import { useProject } from "@/app/_lib/project";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";
import { updateKeyLimitsInput } from "@/server/workspace/inputs";
import { KeyLimitFields, LIMIT_FIELDS, LIMIT_MESSAGES } from "./KeyLimitFields";
import { isoDay } from "./limits";

type ApiKey = RouterOutputs["workspace"]["keys"]["list"]["items"][number];

/**
 * A secret key's limits, edited with the server's update schema: every field is sent, an emptied one
 * as null (the server removes that limit), so what the form shows is what the key gets.
 */
export function EditLimits({ apiKey, onDone }: { apiKey: ApiKey; onDone: (saved: boolean) => Promise<unknown> }) {
  const trpc = useTRPC();
  const project = useProject();
  const update = useMutation(trpc.workspace.keys.update.mutationOptions());
  const form = useZodForm(
    updateKeyLimitsInput,
    {
      keyId: apiKey.id,
      rpm: apiKey.rpm,
      tpm: apiKey.tpm,
      budgetUsd: apiKey.budgetUsd,
      budgetPeriod: apiKey.budgetPeriod ?? undefined,
      budgetMode: apiKey.budgetMode ?? undefined,
      allowedModels: apiKey.allowedModels,
      expiresAt: apiKey.expiresAt ? isoDay(apiKey.expiresAt) : null,
    },
    LIMIT_MESSAGES,
  );

  // the form opens above the table: bring it into view, on its first box
  useEffect(() => form.setFocus("rpm"), [form]);

  async function submit(values: typeof updateKeyLimitsInput._zod.output) {
    try {
      // an unchanged expiry day is left out: the server checks a sent one is in the future, and keeps the stored time of day
      const day = (d: Date | null | undefined) => (d ? isoDay(d) : null);
      const same = day(values.expiresAt) === day(apiKey.expiresAt);
      await update.mutateAsync({ projectId: project.slug, ...values, expiresAt: same ? undefined : values.expiresAt });
      await onDone(true);
    } catch (err) {
      applyServerError(form, err, LIMIT_FIELDS);
    }
  }

  return (
    <ZodForm
      form={form}
      onSubmit={submit}
      label={`Edit limits of ${apiKey.name}`}
      className="flex flex-col gap-3 rounded-md border border-indigo-200 bg-indigo-50/40 p-4"
    >
      <h3 className="text-sm font-medium text-slate-900">Limits of “{apiKey.name}”</h3>
      <p className="-mt-2 text-xs text-slate-500">Empty a box to remove that limit. Other web processes apply changes within a minute.</p>
      <div className="empty:hidden">
        <FormError />
      </div>
      <KeyLimitFields cleared={null} />
      <div className="flex gap-2">
        <Button type="submit" variant="primary" loading={update.isPending}>
          Save limits
        </Button>
        <Button variant="secondary" onClick={() => void onDone(false)}>
          Cancel
        </Button>
      </div>
    </ZodForm>
  );
}
