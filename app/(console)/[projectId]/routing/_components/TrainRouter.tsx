"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { z } from "zod";
import { applyServerError, FormError, FormField, toNumber, useZodForm, ZodForm } from "@/app/_components/form";
import { Button, Input, Select } from "@/app/_components/ui";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { trainInput } from "@/server/routing/inputs";
import { formatPercent } from "./shared";

/** The source's fields differ by kind: the form's paths below are those of either kind (the schema checks the chosen one). */
type SourceField = "source.goodAt" | "source.figure" | "source.smallRunId" | "source.largeRunId";

/** Train a learned router from ratings on its small target's calls, or from the per-item scores of two eval runs. */
export function TrainRouter({ name }: { name: string }) {
  const trpc = useTRPC();
  const project = useProject();
  const queryClient = useQueryClient();
  const runs = useQuery(trpc.evals.runs.list.queryOptions({ projectId: project.slug, limit: 100 }));
  const train = useMutation(trpc.routing.train.mutationOptions());
  const form = useZodForm(trainInput, {
    name,
    source: { kind: "ratings", goodAt: 0.5, figure: "rougeL.fmeasure", smallRunId: "", largeRunId: "" } as never,
  });
  const source = form.watch("source.kind");
  const field = (f: SourceField) => f as never;

  async function submit(input: z.output<typeof trainInput>) {
    try {
      await train.mutateAsync({ projectId: project.id, ...input });
    } catch (err) {
      return applyServerError(form, err, [
        "targetLargeShare",
        ...(["source.goodAt", "source.figure", "source.smallRunId", "source.largeRunId"] as const).map(field),
      ]);
    }
    await queryClient.invalidateQueries({ queryKey: trpc.routing.pathKey() });
  }

  const items = runs.data?.items ?? [];
  const runSelect = (label: string, f: SourceField) => (
    <FormField name={f} label={label}>
      <Select {...form.register(field(f))}>
        <option value="">Pick a run…</option>
        {items.map((r) => (
          <option key={r.id} value={r.id}>
            {r.name} ({r.status})
          </option>
        ))}
      </Select>
    </FormField>
  );
  const m = train.data?.model;
  return (
    <ZodForm form={form} onSubmit={submit} label="Train router">
      <div className="grid items-start gap-4 sm:grid-cols-3">
        <FormField name="source.kind" label="Training source">
          <Select {...form.register("source.kind")}>
            <option value="ratings">ratings on logged calls</option>
            <option value="evals">two eval runs</option>
          </Select>
        </FormField>
        {source === "ratings" ? (
          <FormField name="source.goodAt" label="Good at" hint="Small was good enough when its mean rating is at least this.">
            <Input type="number" step="any" {...form.register(field("source.goodAt"), { setValueAs: toNumber })} />
          </FormField>
        ) : (
          <FormField name="source.figure" label="Figure" hint="Per-item score compared between the runs.">
            <Input {...form.register(field("source.figure"))} />
          </FormField>
        )}
        <FormField name="targetLargeShare" label="Target share of large calls" hint="Optional, 0–1; default: the training data's.">
          <Input type="number" min={0} max={1} step={0.05} {...form.register("targetLargeShare", { setValueAs: toNumber })} />
        </FormField>
      </div>
      {source === "evals" && (
        <div className="grid items-start gap-4 sm:grid-cols-2">
          {runSelect("Small model's run", "source.smallRunId")}
          {runSelect("Large model's run", "source.largeRunId")}
        </div>
      )}
      <FormError />
      {m && (
        <div role="status" className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
          Trained on {m.trainedOn} items ({m.metrics.positives} where small was good enough): threshold {m.threshold.toFixed(3)}, train
          accuracy {formatPercent(m.metrics.trainAccuracy)}, large share {formatPercent(m.metrics.largeShare)}
          {m.metrics.cvLogLoss !== null && `, held-out log loss ${m.metrics.cvLogLoss.toFixed(3)}`}.
        </div>
      )}
      <div>
        <Button type="submit" variant="primary" loading={train.isPending}>
          Train router
        </Button>
      </div>
    </ZodForm>
  );
}
