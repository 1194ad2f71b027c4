"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { z } from "zod";
import { applyServerError, FormError, FormField, toNumber, useZodForm, ZodForm } from "@/app/_components/form";
import { Button, Input, Select, Textarea } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { alertRuleInput } from "@/server/drift/inputs";

/** The tuning launch input a rule proposes (api.tuning.create's body): this one retrains a classifier head. */
export const RETRAIN_EXAMPLE = JSON.stringify(
  { method: "head", base: { model: "tiny-bert-embed" }, dataset: { name: "support-intents" }, outputModel: "support-intents-clf" },
  null,
  2,
);

/** The rule as the server's alertRuleInput checks it, the retraining typed as JSON text (empty: none). */
const ruleForm = alertRuleInput.extend({
  retrain: z.string().transform((text, ctx) => {
    if (!text.trim()) return null;
    try {
      const v: unknown = JSON.parse(text);
      if (!v || typeof v !== "object" || Array.isArray(v)) throw new Error("must be a JSON object");
      return v as Record<string, unknown>;
    } catch (err) {
      ctx.addIssue({ code: "custom", message: `retraining is not a JSON object: ${errorMessage(err)}` });
      return z.NEVER;
    }
  }),
});

/** A new alert rule of a monitor: its condition and, optionally, the retraining it proposes. */
export function RuleForm({ monitorId, columns, onDone }: { monitorId: string; columns: string[]; onDone: () => void }) {
  const trpc = useTRPC();
  const project = useProject();
  const queryClient = useQueryClient();
  const create = useMutation(trpc.drift.rules.create.mutationOptions());
  const form = useZodForm(ruleForm, { name: "", condition: { kind: "dataset_drift" }, retrain: "" });
  const kind = form.watch("condition.kind");
  // the condition's fields leave the values when hidden: the schema's condition objects are strict
  const hidden = { shouldUnregister: true };

  async function submit(rule: z.output<typeof ruleForm>) {
    try {
      await create.mutateAsync({ projectId: project.slug, monitor: monitorId, rule });
    } catch (err) {
      return applyServerError(form, err, ["name", "condition", "condition.column" as never, "condition.runs" as never, "retrain"]);
    }
    await queryClient.invalidateQueries({ queryKey: trpc.drift.rules.list.pathKey() });
    onDone();
  }

  return (
    <ZodForm form={form} onSubmit={submit} label="New alert rule">
      <div className="grid gap-4 sm:grid-cols-3">
        <FormField name="name" label="Rule name">
          <Input {...form.register("name")} maxLength={200} placeholder="dataset drift" />
        </FormField>
        <FormField name="condition.kind" label="Fires when">
          <Select {...form.register("condition.kind")}>
            <option value="dataset_drift">the run's verdict is drift</option>
            <option value="column">one column drifts</option>
            <option value="consecutive">N runs in a row drift</option>
          </Select>
        </FormField>
        {kind === "column" && (
          <FormField name="condition.column" label="Column">
            <Select {...form.register("condition.column" as never, hidden)} defaultValue={columns[0] ?? ""}>
              {columns.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </Select>
          </FormField>
        )}
        {kind === "consecutive" && (
          <FormField name="condition.runs" label="Runs in a row" hint="2 to 100">
            <Input
              type="number"
              min={2}
              max={100}
              defaultValue={3}
              {...form.register("condition.runs" as never, { ...hidden, setValueAs: toNumber })}
            />
          </FormField>
        )}
      </div>
      <FormField
        name="retrain"
        label="Retraining (optional)"
        hint="A tuning launch input as JSON (method, base, dataset or fromLogs, outputModel…). When the rule fires, a job is proposed and waits for an approver."
      >
        <Textarea rows={6} {...form.register("retrain")} className="font-mono text-xs" placeholder={RETRAIN_EXAMPLE} />
      </FormField>
      <FormError />
      <div className="flex flex-wrap items-center gap-2">
        <Button type="submit" variant="primary" loading={create.isPending}>
          Create rule
        </Button>
        <Button onClick={() => form.setValue("retrain", RETRAIN_EXAMPLE)}>Use the example retraining</Button>
        <Button variant="ghost" onClick={onDone}>
          Cancel
        </Button>
      </div>
    </ZodForm>
  );
}
