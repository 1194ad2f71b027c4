"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useWatch } from "react-hook-form";
import { applyServerError, emptyToUndefined, FormError, FormField, useZodForm, ZodForm } from "@/app/_components/form";
import { Button, Done, Input, Select } from "@/app/_components/ui";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { deploymentInput, providerInput } from "@/server/serving/inputs";
import { LIMIT_FIELDS, LimitsFields, limitsDefaults, TARGET_FIELDS, TargetFields, targetDefaults, targetOf } from "./DeploymentFields";

const TASKS = ["chat", "completion", "embedding", "classification"] as const;

/** A named endpoint of the gateway: a registry model at an alias, or an upstream provider's model. */
export function NewDeployment() {
  const trpc = useTRPC();
  const project = useProject();
  const queryClient = useQueryClient();
  const create = useMutation(trpc.serving.deployments.create.mutationOptions());
  const form = useZodForm(deploymentInput, { name: "", kind: "local", task: "chat", ...targetDefaults() });
  const kind = useWatch({ control: form.control, name: "kind" });
  const [created, setCreated] = useState<string | null>(null);

  async function submit(values: typeof deploymentInput._zod.output) {
    setCreated(null);
    try {
      const d = await create.mutateAsync({ projectId: project.id, ...targetOf(values) });
      setCreated(d.name);
      form.resetField("name", { defaultValue: "" });
      await queryClient.invalidateQueries({ queryKey: trpc.serving.deployments.list.pathKey() });
    } catch (err) {
      applyServerError(form, err, ["name", "kind", "task", ...TARGET_FIELDS]);
    }
  }

  return (
    <ZodForm form={form} onSubmit={submit} label="New deployment">
      <div className="grid gap-4 sm:grid-cols-3">
        <FormField name="name" label="Deployment name" hint="Called as model: <name>.">
          <Input {...form.register("name")} maxLength={200} placeholder="support-small" />
        </FormField>
        <FormField name="kind" label="Source">
          <Select {...form.register("kind")}>
            <option value="local">local (registry model)</option>
            <option value="provider">provider (OpenAI-compatible)</option>
          </Select>
        </FormField>
        <FormField name="task" label="Task">
          <Select {...form.register("task")}>
            {TASKS.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </Select>
        </FormField>
      </div>
      <TargetFields kind={kind} examples columns="sm:grid-cols-2" />
      <FormError />
      {created && <Done>Created deployment {created}.</Done>}
      <div>
        <Button type="submit" variant="primary" loading={create.isPending}>
          Create deployment
        </Button>
      </div>
    </ZodForm>
  );
}

/** An OpenAI-compatible upstream; its key is write-only. */
export function NewProvider() {
  const trpc = useTRPC();
  const project = useProject();
  const queryClient = useQueryClient();
  const create = useMutation(trpc.serving.providers.create.mutationOptions());
  const form = useZodForm(providerInput, { name: "", baseUrl: "", ...limitsDefaults() });
  const [created, setCreated] = useState<string | null>(null);

  async function submit(values: typeof providerInput._zod.output) {
    setCreated(null);
    try {
      const p = await create.mutateAsync({ projectId: project.id, ...values });
      setCreated(p.name);
      form.resetField("name", { defaultValue: "" });
      form.resetField("apiKey", { defaultValue: undefined });
      await queryClient.invalidateQueries({ queryKey: trpc.serving.providers.list.pathKey() });
    } catch (err) {
      applyServerError(form, err, ["name", "baseUrl", "apiKey", ...LIMIT_FIELDS]);
    }
  }

  return (
    <ZodForm form={form} onSubmit={submit} label="New provider">
      <div className="grid gap-4 sm:grid-cols-3">
        <FormField name="name" label="Provider name">
          <Input {...form.register("name")} maxLength={200} placeholder="openai" />
        </FormField>
        <FormField name="baseUrl" label="Base URL">
          <Input type="url" {...form.register("baseUrl")} placeholder="https://api.openai.com/v1" />
        </FormField>
        <FormField name="apiKey" label="API key" hint="Stored encrypted; never shown again.">
          <Input type="password" autoComplete="off" {...form.register("apiKey", { setValueAs: emptyToUndefined })} />
        </FormField>
      </div>
      <LimitsFields columns="sm:grid-cols-3" />
      <FormError />
      {created && <Done>Created provider {created}.</Done>}
      <div>
        <Button type="submit" variant="primary" loading={create.isPending}>
          Create provider
        </Button>
      </div>
    </ZodForm>
  );
}
