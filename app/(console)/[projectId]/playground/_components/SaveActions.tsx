"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useId } from "react";
import { z } from "zod";
import { applyServerError, emptyToUndefined, FormError, FormField, useZodForm, ZodForm } from "@/app/_components/form";
import { Button, Done, Input } from "@/app/_components/ui";
import { useTRPC } from "@/app/_lib/trpc";
import { addTracesInput } from "@/server/datasets/inputs";
import { createPromptInput } from "@/server/registry/inputs";
import type { PlaygroundForm } from "@/server/routing/inputs";

/** What a prompt version is made of: the current messages (or text) and parameters, the model when a deployment was picked. */
export function promptFromInput(input: PlaygroundForm): {
  prompt?: string;
  messages?: { role: "system" | "user" | "assistant"; content: string }[];
  config: Record<string, unknown>;
} {
  const config: Record<string, unknown> = Object.fromEntries(Object.entries(input.params).filter(([, v]) => v !== undefined));
  const first = input.targets[0];
  if (first?.kind === "model" && first.model && !first.model.startsWith("router:")) config.model = first.model;
  if (first?.kind === "prompt" && first.model) config.model = first.model;
  if (input.mode === "completion") return { prompt: input.prompt ?? "", config };
  return { messages: input.messages.filter((m) => m.content.trim()), config };
}

const saveForm = z.object({ name: z.string(), commitMessage: z.string().optional() });

/** "Save as prompt version": the next version of a prompt (a new one when the name is new), from the current input. */
export function SaveAsPrompt({ projectId, current }: { projectId: string; current: () => PlaygroundForm | null }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const listId = useId();
  const prompts = useQuery(trpc.registry.prompts.list.queryOptions({ projectId, limit: 200 }));
  const create = useMutation(trpc.registry.prompts.create.mutationOptions());
  const form = useZodForm(saveForm, { name: "", commitMessage: "" });

  async function submit(values: z.output<typeof saveForm>) {
    const input = current();
    if (!input) return;
    const parsed = createPromptInput.safeParse({
      name: values.name,
      commitMessage: emptyToUndefined(values.commitMessage),
      ...promptFromInput(input),
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path[0] === "name" || issue?.path[0] === "commitMessage" ? String(issue.path[0]) : "root.server";
      form.setError(field as never, {
        type: "schema",
        message: `${field === "root.server" ? `${issue?.path.join(".")}: ` : ""}${issue?.message}`,
      });
      return;
    }
    try {
      await create.mutateAsync({ projectId, ...parsed.data });
      await qc.invalidateQueries({ queryKey: trpc.registry.prompts.pathKey() });
    } catch (err) {
      applyServerError(form, err, ["name", "commitMessage"]);
    }
  }

  return (
    <ZodForm form={form} onSubmit={submit} label="Save as prompt version" className="flex flex-col gap-3">
      <div className="grid gap-3 sm:grid-cols-2">
        <FormField name="name" label="Prompt" hint="An existing prompt gets its next version; a new name a new prompt.">
          <Input list={listId} {...form.register("name")} placeholder="Pick one or name a new one" />
        </FormField>
        <datalist id={listId}>
          {prompts.data?.items.map((p) => (
            <option key={p.name} value={p.name} />
          ))}
        </datalist>
        <FormField name="commitMessage" label="Commit message">
          <Input {...form.register("commitMessage")} />
        </FormField>
      </div>
      <FormError />
      <div className="flex items-center gap-3">
        <Button type="submit" loading={create.isPending}>
          Save as prompt version
        </Button>
        {create.data && (
          <Done>
            Saved {create.data.name} version {create.data.version}.{" "}
            <Link href={`/${projectId}/registry/models/${encodeURIComponent(create.data.name)}`} className="font-medium text-indigo-600">
              Open it
            </Link>
          </Done>
        )}
      </div>
    </ZodForm>
  );
}

const datasetForm = z.object({ name: addTracesInput.shape.name });

/** "Add to dataset": the runs' traces (input as sent, output as the reference) as rows of a new version of the dataset. */
export function AddToDataset({ projectId, traceIds }: { projectId: string; traceIds: string[] }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const listId = useId();
  const datasets = useQuery(trpc.datasets.list.queryOptions({ projectId, limit: 200 }));
  const add = useMutation(trpc.datasets.addTraces.mutationOptions());
  const form = useZodForm(datasetForm, { name: "" });

  async function submit(values: z.output<typeof datasetForm>) {
    try {
      await add.mutateAsync({ projectId, name: values.name, traceIds });
      await qc.invalidateQueries({ queryKey: trpc.datasets.pathKey() });
    } catch (err) {
      applyServerError(form, err, ["name"]);
    }
  }

  return (
    <ZodForm form={form} onSubmit={submit} label="Add to dataset" className="flex flex-col gap-3">
      <FormField
        name="name"
        label="Dataset"
        hint={`${traceIds.length} answer${traceIds.length === 1 ? "" : "s"}: input and output, one row each.`}
      >
        <Input list={listId} {...form.register("name")} placeholder="Pick one or name a new one" />
      </FormField>
      <datalist id={listId}>
        {datasets.data?.items.map((d) => (
          <option key={d.id} value={d.name} />
        ))}
      </datalist>
      <FormError />
      <div className="flex items-center gap-3">
        <Button type="submit" disabled={traceIds.length === 0} loading={add.isPending}>
          Add to dataset
        </Button>
        {add.data && (
          <Done>
            {add.data.added} added: version {add.data.version} holds {add.data.rowCount} rows.{" "}
            <Link href={`/${projectId}/datasets`} className="font-medium text-indigo-600">
              Datasets
            </Link>
          </Done>
        )}
      </div>
    </ZodForm>
  );
}
