"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Alert, Button, Done, Field, Input, Select } from "@/app/_components/ui";
import { fieldError, formError } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { LIMIT_FIELDS, LimitsFields, limitsDraft, TARGET_FIELDS, TargetFields, targetDraft, toLimits, toTarget } from "./DeploymentFields";

type Task = "chat" | "completion" | "embedding" | "classification";
const TASKS: Task[] = ["chat", "completion", "embedding", "classification"];

/** A named endpoint of the gateway: a registry model at an alias, or an upstream provider's model. */
export function NewDeployment() {
  const trpc = useTRPC();
  const project = useProject();
  const queryClient = useQueryClient();
  const create = useMutation(trpc.serving.deployments.create.mutationOptions());
  const [name, setName] = useState("");
  const [kind, setKind] = useState<"local" | "provider">("local");
  const [task, setTask] = useState<Task>("chat");
  const [target, setTarget] = useState(targetDraft());
  const [local, setLocal] = useState<string | null>(null);
  const [created, setCreated] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setLocal(null);
    setCreated(null);
    create.reset();
    if (!name.trim()) return setLocal("Enter a deployment name.");
    const served = toTarget(kind, target);
    if (typeof served === "string") return setLocal(served);
    try {
      const d = await create.mutateAsync({ projectId: project.id, name: name.trim(), kind, task, ...served });
      setCreated(d.name);
      setName("");
      await queryClient.invalidateQueries({ queryKey: trpc.serving.deployments.list.pathKey() });
    } catch {
      // shown from create.error
    }
  }

  const error = local ?? formError(create.error, ["name", ...TARGET_FIELDS]);
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
      <TargetFields kind={kind} value={target} onChange={setTarget} error={create.error} examples columns="sm:grid-cols-2" />
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
  const [limits, setLimits] = useState(limitsDraft());
  const [local, setLocal] = useState<string | null>(null);
  const [created, setCreated] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setLocal(null);
    setCreated(null);
    create.reset();
    if (!name.trim()) return setLocal("Enter a provider name.");
    if (!baseUrl.trim()) return setLocal("Enter the base URL, e.g. https://api.openai.com/v1.");
    const numbers = toLimits(limits);
    if (typeof numbers === "string") return setLocal(numbers);
    try {
      const p = await create.mutateAsync({
        projectId: project.id,
        name: name.trim(),
        baseUrl: baseUrl.trim(),
        apiKey: apiKey || undefined,
        ...numbers,
      });
      setCreated(p.name);
      setName("");
      setApiKey("");
      await queryClient.invalidateQueries({ queryKey: trpc.serving.providers.list.pathKey() });
    } catch {
      // shown from create.error
    }
  }

  const error = local ?? formError(create.error, ["name", "baseUrl", "apiKey", ...LIMIT_FIELDS]);
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
      <LimitsFields value={limits} onChange={setLimits} error={create.error} columns="sm:grid-cols-3" />
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
