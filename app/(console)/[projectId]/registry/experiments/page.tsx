"use client";

import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { type FormEvent, useDeferredValue, useState } from "react";
import { EmptyState } from "@/app/_components/EmptyState";
import { Alert, Button, Card, ErrorBox, Field, Input, LoadMore, PageHeader, Skeleton, Table, Td, Th, When } from "@/app/_components/ui";
import { errorMessage, fieldError, formError } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { useTRPC } from "@/app/_lib/trpc";
import { RegistryNav } from "../_components/RegistryNav";
import { experimentHref } from "../_components/shared";

export default function ExperimentsPage() {
  const trpc = useTRPC();
  const project = useProject();
  const canWrite = atLeast(project.role, "engineer");
  const [search, setSearch] = useState("");
  const q = useDeferredValue(search.trim());
  const experiments = useInfiniteQuery(
    trpc.registry.experiments.list.infiniteQueryOptions(
      { projectId: project.slug, limit: 50, search: q || undefined },
      { getNextPageParam: (page) => page.nextCursor },
    ),
  );
  const items = experiments.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        title="Experiments"
        description="Training runs with their parameters and metric curves, logged from code through /api/v1/runs or any MLflow client (MLFLOW_TRACKING_URI=…/api/2.0/mlflow)."
      />
      <RegistryNav />
      {canWrite && (
        <Card title="New experiment" description="Runs are usually logged from code; an experiment named there is created on first use.">
          <NewExperiment />
        </Card>
      )}
      <Card
        title="Experiments"
        actions={
          <Field label={<span className="sr-only">Search experiments</span>} className="w-64">
            <Input type="search" placeholder="Search experiments" value={search} onChange={(e) => setSearch(e.target.value)} />
          </Field>
        }
      >
        {experiments.isPending ? (
          <Skeleton rows={3} />
        ) : experiments.isError ? (
          <ErrorBox
            title="Could not load experiments"
            message={errorMessage(experiments.error)}
            onRetry={() => void experiments.refetch()}
          />
        ) : items.length === 0 ? (
          q ? (
            <p className="text-sm text-slate-500">No experiment name contains “{q}”.</p>
          ) : (
            <EmptyState title="No experiments yet">Log a run from code, or create an experiment above.</EmptyState>
          )
        ) : (
          <div className="flex flex-col gap-3">
            <Table label="Experiments">
              <thead>
                <tr>
                  <Th>Name</Th>
                  <Th className="text-right">Runs</Th>
                  <Th>Last run</Th>
                  <Th>Created</Th>
                </tr>
              </thead>
              <tbody>
                {items.map((e) => (
                  <tr key={e.id}>
                    <Td>
                      <Link href={experimentHref(project.slug, e.id)} className="font-medium text-indigo-600 hover:text-indigo-500">
                        {e.name}
                      </Link>
                      {e.description && <p className="line-clamp-1 max-w-md text-xs text-slate-500">{e.description}</p>}
                    </Td>
                    <Td className="text-right tabular-nums">{e.runCount}</Td>
                    <Td>
                      <When at={e.lastRunStart !== null ? new Date(e.lastRunStart) : null} />
                    </Td>
                    <Td>
                      <When at={e.createdAt} />
                    </Td>
                  </tr>
                ))}
              </tbody>
            </Table>
            <LoadMore query={experiments} size="sm" />
          </div>
        )}
      </Card>
    </div>
  );
}

function NewExperiment() {
  const trpc = useTRPC();
  const project = useProject();
  const queryClient = useQueryClient();
  const create = useMutation(trpc.registry.experiments.create.mutationOptions());
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [local, setLocal] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setLocal(null);
    create.reset();
    if (!name.trim()) return setLocal("Enter an experiment name.");
    try {
      await create.mutateAsync({ projectId: project.id, name: name.trim(), description: description.trim() || undefined });
      setName("");
      setDescription("");
      await queryClient.invalidateQueries({ queryKey: trpc.registry.experiments.list.pathKey() });
    } catch {
      // shown from create.error
    }
  }

  const error = local ?? formError(create.error, ["name", "description"]);
  return (
    <form onSubmit={submit} noValidate aria-label="New experiment" className="flex flex-col gap-4">
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Experiment name" error={fieldError(create.error, "name")}>
          <Input value={name} onChange={(e) => setName(e.target.value)} maxLength={500} placeholder="sentiment-finetune" />
        </Field>
        <Field label="Experiment description" hint="Optional." error={fieldError(create.error, "description")}>
          <Input value={description} onChange={(e) => setDescription(e.target.value)} maxLength={5000} />
        </Field>
      </div>
      {error && <Alert>{error}</Alert>}
      <div>
        <Button type="submit" variant="primary" loading={create.isPending}>
          Create experiment
        </Button>
      </div>
    </form>
  );
}
