"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useState } from "react";
import { useFieldArray } from "react-hook-form";
import { z } from "zod";
import { applyServerError, emptyToUndefined, FormError, FormField, toNumber, useZodForm, ZodForm } from "@/app/_components/form";
import { Button, Card, ErrorBox, Input, Skeleton } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";
import { logSettingsInput } from "@/server/logs/inputs";

type Settings = RouterOutputs["logs"]["settings"]["get"];
type Builtin = Settings["redaction"]["builtins"][number];

const BUILTINS: { id: Builtin; label: string; example: string }[] = [
  { id: "email", label: "Email addresses", example: "jane@example.com" },
  { id: "phone", label: "Phone numbers", example: "+1 415 555 0100" },
  { id: "credit_card", label: "Card numbers", example: "4111 1111 1111 1111 (Luhn-checked)" },
  { id: "api_key", label: "API keys and tokens", example: "sk-…, ghp_…, AKIA…" },
  { id: "ip_address", label: "IP addresses", example: "203.0.113.7, 2001:db8::1" },
];

/** Redaction at ingest and retention: admins only (the server checks too). */
export function DataPolicy() {
  const trpc = useTRPC();
  const project = useProject();
  const settings = useQuery(trpc.logs.settings.get.queryOptions({ projectId: project.slug }));
  return (
    <Card
      title="Redaction and retention"
      description="Redaction runs at ingest, before anything is stored: matches become [REDACTED:rule]. Changes apply to new logs only."
    >
      {settings.isPending ? (
        <Skeleton rows={4} />
      ) : settings.isError ? (
        <ErrorBox title="Could not load log settings" message={errorMessage(settings.error)} onRetry={() => void settings.refetch()} />
      ) : (
        <PolicyForm initial={settings.data} />
      )}
    </Card>
  );
}

/** The settings as typed: a "keep forever" choice beside the days box, which is checked only when it counts. */
const policyForm = z
  .object({ forever: z.boolean(), retentionDays: z.unknown(), redaction: logSettingsInput.shape.redaction })
  .superRefine((v, ctx) => {
    if (v.forever) return;
    const days = logSettingsInput.shape.retentionDays.safeParse(v.retentionDays);
    if (!days.success) ctx.addIssue({ code: "custom", path: ["retentionDays"], message: days.error.issues[0]?.message ?? "invalid" });
  })
  .transform((v) => ({ retentionDays: v.forever ? null : (v.retentionDays as number), redaction: v.redaction }));

const ruleLabel = (i: number, what: string) => (
  <>
    <span className="sr-only">Rule {i + 1} </span>
    {what}
  </>
);

function PolicyForm({ initial }: { initial: Settings }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const project = useProject();
  const form = useZodForm(policyForm, {
    forever: initial.retentionDays === null,
    retentionDays: initial.retentionDays ?? 90,
    redaction: { builtins: initial.redaction.builtins, custom: initial.redaction.custom.map((r) => ({ ...r, flags: r.flags ?? "" })) },
  });
  const custom = useFieldArray({ control: form.control, name: "redaction.custom" });
  const forever = form.watch("forever");
  const [saved, setSaved] = useState(false);
  // any change after a save takes the "Saved." away
  useEffect(() => {
    const sub = form.watch(() => setSaved(false));
    return () => sub.unsubscribe();
  }, [form]);
  const update = useMutation(trpc.logs.settings.update.mutationOptions());
  const daysId = useId();
  const days = form.formState.errors.retentionDays?.message;
  const daysError = typeof days === "string" && days ? `${days.charAt(0).toUpperCase()}${days.slice(1)}` : undefined;

  async function submit(settings: z.output<typeof policyForm>) {
    try {
      await update.mutateAsync({ projectId: project.slug, ...settings });
    } catch (err) {
      const rows = form
        .getValues("redaction.custom")
        .flatMap((_, i) => ["name", "pattern", "flags"].map((f) => `redaction.custom.${i}.${f}`));
      return applyServerError(form, err, ["retentionDays", ...(rows as never[])]);
    }
    setSaved(true);
    await queryClient.invalidateQueries({ queryKey: trpc.logs.settings.get.pathKey() });
  }

  return (
    <ZodForm form={form} onSubmit={submit} label="Redaction and retention" className="flex flex-col gap-6">
      <FormError />
      <fieldset>
        <legend className="text-sm font-medium text-slate-900">Built-in redaction</legend>
        <div className="mt-2 grid gap-2 sm:grid-cols-2">
          {BUILTINS.map((b) => (
            <label key={b.id} className="flex items-start gap-2 text-sm text-slate-700">
              <input
                type="checkbox"
                value={b.id}
                {...form.register("redaction.builtins")}
                className="mt-0.5 size-4 rounded border-slate-300 accent-indigo-600"
              />
              <span>
                {b.label} <span className="block text-xs text-slate-500">{b.example}</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>
      <fieldset className="flex flex-col gap-2">
        <legend className="text-sm font-medium text-slate-900">Custom rules</legend>
        <p className="text-xs text-slate-500">
          Name: lower-case letters, digits, - and _. Pattern: a JavaScript regular expression. Flags: any of i, m, s, u.
        </p>
        {custom.fields.map((r, i) => (
          <div key={r.id} className="flex flex-wrap items-start gap-2">
            <FormField name={`redaction.custom.${i}.name`} label={ruleLabel(i, "Name")} className="w-40">
              <Input {...form.register(`redaction.custom.${i}.name`)} placeholder="order-id" spellCheck={false} />
            </FormField>
            <FormField name={`redaction.custom.${i}.pattern`} label={ruleLabel(i, "Pattern")} className="min-w-56 flex-1">
              <Input {...form.register(`redaction.custom.${i}.pattern`)} placeholder="ORD-\d{8}" className="font-mono" spellCheck={false} />
            </FormField>
            <FormField name={`redaction.custom.${i}.flags`} label={ruleLabel(i, "Flags")} className="w-20">
              <Input
                {...form.register(`redaction.custom.${i}.flags`, { setValueAs: emptyToUndefined })}
                placeholder="i"
                spellCheck={false}
              />
            </FormField>
            <Button variant="ghost" aria-label={`Remove rule ${i + 1}`} onClick={() => custom.remove(i)} className="mt-6.5">
              Remove
            </Button>
          </div>
        ))}
        <div>
          <Button size="sm" onClick={() => custom.append({ name: "", pattern: "", flags: "" })}>
            Add rule
          </Button>
        </div>
      </fieldset>
      <fieldset className="flex flex-col gap-2">
        <legend className="text-sm font-medium text-slate-900">Retention</legend>
        <label className="flex items-center gap-2 text-sm text-slate-700">
          <input
            type="radio"
            name="retention"
            checked={forever}
            onChange={() => form.setValue("forever", true, { shouldValidate: form.formState.isSubmitted })}
            className="accent-indigo-600"
          />
          Keep forever
        </label>
        <div className="flex flex-wrap items-center gap-2 text-sm text-slate-700">
          <label className="flex items-center gap-2">
            <input
              type="radio"
              name="retention"
              checked={!forever}
              onChange={() => form.setValue("forever", false, { shouldValidate: form.formState.isSubmitted })}
              className="accent-indigo-600"
            />
            Delete traces older than
          </label>
          <div className="w-24">
            <Input
              aria-label="Retention days"
              aria-invalid={!!daysError || undefined}
              aria-describedby={daysError ? `${daysId}-error` : undefined}
              inputMode="numeric"
              {...form.register("retentionDays", { setValueAs: toNumber, onChange: () => form.setValue("forever", false) })}
            />
          </div>
          days
        </div>
        {/* under the whole row: the box is too narrow for a sentence */}
        {daysError && (
          <p id={`${daysId}-error`} className="text-xs text-red-600">
            {daysError}
          </p>
        )}
      </fieldset>
      <div className="flex items-center gap-3">
        <Button type="submit" variant="primary" loading={update.isPending}>
          Save settings
        </Button>
        <p role="status" className="text-sm text-emerald-700">
          {saved ? "Saved." : ""}
        </p>
      </div>
    </ZodForm>
  );
}
