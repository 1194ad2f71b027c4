"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { applyServerError, emptyToUndefined, FormError, FormField, useZodForm, ZodForm } from "@/app/_components/form";
import { Button, Done, Input, Textarea } from "@/app/_components/ui";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { createModelInput } from "@/server/registry/inputs";
import { modelHref } from "./shared";

const TASKS = ["text-generation", "text-classification", "feature-extraction", "summarization", "translation", "question-answering"];

/** Register a model, validated by the registry's createModelInput before it is sent. */
export function RegisterModel() {
  const trpc = useTRPC();
  const project = useProject();
  const queryClient = useQueryClient();
  const create = useMutation(trpc.registry.models.create.mutationOptions());
  const form = useZodForm(createModelInput, { name: "" });
  const [created, setCreated] = useState<string | null>(null);

  async function submit(values: typeof createModelInput._zod.output) {
    setCreated(null);
    try {
      const m = await create.mutateAsync({ projectId: project.id, ...values });
      setCreated(m.name);
      form.reset({ name: "" });
      await queryClient.invalidateQueries({ queryKey: trpc.registry.models.list.pathKey() });
    } catch (err) {
      applyServerError(form, err, ["name", "task", "description"]);
    }
  }

  const optional = { setValueAs: emptyToUndefined };
  return (
    <ZodForm form={form} onSubmit={submit} label="Register model">
      <div className="grid gap-4 sm:grid-cols-2">
        <FormField name="name" label="Model name" hint="No / @ : or \ — it appears in URLs.">
          <Input {...form.register("name")} maxLength={200} placeholder="support-classifier" />
        </FormField>
        <FormField name="task" label="Task" hint="Optional, e.g. text-classification.">
          <Input {...form.register("task", optional)} maxLength={100} list="registry-tasks" />
        </FormField>
      </div>
      <datalist id="registry-tasks">
        {TASKS.map((t) => (
          <option key={t} value={t} />
        ))}
      </datalist>
      <FormField name="description" label="Description">
        <Textarea {...form.register("description", optional)} rows={2} maxLength={20_000} />
      </FormField>
      <FormError />
      {created && (
        <Done>
          Registered {created}.{" "}
          <Link href={modelHref(project.slug, created)} className="font-medium underline">
            Open {created}
          </Link>
        </Done>
      )}
      <div>
        <Button type="submit" variant="primary" loading={create.isPending}>
          Register model
        </Button>
      </div>
    </ZodForm>
  );
}
