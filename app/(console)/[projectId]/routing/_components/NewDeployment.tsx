"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Button, Field, Input, Select } from "../../../../_components/ui";
import { fieldError, formError } from "../../../../_lib/errors";
import { useProject } from "../../../../_lib/project";
import { useTRPC } from "../../../../_lib/trpc";
import { Alert, Done } from "./shared";

type Task = "chat" | "completion" | "embedding" | "classification";
const TASKS: Task[] = ["chat", "completion", "embedding", "classification"];

/** A named endpoint of the gateway: a registry model at an alias, or an upstream provider's model. */
export function NewDeployment() {
  const trpc = useTRPC();
  const project = useProject();
  const queryClient = useQueryClient();
  const providers = useQuery(trpc.serving.providers.list.queryOptions({ projectId: project.slug }));
  const create = useMutation(trpc.serving.deployments.create.mutationOptions());
  const [name, setName] = useState("");
  const [kind, setKind] = useState<"local" | "provider">("local");
  const [task, setTask] = useState<Task>("chat");
  const [modelName, setModelName] = useState("");
  const [modelRef, setModelRef] = useState("production");
  const [provider, setProvider] = useState("");
  const [providerModel, setProviderModel] = useState("");
  const [inPrice, setInPrice] = useState("0");
  const [outPrice, setOutPrice] = useState("0");
  const [local, setLocal] = useState<string | null>(null);
  const [created, setCreated] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setLocal(null);
    setCreated(null);
    create.reset();
    if (!name.trim()) return setLocal("Enter a deployment name.");
    const inputPricePer1k = Number(inPrice || "0");
    const outputPricePer1k = Number(outPrice || "0");
    if (!Number.isFinite(inputPricePer1k) || !Number.isFinite(outputPricePer1k))
      return setLocal("Prices are numbers (dollars per 1k tokens).");
    try {
      const d = await create.mutateAsync({
        projectId: project.id,
        name: name.trim(),
        kind,
        task,
        ...(kind === "local"
          ? { modelName: modelName.trim() || undefined, modelRef: modelRef.trim() || "production" }
          : { provider: provider || undefined, providerModel: providerModel.trim() || undefined }),
        inputPricePer1k,
        outputPricePer1k,
      });
      setCreated(d.name);
      setName("");
      await queryClient.invalidateQueries({ queryKey: trpc.serving.deployments.list.pathKey() });
    } catch {
      // shown from create.error
    }
  }

  const fields = ["name", "modelName", "modelRef", "provider", "providerModel", "inputPricePer1k", "outputPricePer1k"];
  const error = local ?? formError(create.error, fields);
  return (
    <form onSubmit={submit} noValidate aria-label="New deployment" className="flex flex-col gap-4">
      <div className="grid gap-4 sm:grid-cols-3">
        <Field label="Deployment name" error={fieldError(create.error, "name")} hint="Called as model: <name>.">
          <Input value={name} onChange={(e) => setName(e.target.value)} maxLength={200} placeholder="support-small" />
        </Field>
        <Field label="Source">
          <Select value={kind} onChange={(e) => setKind(e.target.value as "local" | "provider")}>
            <option value="local">local (registry model)</option>
            <option value="provider">provider (OpenAI-compatible)</option>
          </Select>
        </Field>
        <Field label="Task">
          <Select value={task} onChange={(e) => setTask(e.target.value as Task)}>
            {TASKS.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </Select>
        </Field>
      </div>
      {kind === "local" ? (
        <div className="grid gap-4 sm:grid-cols-2">
          <Field label="Registry model" error={fieldError(create.error, "modelName")}>
            <Input value={modelName} onChange={(e) => setModelName(e.target.value)} placeholder="tiny-gpt2" />
          </Field>
          <Field label="Alias or version" error={fieldError(create.error, "modelRef")} hint="Follows alias moves.">
            <Input value={modelRef} onChange={(e) => setModelRef(e.target.value)} />
          </Field>
        </div>
      ) : (
        <div className="grid gap-4 sm:grid-cols-2">
          <Field label="Provider" error={fieldError(create.error, "provider")}>
            <Select value={provider} onChange={(e) => setProvider(e.target.value)}>
              <option value="">Pick a provider…</option>
              {(providers.data ?? []).map((p) => (
                <option key={p.id} value={p.name}>
                  {p.name}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Upstream model" error={fieldError(create.error, "providerModel")}>
            <Input value={providerModel} onChange={(e) => setProviderModel(e.target.value)} placeholder="gpt-4o-mini" />
          </Field>
        </div>
      )}
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Input price per 1k tokens ($)" error={fieldError(create.error, "inputPricePer1k")}>
          <Input type="number" min={0} step="any" value={inPrice} onChange={(e) => setInPrice(e.target.value)} />
        </Field>
        <Field label="Output price per 1k tokens ($)" error={fieldError(create.error, "outputPricePer1k")}>
          <Input type="number" min={0} step="any" value={outPrice} onChange={(e) => setOutPrice(e.target.value)} />
        </Field>
      </div>
      {error && <Alert>{error}</Alert>}
      {created && <Done>Created deployment {created}.</Done>}
      <div>
        <Button type="submit" variant="primary" loading={create.isPending}>
          Create deployment
        </Button>
      </div>
    </form>
  );
}

/** An OpenAI-compatible upstream; its key is write-only. */
export function NewProvider() {
  const trpc = useTRPC();
  const project = useProject();
  const queryClient = useQueryClient();
  const create = useMutation(trpc.serving.providers.create.mutationOptions());
  const [name, setName] = useState("");
  const [baseUrl, setBaseUrl] = useState("");
  const [apiKey, setApiKey] = useState("");
  const [timeoutMs, setTimeoutMs] = useState("60000");
  const [maxRetries, setMaxRetries] = useState("2");
  const [maxConcurrency, setMaxConcurrency] = useState("16");
  const [local, setLocal] = useState<string | null>(null);
  const [created, setCreated] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setLocal(null);
    setCreated(null);
    create.reset();
    if (!name.trim()) return setLocal("Enter a provider name.");
    if (!baseUrl.trim()) return setLocal("Enter the base URL, e.g. https://api.openai.com/v1.");
    const nums = [timeoutMs, maxRetries, maxConcurrency].map(Number);
    if (nums.some((n) => !Number.isInteger(n))) return setLocal("Timeout, retries and concurrency are whole numbers.");
    try {
      const p = await create.mutateAsync({
        projectId: project.id,
        name: name.trim(),
        baseUrl: baseUrl.trim(),
        apiKey: apiKey || undefined,
        timeoutMs: nums[0] ?? 60_000,
        maxRetries: nums[1] ?? 2,
        maxConcurrency: nums[2] ?? 16,
      });
      setCreated(p.name);
      setName("");
      setApiKey("");
      await queryClient.invalidateQueries({ queryKey: trpc.serving.providers.list.pathKey() });
    } catch {
      // shown from create.error
    }
  }

  const fields = ["name", "baseUrl", "apiKey", "timeoutMs", "maxRetries", "maxConcurrency"];
  const error = local ?? formError(create.error, fields);
  return (
    <form onSubmit={submit} noValidate aria-label="New provider" className="flex flex-col gap-4">
      <div className="grid gap-4 sm:grid-cols-3">
        <Field label="Provider name" error={fieldError(create.error, "name")}>
          <Input value={name} onChange={(e) => setName(e.target.value)} maxLength={200} placeholder="openai" />
        </Field>
        <Field label="Base URL" error={fieldError(create.error, "baseUrl")}>
          <Input type="url" value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} placeholder="https://api.openai.com/v1" />
        </Field>
        <Field label="API key" error={fieldError(create.error, "apiKey")} hint="Stored encrypted; never shown again.">
          <Input type="password" autoComplete="off" value={apiKey} onChange={(e) => setApiKey(e.target.value)} />
        </Field>
      </div>
      <div className="grid gap-4 sm:grid-cols-3">
        <Field label="Timeout (ms)" error={fieldError(create.error, "timeoutMs")}>
          <Input type="number" min={100} value={timeoutMs} onChange={(e) => setTimeoutMs(e.target.value)} />
        </Field>
        <Field label="Max retries" error={fieldError(create.error, "maxRetries")}>
          <Input type="number" min={0} max={10} value={maxRetries} onChange={(e) => setMaxRetries(e.target.value)} />
        </Field>
        <Field label="Max concurrency" error={fieldError(create.error, "maxConcurrency")}>
          <Input type="number" min={1} value={maxConcurrency} onChange={(e) => setMaxConcurrency(e.target.value)} />
        </Field>
      </div>
      {error && <Alert>{error}</Alert>}
      {created && <Done>Created provider {created}.</Done>}
      <div>
        <Button type="submit" variant="primary" loading={create.isPending}>
          Create provider
        </Button>
      </div>
    </form>
  );
}
