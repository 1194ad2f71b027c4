"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { useWatch } from "react-hook-form";
import type { z } from "zod";
import { emptyToUndefined, FormError, FormField, toNumber, useZodForm, ZodForm } from "@/app/_components/form";
import { Button, Input, Select } from "@/app/_components/ui";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import type { TuningMethod } from "@/server/tuning/inputs";
import { parseQuery, toApiFilter } from "../../logs/_components/filters";
import { CapacityWarning } from "./CapacityWarning";
import { Hyperparameters } from "./Hyperparameters";
import { LogsSource } from "./LogsSource";
import { hyperDefaults, LAUNCH_MESSAGES, launchDefaults, launchForm, showLaunchError } from "./launch-schema";

const METHODS: { value: TuningMethod; label: string }[] = [
  { value: "head", label: "head: a classifier on a frozen embedding model" },
  { value: "lora", label: "lora: LoRA adapters on a causal LM (GPU or CPU)" },
  { value: "full", label: "full: every weight of a causal LM" },
];

/**
 * Launch a fine-tuning job; on success `onLaunched` gets the job's number. The server's launch schema
 * checks it in the browser first (hyperparameters against the method's ranges); its 400s show under the field they name.
 */
export function LaunchForm({ onLaunched, initialView }: { onLaunched: (number: number) => void; initialView?: string }) {
  const trpc = useTRPC();
  const project = useProject();
  const slug = project.slug;
  const queryClient = useQueryClient();
  const models = useQuery(trpc.registry.models.list.queryOptions({ projectId: slug, limit: 200 }));
  const datasets = useQuery(trpc.datasets.list.queryOptions({ projectId: slug, limit: 200 }));
  const views = useQuery(trpc.logs.views.list.queryOptions({ projectId: slug }));
  const create = useMutation(trpc.tuning.create.mutationOptions());
  const form = useZodForm(launchForm, launchDefaults(initialView), LAUNCH_MESSAGES);
  const { register, control } = form;
  const [method, source, baseModel, dataset, resources] = useWatch({
    control,
    name: ["method", "source", "base.model", "dataset.name", "resources"],
  });
  // a method's defaults replace the hyperparameters when the method changes
  useEffect(() => form.setValue("hyperparameters", hyperDefaults(method)), [form, method]);

  const model = models.data?.items.find((m) => m.name === baseModel);
  const versions = useQuery(
    trpc.registry.versions.list.queryOptions({ projectId: slug, model: baseModel, limit: 200, status: ["ready"] }, { enabled: !!model }),
  );
  const datasetRow = datasets.data?.items.find((d) => d.name === dataset);
  const datasetVersions = useQuery(
    trpc.datasets.versions.queryOptions({ projectId: slug, datasetId: datasetRow?.id ?? "", limit: 200 }, { enabled: !!datasetRow }),
  );

  async function submit(input: z.output<typeof launchForm>) {
    let body: Record<string, unknown> = input;
    if (input.fromLogs) {
      const view = views.data?.find((v) => v.name === input.fromLogs?.view);
      if (!view) return form.setError("fromLogs.view", { type: "server", message: "Pick a saved view" });
      // the explorer's query string as the server's filter, relative ranges anchored now
      body = { ...input, fromLogs: { ...input.fromLogs, filter: toApiFilter(parseQuery(new URLSearchParams(view.query)), Date.now()) } };
    }
    try {
      const job = await create.mutateAsync({ projectId: slug, ...body });
      await queryClient.invalidateQueries({ queryKey: trpc.tuning.list.pathKey() });
      // a job from logs built a dataset version
      if (input.fromLogs) await queryClient.invalidateQueries({ queryKey: trpc.datasets.pathKey() });
      onLaunched(job.number);
    } catch (err) {
      showLaunchError(form, err, source);
    }
  }

  const aliasNames = model?.aliases.map((a) => a.alias) ?? [];
  const baseVersion = (v: string) => (/^\d+$/.test(v) ? Number(v) : v);
  return (
    <ZodForm form={form} onSubmit={submit} label="Launch a fine-tuning job" className="flex flex-col gap-5">
      <div className="grid gap-4 sm:grid-cols-3">
        <FormField name="method" label="Method">
          <Select {...register("method")}>
            {METHODS.map((m) => (
              <option key={m.value} value={m.value}>
                {m.label}
              </option>
            ))}
          </Select>
        </FormField>
        <FormField
          name="base.model"
          label="Base model"
          hint="A registry model: head needs feature-extraction, lora and full text-generation."
        >
          <Select {...register("base.model", { onChange: () => form.setValue("base.version", "production") })}>
            <option value="">Pick a model…</option>
            {(models.data?.items ?? []).map((m) => (
              <option key={m.id} value={m.name}>
                {m.name}
                {m.task ? ` (${m.task})` : ""}
              </option>
            ))}
          </Select>
        </FormField>
        <FormField name="base.version" label="Base version or alias">
          <Select {...register("base.version", { setValueAs: baseVersion })} disabled={!model}>
            {[...new Set(["production", ...aliasNames])].map((a) => (
              <option key={`@${a}`} value={a}>
                @{a}
              </option>
            ))}
            {(versions.data?.items ?? []).map((v) => (
              <option key={v.id} value={String(v.version)}>
                v{v.version}
              </option>
            ))}
          </Select>
        </FormField>
      </div>

      <div className="grid gap-4 sm:grid-cols-3">
        <FormField name="source" label="Data source" hint="A dataset version, or a new one built from the traces of a saved logs view.">
          <Select {...register("source")}>
            <option value="dataset">Dataset version</option>
            <option value="logs">Saved logs view</option>
          </Select>
        </FormField>
        <FormField name="outputModel" label="Output model" hint={`Default ${baseModel || "<base>"}-${method}.`}>
          <Input {...register("outputModel", { setValueAs: emptyToUndefined })} maxLength={200} placeholder="sentiment-head" />
        </FormField>
      </div>

      {source === "dataset" ? (
        <div className="grid gap-4 sm:grid-cols-3">
          <FormField name="dataset.name" label="Dataset">
            <Select {...register("dataset.name", { onChange: () => form.setValue("dataset.version", undefined) })}>
              <option value="">Pick a dataset…</option>
              {(datasets.data?.items ?? []).map((d) => (
                <option key={d.id} value={d.name}>
                  {d.name}
                </option>
              ))}
            </Select>
          </FormField>
          <FormField name="dataset.version" label="Dataset version">
            <Select {...register("dataset.version", { setValueAs: toNumber })} disabled={!datasetRow}>
              <option value="">latest</option>
              {(datasetVersions.data?.items ?? []).map((v) => (
                <option key={v.id} value={String(v.version)}>
                  v{v.version}
                </option>
              ))}
            </Select>
          </FormField>
        </div>
      ) : (
        <LogsSource slug={slug} method={method} views={views} />
      )}

      <div className="grid gap-4 sm:grid-cols-2">
        <FormField name="fields.text" label="Text field" hint="input, input.X or metadata.X">
          <Input {...register("fields.text", { setValueAs: emptyToUndefined })} />
        </FormField>
        <FormField name="fields.label" label="Label field" hint="references (the first one) or metadata.X">
          <Input {...register("fields.label", { setValueAs: emptyToUndefined })} />
        </FormField>
      </div>

      <Hyperparameters method={method} />

      <div className="grid gap-4 sm:grid-cols-3">
        <FormField name="resources.kind" label="Resources">
          <Select {...register("resources.kind")}>
            <option value="cpu">cpu</option>
            <option value="gpu">gpu</option>
          </Select>
        </FormField>
        {resources.kind === "gpu" && (
          <FormField name="resources.minGpuMemoryMb" label="Min GPU memory (MB)">
            <Input type="number" min={0} step={1} {...register("resources.minGpuMemoryMb", { setValueAs: toNumber })} />
          </FormField>
        )}
        <FormField name="seed" label="Seed">
          <Input type="number" min={0} step={1} {...register("seed", { setValueAs: toNumber })} />
        </FormField>
        <FormField
          name="promoteTo"
          label="Promote to alias"
          hint="Optional: after the eval run, request this alias for the result (the model's gates and approvals decide)."
        >
          <Input {...register("promoteTo", { setValueAs: emptyToUndefined })} maxLength={63} placeholder="staging" />
        </FormField>
      </div>

      <CapacityWarning
        method={method}
        kind={resources.kind}
        minGpuMemoryMb={typeof resources.minGpuMemoryMb === "number" ? resources.minGpuMemoryMb || undefined : undefined}
      />
      <FormError />
      <div>
        <Button type="submit" variant="primary" loading={create.isPending}>
          Launch job
        </Button>
      </div>
    </ZodForm>
  );
}
