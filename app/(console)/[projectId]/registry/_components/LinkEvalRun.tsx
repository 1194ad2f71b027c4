"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Alert, Button, Done, Field, Select } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { useRegistryRefresh } from "./AliasPanel";

/** Record that an eval run scored this version: lineage, and what approval gates read. */
export function LinkEvalRun({ model, version }: { model: string; version: number }) {
  const trpc = useTRPC();
  const project = useProject();
  const refresh = useRegistryRefresh();
  const runs = useQuery(trpc.evals.runs.list.queryOptions({ projectId: project.slug, limit: 100 }));
  const link = useMutation(trpc.registry.versions.linkEvalRun.mutationOptions());
  const [runId, setRunId] = useState("");
  const [local, setLocal] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setLocal(null);
    link.reset();
    if (!runId) return setLocal("Pick an eval run.");
    try {
      await link.mutateAsync({ projectId: project.id, model, version, evalRunId: runId });
      await refresh();
    } catch {
      // shown from link.error
    }
  }

  const items = runs.data?.items ?? [];
  return (
    <form onSubmit={submit} noValidate aria-label="Link eval run" className="flex flex-col gap-3">
      <Field
        label="Eval run"
        hint={
          runs.isPending
            ? "Loading runs…"
            : items.length === 0
              ? "No eval runs yet; start one on the Evals page."
              : "Gates read the newest succeeded run."
        }
      >
        <Select value={runId} onChange={(e) => setRunId(e.target.value)} className="max-w-md">
          <option value="">Pick a run…</option>
          {items.map((r) => (
            <option key={r.id} value={r.id}>
              {r.name} ({r.status})
            </option>
          ))}
        </Select>
      </Field>
      {(local || link.error) && <Alert>{local ?? errorMessage(link.error)}</Alert>}
      {link.data && <Done>{link.data.linked ? "Linked the eval run." : "That run was linked already."}</Done>}
      <div>
        <Button type="submit" loading={link.isPending}>
          Link eval run
        </Button>
      </div>
    </form>
  );
}
