"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Alert, Button, Field, Input, Textarea } from "@/app/_components/ui";
import { fieldError, formError } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";
import { LIMIT_FIELDS, LimitsFields, limitsDraft, TARGET_FIELDS, TargetFields, targetDraft, toLimits, toTarget } from "./DeploymentFields";

type Deployment = RouterOutputs["serving"]["deployments"]["list"][number];
type Provider = RouterOutputs["serving"]["providers"]["list"][number];

/** Edit a deployment's target, prices and request defaults; its name, kind and task stay. */
export function EditDeployment({ deployment: d, onClose }: { deployment: Deployment; onClose: (saved: boolean) => void }) {
  const trpc = useTRPC();
  const project = useProject();
  const queryClient = useQueryClient();
  const update = useMutation(trpc.serving.deployments.update.mutationOptions());
  const [target, setTarget] = useState(targetDraft(d));
  const [defaults, setDefaults] = useState(JSON.stringify(d.defaults ?? {}, null, 2));
  const [local, setLocal] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setLocal(null);
    update.reset();
    const served = toTarget(d.kind, target);
    if (typeof served === "string") return setLocal(served);
    let parsed: unknown;
    try {
      parsed = JSON.parse(defaults.trim() || "{}");
    } catch {
      return setLocal('Request defaults are a JSON object, e.g. {"max_tokens": 64}.');
    }
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed))
      return setLocal('Request defaults are a JSON object, e.g. {"max_tokens": 64}.');
    try {
      await update.mutateAsync({
        projectId: project.id,
        name: d.name,
        kind: d.kind,
        task: d.task,
        ...served,
        defaults: parsed as Record<string, unknown>,
        batching: d.batching,
      });
      await queryClient.invalidateQueries({ queryKey: trpc.serving.deployments.list.pathKey() });
      onClose(true);
    } catch {
      // shown from update.error
    }
  }

  const error = local ?? formError(update.error, [...TARGET_FIELDS, "defaults"]);
  return (
    <form onSubmit={submit} noValidate aria-label={`Edit deployment ${d.name}`} className="flex flex-col gap-4">
      <TargetFields kind={d.kind} value={target} onChange={setTarget} error={update.error} columns="sm:grid-cols-3">
        <Field label="Request defaults (JSON)" error={fieldError(update.error, "defaults")} hint="Used when a request leaves them out.">
          <Textarea rows={3} value={defaults} onChange={(e) => setDefaults(e.target.value)} className="font-mono text-xs" />
        </Field>
      </TargetFields>
      {error && <Alert>{error}</Alert>}
      <div className="flex gap-2">
        <Button type="submit" variant="primary" loading={update.isPending}>
          Save deployment
        </Button>
        <Button onClick={() => onClose(false)}>Cancel</Button>
      </div>
    </form>
  );
}

/** Edit a provider's URL and limits; the key is write-only (leave empty to keep it). */
export function EditProvider({ provider: p, onClose }: { provider: Provider; onClose: (saved: boolean) => void }) {
  const trpc = useTRPC();
  const project = useProject();
  const queryClient = useQueryClient();
  const update = useMutation(trpc.serving.providers.update.mutationOptions());
  const [baseUrl, setBaseUrl] = useState(p.baseUrl);
  const [apiKey, setApiKey] = useState("");
  const [removeKey, setRemoveKey] = useState(false);
  const [limits, setLimits] = useState(limitsDraft(p));
  const [local, setLocal] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setLocal(null);
    update.reset();
    if (!baseUrl.trim()) return setLocal("Enter the base URL, e.g. https://api.openai.com/v1.");
    const numbers = toLimits(limits);
    if (typeof numbers === "string") return setLocal(numbers);
    try {
      await update.mutateAsync({
        projectId: project.id,
        providerId: p.id,
        baseUrl: baseUrl.trim(),
        ...numbers,
        // empty: keep the stored key
        ...(removeKey ? { apiKey: null } : apiKey ? { apiKey } : {}),
      });
      setApiKey("");
      await queryClient.invalidateQueries({ queryKey: trpc.serving.pathKey() });
      onClose(true);
    } catch {
      // shown from update.error
    }
  }

  const error = local ?? formError(update.error, ["baseUrl", "apiKey", ...LIMIT_FIELDS]);
  return (
    <form onSubmit={submit} noValidate aria-label={`Edit provider ${p.name}`} className="flex flex-col gap-4">
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Base URL" error={fieldError(update.error, "baseUrl")}>
          <Input type="url" value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} />
        </Field>
        <Field
          label="New API key"
          error={fieldError(update.error, "apiKey")}
          hint={p.hasApiKey ? "A key is set; leave empty to keep it." : "No key is set."}
        >
          <Input type="password" autoComplete="off" value={apiKey} disabled={removeKey} onChange={(e) => setApiKey(e.target.value)} />
        </Field>
      </div>
      <LimitsFields value={limits} onChange={setLimits} error={update.error} columns="sm:grid-cols-4">
        {p.hasApiKey && (
          <label className="flex items-center gap-2 self-center text-sm text-slate-700">
            <input type="checkbox" checked={removeKey} onChange={(e) => setRemoveKey(e.target.checked)} className="size-4" />
            Remove the key
          </label>
        )}
      </LimitsFields>
      {error && <Alert>{error}</Alert>}
      <div className="flex gap-2">
        <Button type="submit" variant="primary" loading={update.isPending}>
          Save provider
        </Button>
        <Button onClick={() => onClose(false)}>Cancel</Button>
      </div>
    </form>
  );
}
