"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Button, Field, Input, Select, Textarea } from "../../../../_components/ui";
import { fieldError, formError } from "../../../../_lib/errors";
import { useProject } from "../../../../_lib/project";
import { type RouterOutputs, useTRPC } from "../../../../_lib/trpc";
import { Alert } from "./shared";

type Deployment = RouterOutputs["serving"]["deployments"]["list"][number];
type Provider = RouterOutputs["serving"]["providers"]["list"][number];

/** Edit a deployment's target, prices and request defaults; its name, kind and task stay. */
export function EditDeployment({ deployment: d, onClose }: { deployment: Deployment; onClose: (saved: boolean) => void }) {
  const trpc = useTRPC();
  const project = useProject();
  const queryClient = useQueryClient();
  const providers = useQuery(trpc.serving.providers.list.queryOptions({ projectId: project.slug }));
  const update = useMutation(trpc.serving.deployments.update.mutationOptions());
  const [modelName, setModelName] = useState(d.modelName ?? "");
  const [modelRef, setModelRef] = useState(d.modelRef ?? "production");
  const [provider, setProvider] = useState(d.provider ?? "");
  const [providerModel, setProviderModel] = useState(d.providerModel ?? "");
  const [inPrice, setInPrice] = useState(String(d.inputPricePer1k));
  const [outPrice, setOutPrice] = useState(String(d.outputPricePer1k));
  const [defaults, setDefaults] = useState(JSON.stringify(d.defaults ?? {}, null, 2));
  const [local, setLocal] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setLocal(null);
    update.reset();
    const inputPricePer1k = Number(inPrice || "0");
    const outputPricePer1k = Number(outPrice || "0");
    if (!Number.isFinite(inputPricePer1k) || !Number.isFinite(outputPricePer1k))
      return setLocal("Prices are numbers (dollars per 1k tokens).");
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
        ...(d.kind === "local"
          ? { modelName: modelName.trim() || undefined, modelRef: modelRef.trim() || "production" }
          : { provider: provider || undefined, providerModel: providerModel.trim() || undefined }),
        inputPricePer1k,
        outputPricePer1k,
        defaults: parsed as Record<string, unknown>,
        batching: d.batching,
      });
      await queryClient.invalidateQueries({ queryKey: trpc.serving.deployments.list.pathKey() });
      onClose(true);
    } catch {
      // shown from update.error
    }
  }

  const fields = ["modelName", "modelRef", "provider", "providerModel", "inputPricePer1k", "outputPricePer1k", "defaults"];
  const error = local ?? formError(update.error, fields);
  return (
    <form onSubmit={submit} noValidate aria-label={`Edit deployment ${d.name}`} className="flex flex-col gap-4">
      {d.kind === "local" ? (
        <div className="grid gap-4 sm:grid-cols-2">
          <Field label="Registry model" error={fieldError(update.error, "modelName")}>
            <Input value={modelName} onChange={(e) => setModelName(e.target.value)} />
          </Field>
          <Field label="Alias or version" error={fieldError(update.error, "modelRef")}>
            <Input value={modelRef} onChange={(e) => setModelRef(e.target.value)} />
          </Field>
        </div>
      ) : (
        <div className="grid gap-4 sm:grid-cols-2">
          <Field label="Provider" error={fieldError(update.error, "provider")}>
            <Select value={provider} onChange={(e) => setProvider(e.target.value)}>
              <option value="">Pick a provider…</option>
              {(providers.data ?? []).map((p) => (
                <option key={p.id} value={p.name}>
                  {p.name}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Upstream model" error={fieldError(update.error, "providerModel")}>
            <Input value={providerModel} onChange={(e) => setProviderModel(e.target.value)} />
          </Field>
        </div>
      )}
      <div className="grid gap-4 sm:grid-cols-3">
        <Field label="Input price per 1k tokens ($)" error={fieldError(update.error, "inputPricePer1k")}>
          <Input type="number" min={0} step="any" value={inPrice} onChange={(e) => setInPrice(e.target.value)} />
        </Field>
        <Field label="Output price per 1k tokens ($)" error={fieldError(update.error, "outputPricePer1k")}>
          <Input type="number" min={0} step="any" value={outPrice} onChange={(e) => setOutPrice(e.target.value)} />
        </Field>
        <Field label="Request defaults (JSON)" error={fieldError(update.error, "defaults")} hint="Used when a request leaves them out.">
          <Textarea rows={3} value={defaults} onChange={(e) => setDefaults(e.target.value)} className="font-mono text-xs" />
        </Field>
      </div>
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
  const [timeoutMs, setTimeoutMs] = useState(String(p.timeoutMs));
  const [maxRetries, setMaxRetries] = useState(String(p.maxRetries));
  const [maxConcurrency, setMaxConcurrency] = useState(String(p.maxConcurrency));
  const [local, setLocal] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setLocal(null);
    update.reset();
    if (!baseUrl.trim()) return setLocal("Enter the base URL, e.g. https://api.openai.com/v1.");
    const nums = [timeoutMs, maxRetries, maxConcurrency].map(Number);
    if (nums.some((n) => !Number.isInteger(n))) return setLocal("Timeout, retries and concurrency are whole numbers.");
    try {
      await update.mutateAsync({
        projectId: project.id,
        providerId: p.id,
        baseUrl: baseUrl.trim(),
        timeoutMs: nums[0],
        maxRetries: nums[1],
        maxConcurrency: nums[2],
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

  const fields = ["baseUrl", "apiKey", "timeoutMs", "maxRetries", "maxConcurrency"];
  const error = local ?? formError(update.error, fields);
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
      <div className="grid gap-4 sm:grid-cols-4">
        <Field label="Timeout (ms)" error={fieldError(update.error, "timeoutMs")}>
          <Input type="number" min={100} value={timeoutMs} onChange={(e) => setTimeoutMs(e.target.value)} />
        </Field>
        <Field label="Max retries" error={fieldError(update.error, "maxRetries")}>
          <Input type="number" min={0} max={10} value={maxRetries} onChange={(e) => setMaxRetries(e.target.value)} />
        </Field>
        <Field label="Max concurrency" error={fieldError(update.error, "maxConcurrency")}>
          <Input type="number" min={1} value={maxConcurrency} onChange={(e) => setMaxConcurrency(e.target.value)} />
        </Field>
        {p.hasApiKey && (
          <label className="flex items-center gap-2 self-center text-sm text-slate-700">
            <input type="checkbox" checked={removeKey} onChange={(e) => setRemoveKey(e.target.checked)} className="size-4" />
            Remove the key
          </label>
        )}
      </div>
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
