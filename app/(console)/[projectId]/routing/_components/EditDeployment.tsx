"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Controller } from "react-hook-form";
import { applyServerError, emptyToUndefined, FormError, FormField, useZodForm, ZodForm } from "@/app/_components/form";
import { Button, Input, Textarea } from "@/app/_components/ui";
import { useProject } from "@/app/_lib/project";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";
import { deploymentInput, providerUpdate } from "@/server/serving/inputs";
import { LIMIT_FIELDS, LimitsFields, limitsDefaults, TARGET_FIELDS, TargetFields, targetDefaults, targetOf } from "./DeploymentFields";

type Deployment = RouterOutputs["serving"]["deployments"]["list"][number];
type Provider = RouterOutputs["serving"]["providers"]["list"][number];

const DEFAULTS_MESSAGE = 'Request defaults are a JSON object, e.g. {"max_tokens": 64}.';

/** A JSON object typed as text: the form holds the parsed object, or the text itself while it is not one (the schema refuses it). */
function JsonObjectInput({ value, onChange, onBlur }: { value: unknown; onChange: (v: unknown) => void; onBlur: () => void }) {
  const [text, setText] = useState(() => JSON.stringify(value ?? {}, null, 2));
  return (
    <Textarea
      rows={3}
      value={text}
      onBlur={onBlur}
      onChange={(e) => {
        setText(e.target.value);
        try {
          onChange(JSON.parse(e.target.value.trim() || "{}"));
        } catch {
          onChange(e.target.value);
        }
      }}
      className="font-mono text-xs"
    />
  );
}

/** Edit a deployment's target, prices and request defaults; its name, kind and task stay. */
export function EditDeployment({ deployment: d, onClose }: { deployment: Deployment; onClose: (saved: boolean) => void }) {
  const trpc = useTRPC();
  const project = useProject();
  const queryClient = useQueryClient();
  const update = useMutation(trpc.serving.deployments.update.mutationOptions());
  const form = useZodForm(
    deploymentInput,
    { name: d.name, kind: d.kind, task: d.task, ...targetDefaults(d), defaults: d.defaults ?? {}, batching: d.batching },
    { defaults: DEFAULTS_MESSAGE },
  );

  async function submit(values: typeof deploymentInput._zod.output) {
    try {
      await update.mutateAsync({ projectId: project.id, ...targetOf(values) });
      await queryClient.invalidateQueries({ queryKey: trpc.serving.deployments.list.pathKey() });
      onClose(true);
    } catch (err) {
      applyServerError(form, err, [...TARGET_FIELDS, "defaults"]);
    }
  }

  return (
    <ZodForm form={form} onSubmit={submit} label={`Edit deployment ${d.name}`}>
      <TargetFields kind={d.kind} columns="sm:grid-cols-3">
        <FormField name="defaults" label="Request defaults (JSON)" hint="Used when a request leaves them out.">
          <Controller
            control={form.control}
            name="defaults"
            render={({ field }) => <JsonObjectInput value={field.value} onChange={field.onChange} onBlur={field.onBlur} />}
          />
        </FormField>
      </TargetFields>
      <FormError />
      <div className="flex gap-2">
        <Button type="submit" variant="primary" loading={update.isPending}>
          Save deployment
        </Button>
        <Button onClick={() => onClose(false)}>Cancel</Button>
      </div>
    </ZodForm>
  );
}

/** Edit a provider's URL and limits; the key is write-only (leave empty to keep it). */
export function EditProvider({ provider: p, onClose }: { provider: Provider; onClose: (saved: boolean) => void }) {
  const trpc = useTRPC();
  const project = useProject();
  const queryClient = useQueryClient();
  const update = useMutation(trpc.serving.providers.update.mutationOptions());
  const form = useZodForm(providerUpdate, { providerId: p.id, baseUrl: p.baseUrl, ...limitsDefaults(p) });
  const [removeKey, setRemoveKey] = useState(false);

  async function submit({ apiKey, ...values }: typeof providerUpdate._zod.output) {
    try {
      // no key typed: keep the stored one
      await update.mutateAsync({ projectId: project.id, ...values, ...(removeKey ? { apiKey: null } : apiKey ? { apiKey } : {}) });
      await queryClient.invalidateQueries({ queryKey: trpc.serving.pathKey() });
      onClose(true);
    } catch (err) {
      applyServerError(form, err, ["baseUrl", "apiKey", ...LIMIT_FIELDS]);
    }
  }

  return (
    <ZodForm form={form} onSubmit={submit} label={`Edit provider ${p.name}`}>
      <div className="grid gap-4 sm:grid-cols-2">
        <FormField name="baseUrl" label="Base URL">
          <Input type="url" {...form.register("baseUrl")} />
        </FormField>
        <FormField name="apiKey" label="New API key" hint={p.hasApiKey ? "A key is set; leave empty to keep it." : "No key is set."}>
          <Input type="password" autoComplete="off" disabled={removeKey} {...form.register("apiKey", { setValueAs: emptyToUndefined })} />
        </FormField>
      </div>
      <LimitsFields columns="sm:grid-cols-4">
        {p.hasApiKey && (
          <label className="flex items-center gap-2 self-center text-sm text-slate-700">
            <input type="checkbox" checked={removeKey} onChange={(e) => setRemoveKey(e.target.checked)} className="size-4" />
            Remove the key
          </label>
        )}
      </LimitsFields>
      <FormError />
      <div className="flex gap-2">
        <Button type="submit" variant="primary" loading={update.isPending}>
          Save provider
        </Button>
        <Button onClick={() => onClose(false)}>Cancel</Button>
      </div>
    </ZodForm>
  );
}
