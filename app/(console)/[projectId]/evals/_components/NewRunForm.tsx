"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { get, useController, useWatch } from "react-hook-form";
import { z } from "zod";
import { FormError, FormField, ROOT_ERROR, useZodForm, ZodForm } from "@/app/_components/form";
import { Button, Input, Select } from "@/app/_components/ui";
import { errorField, errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";
import { estimateInput, runInput } from "@/server/evals/inputs";
import { Estimate } from "./Estimate";
import { useDatasetVersions } from "./figures";
import { type ScorerDraft, ScorersEditor, scorersOf } from "./ScorersEditor";
import { DEFAULT_TARGET, type TargetChoice, TargetPicker, targetOf } from "./TargetPicker";

const METRICS = [
  { key: "bleu", label: "BLEU" },
  { key: "chrf", label: "chrF" },
  { key: "rouge", label: "ROUGE" },
] as const;

type Run = RouterOutputs["evals"]["runs"]["create"];

/**
 * The form's values (a target and scorers as their editors hold them), made into the run input and
 * checked by the server's runInput (server/evals/inputs.ts): its issues come back at the same paths
 * (`target.params.maxTokens`, `scorers.0.name`), shown under the field that holds them.
 */
const runForm = z
  .object({
    name: z.string(),
    datasetVersionId: z.string(),
    metrics: z.record(z.string(), z.boolean()),
    target: z.custom<TargetChoice>(),
    scorers: z.array(z.custom<ScorerDraft>()),
    maxCost: z.string(),
  })
  .transform(
    (v) =>
      ({
        name: v.name,
        datasetVersionId: v.datasetVersionId,
        metrics: Object.fromEntries(Object.entries(v.metrics).flatMap(([k, on]) => (on ? [[k, {}]] : []))),
        target: targetOf(v.target),
        scorers: scorersOf(v.scorers),
        // a run on stored predictions costs nothing: its Max cost box is hidden
        ...(v.target.kind !== "predictions" && v.maxCost.trim() ? { maxCost: Number(v.maxCost) } : {}),
      }) as z.input<typeof runInput>,
  )
  .pipe(
    runInput.superRefine((r, ctx) => {
      if (Object.keys(r.metrics).length === 0 && r.scorers.length === 0)
        ctx.addIssue({ code: "custom", path: ["metrics"], message: "pick at least one metric or add a scorer" });
    }),
  );
type RunValues = z.input<typeof runForm>;

const MESSAGES = {
  name: "Enter a run name",
  datasetVersionId: "Pick a dataset version",
  maxCost: "Max cost must be a positive number of USD",
};

/** Where a server 400 goes: the run's own fields, or a part of its target or a scorer (their editors show them). */
const isRunField = (f: string) => /^(name|datasetVersionId|metrics|maxCost)$|^(target|scorers)\./.test(f);

/**
 * A new eval run: dataset version, target (stored predictions, a deployment, a registry model version,
 * a router) with its prompt template and parameters, reference metrics, scorers, a cost ceiling, and
 * the cost estimate before Start.
 */
export function NewRunForm({ onCreated }: { onCreated: (run: Run) => void | Promise<void> }) {
  const trpc = useTRPC();
  const project = useProject();
  const queryClient = useQueryClient();
  const versions = useDatasetVersions(project.slug);
  const create = useMutation(trpc.evals.runs.create.mutationOptions());
  const form = useZodForm(
    runForm,
    { name: "", datasetVersionId: "", metrics: { bleu: true, chrf: true, rouge: true }, target: DEFAULT_TARGET, scorers: [], maxCost: "" },
    MESSAGES,
  );
  const { register, control } = form;
  const target = useController({ control, name: "target" });
  const scorers = useController({ control, name: "scorers" });
  const [versionId, maxCost] = useWatch({ control, name: ["datasetVersionId", "maxCost"] });
  const errors = form.formState.errors;
  const errorAt = (path: string) => {
    const e = get(errors, path) as { message?: unknown } | undefined;
    return typeof e?.message === "string" && e.message ? `${e.message.charAt(0).toUpperCase()}${e.message.slice(1)}` : undefined;
  };

  // the estimate asks as soon as the version, target and scorers pass the server's estimate schema
  const estimate = estimateInput.safeParse({
    datasetVersionId: versionId,
    target: targetOf(target.field.value),
    scorers: scorersOf(scorers.field.value),
  });
  const issue = estimate.error?.issues[0];
  const why = !versionId ? "Pick a dataset version." : issue ? `${issue.path.join(".")}: ${issue.message}` : null;
  const ceiling = maxCost.trim() && target.field.value.kind !== "predictions" ? Number(maxCost) : null;

  async function submit(input: z.output<typeof runForm>) {
    try {
      const run = await create.mutateAsync({ projectId: project.id, ...input });
      form.resetField("name", { defaultValue: "" });
      await queryClient.invalidateQueries({ queryKey: trpc.evals.runs.list.queryKey() });
      await onCreated(run);
    } catch (err) {
      const field = errorField(err);
      const message = errorMessage(err);
      const bare = field && message.startsWith(`${field}: `) ? message.slice(field.length + 2) : message;
      if (field && isRunField(field)) form.setError(field as keyof RunValues, { type: "server", message: bare }, { shouldFocus: true });
      else form.setError(ROOT_ERROR as keyof RunValues, { type: "server", message });
    }
  }

  // versions grouped by dataset: pick the dataset, then its version
  const byDataset = new Map<string, typeof versions.options>();
  for (const v of versions.options) byDataset.set(v.datasetId, [...(byDataset.get(v.datasetId) ?? []), v]);
  return (
    <ZodForm form={form} onSubmit={submit} label="New run" className="flex flex-col gap-5">
      <div className="grid gap-4 sm:grid-cols-2">
        <FormField name="name" label="Run name">
          <Input {...register("name")} maxLength={200} placeholder="tiny-gpt2, prompt v3" />
        </FormField>
        <FormField
          name="datasetVersionId"
          label="Dataset version"
          hint={versions.pending ? "Loading versions…" : versions.options.length === 0 ? "Upload a dataset first." : undefined}
        >
          <Select {...register("datasetVersionId")}>
            <option value="">Pick a version…</option>
            {[...byDataset.values()].map((list) => (
              <optgroup key={list[0]?.datasetId} label={list[0]?.label.replace(/ v\d+$/, "")}>
                {list.map((v) => (
                  <option key={v.id} value={v.id}>
                    {v.label}
                    {v.hasPrediction || target.field.value.kind !== "predictions" ? "" : " (no predictions)"}
                  </option>
                ))}
              </optgroup>
            ))}
          </Select>
        </FormField>
      </div>
      <TargetPicker value={target.field.value} onChange={target.field.onChange} errorAt={(p) => errorAt(`target.${p}`)} />
      <fieldset className="flex flex-col gap-1.5" aria-invalid={!!errorAt("metrics") || undefined}>
        <legend className="mb-1.5 text-sm font-medium text-slate-700">Reference metrics</legend>
        <div className="flex flex-wrap items-center gap-4">
          {METRICS.map((m) => (
            <label key={m.key} className="flex items-center gap-2 text-sm text-slate-700">
              <input type="checkbox" className="size-4 rounded border-slate-300" {...register(`metrics.${m.key}`)} />
              {m.label}
            </label>
          ))}
        </div>
        {errorAt("metrics") && <p className="text-xs text-red-600">{errorAt("metrics")}</p>}
      </fieldset>
      <ScorersEditor value={scorers.field.value} onChange={scorers.field.onChange} errorAt={(p) => errorAt(`scorers.${p}`)} />
      {target.field.value.kind !== "predictions" && (
        <FormField
          name="maxCost"
          label="Max cost (USD)"
          hint="Optional: generation stops once the answers have cost this much; the run keeps what it scored"
          className="sm:w-72"
        >
          <Input inputMode="decimal" {...register("maxCost")} placeholder="5.00" />
        </FormField>
      )}
      <Estimate
        input={why === null && estimate.success ? estimate.data : null}
        why={why}
        maxCost={ceiling !== null && Number.isFinite(ceiling) && ceiling > 0 ? ceiling : null}
      />
      <FormError />
      <div>
        <Button type="submit" variant="primary" loading={create.isPending}>
          Start run
        </Button>
      </div>
    </ZodForm>
  );
}
