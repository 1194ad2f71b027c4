"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { Button, Card, ErrorBox, Field, Select, Skeleton, Textarea } from "../../_components/ui";
import { errorMessage } from "../../_lib/errors";
import { useTRPC } from "../../_lib/trpc";

export function InstanceSettings() {
  const trpc = useTRPC();
  const settings = useQuery(trpc.workspace.instance.settings.get.queryOptions());
  if (settings.isPending) return <Skeleton rows={3} />;
  if (settings.isError)
    return <ErrorBox title="Could not load the settings" message={errorMessage(settings.error)} onRetry={() => void settings.refetch()} />;
  return (
    <>
      <ProjectCreation value={settings.data.projectCreation} envDefault={settings.data.projectCreationDefault} />
      <EgressAllow value={settings.data.egressAllow} envList={settings.data.egressAllowEnv} />
    </>
  );
}

function useSet() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return useMutation(
    trpc.workspace.instance.settings.set.mutationOptions({
      onSuccess: (data) => queryClient.setQueryData(trpc.workspace.instance.settings.get.queryKey(), data),
    }),
  );
}

function ProjectCreation({ value, envDefault }: { value: "anyone" | "admins"; envDefault: "anyone" | "admins" }) {
  const set = useSet();
  return (
    <Card title="Project creation" description={`Who may create projects. The default (KEEL_PROJECT_CREATION) is "${envDefault}".`}>
      {set.error && <ErrorBox message={errorMessage(set.error)} />}
      <Field label="Who may create projects" className="max-w-xs">
        <Select
          value={value}
          disabled={set.isPending}
          onChange={(e) => set.mutate({ key: "projects.creation", value: e.target.value as "anyone" | "admins" })}
        >
          <option value="anyone">Anyone signed in</option>
          <option value="admins">Instance admins only</option>
        </Select>
      </Field>
    </Card>
  );
}

function EgressAllow({ value, envList }: { value: string[]; envList: string[] }) {
  const set = useSet();
  const [text, setText] = useState(value.join("\n"));
  useEffect(() => setText(value.join("\n")), [value]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const list = text
      .split(/[\n,]/)
      .map((s) => s.trim())
      .filter(Boolean);
    set.mutate({ key: "egress.allow", value: list });
  };
  return (
    <Card
      title="Outbound address allow-list"
      description="Webhooks and provider base URLs may not reach private ranges or loopback unless a range here (or in KEEL_EGRESS_ALLOW) allows it. Link-local and cloud metadata addresses are never reachable."
    >
      <form onSubmit={submit} noValidate className="flex flex-col gap-3">
        {set.error && <ErrorBox title="Could not save" message={errorMessage(set.error)} />}
        {set.isSuccess && !set.isPending && (
          <p role="status" className="text-sm text-emerald-700">
            Saved.
          </p>
        )}
        <Field
          label="Allowed ranges (CIDR, one per line)"
          hint="For example 10.20.0.0/16 for a self-hosted receiver, or 127.0.0.0/8 for a model server on this host."
        >
          <Textarea rows={5} value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} className="font-mono text-xs" />
        </Field>
        <p className="text-xs text-slate-500">
          From the environment (KEEL_EGRESS_ALLOW, not changeable here): {envList.length ? envList.join(", ") : "none"}
        </p>
        <div className="flex justify-end">
          <Button type="submit" variant="primary" loading={set.isPending}>
            Save allow-list
          </Button>
        </div>
      </form>
    </Card>
  );
}
