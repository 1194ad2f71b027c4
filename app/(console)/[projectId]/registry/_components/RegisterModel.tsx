"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { type FormEvent, useState } from "react";
import { Alert, Button, Done, Field, Input, Textarea } from "@/app/_components/ui";
import { fieldError, formError } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { modelHref } from "./shared";

const TASKS = ["text-generation", "text-classification", "feature-extraction", "summarization", "translation", "question-answering"];

export function RegisterModel() {
  const trpc = useTRPC();
  const project = useProject();
  const queryClient = useQueryClient();
  const create = useMutation(trpc.registry.models.create.mutationOptions());
  const [name, setName] = useState("");
  const [task, setTask] = useState("");
  const [description, setDescription] = useState("");
  const [local, setLocal] = useState<string | null>(null);
  const [created, setCreated] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setLocal(null);
    setCreated(null);
    create.reset();
    const trimmed = name.trim();
    if (!trimmed) return setLocal("Enter a model name.");
    try {
      const m = await create.mutateAsync({
        projectId: project.id,
        name: trimmed,
        task: task.trim() || undefined,
        description: description.trim() || undefined,
      });
      setCreated(m.name);
      setName("");
      setTask("");
      setDescription("");
      await queryClient.invalidateQueries({ queryKey: trpc.registry.models.list.pathKey() });
    } catch {
      // shown from create.error
    }
  }

  const error = local ?? formError(create.error, ["name", "task", "description"]);
  return (
    <form onSubmit={submit} noValidate aria-label="Register model" className="flex flex-col gap-4">
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Model name" error={fieldError(create.error, "name")} hint="No / @ : or \ — it appears in URLs.">
          <Input value={name} onChange={(e) => setName(e.target.value)} maxLength={200} placeholder="support-classifier" />
        </Field>
        <Field label="Task" error={fieldError(create.error, "task")} hint="Optional, e.g. text-classification.">
          <Input value={task} onChange={(e) => setTask(e.target.value)} maxLength={100} list="registry-tasks" />
        </Field>
      </div>
      <datalist id="registry-tasks">
        {TASKS.map((t) => (
          <option key={t} value={t} />
        ))}
      </datalist>
      <Field label="Description" error={fieldError(create.error, "description")}>
        <Textarea value={description} onChange={(e) => setDescription(e.target.value)} rows={2} maxLength={20_000} />
      </Field>
      {error && <Alert>{error}</Alert>}
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
    </form>
  );
}
