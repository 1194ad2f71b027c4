"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { applyServerError, FormError, FormField, useZodForm, ZodForm } from "@/app/_components/form";
import { Button, Done, Select } from "@/app/_components/ui";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { evalRunRef } from "@/server/evals/inputs";
import { useRegistryRefresh } from "./AliasPanel";

/** Record that an eval run scored this version: lineage, and what approval gates read. */
export function LinkEvalRun({ model, version }: { model: string; version: number }) {
  const trpc = useTRPC();
  const project = useProject();
  const refresh = useRegistryRefresh();
  const runs = useQuery(trpc.evals.runs.list.queryOptions({ projectId: project.slug, limit: 100 }));
  const link = useMutation(trpc.registry.versions.linkEvalRun.mutationOptions());
  const form = useZodForm(evalRunRef, { evalRunId: "" });

  async function submit({ evalRunId }: { evalRunId: string }) {
    link.reset();
    try {
      await link.mutateAsync({ projectId: project.id, model, version, evalRunId });
      await refresh();
    } catch (err) {
      applyServerError(form, err, ["evalRunId"]);
    }
  }

  const items = runs.data?.items ?? [];
  return (
    <ZodForm form={form} onSubmit={submit} label="Link eval run" className="flex flex-col gap-3">
      <FormField
        name="evalRunId"
        label="Eval run"
        hint={
          runs.isPending
            ? "Loading runs…"
            : items.length === 0
              ? "No eval runs yet; start one on the Evals page."
              : "Gates read the newest succeeded run."
        }
      >
        <Select {...form.register("evalRunId")} className="max-w-md">
          <option value="">Pick a run…</option>
          {items.map((r) => (
            <option key={r.id} value={r.id}>
              {r.name} ({r.status})
            </option>
          ))}
        </Select>
      </FormField>
      <FormError />
      {link.data && <Done>{link.data.linked ? "Linked the eval run." : "That run was linked already."}</Done>}
      <div>
        <Button type="submit" loading={link.isPending}>
          Link eval run
        </Button>
      </div>
    </ZodForm>
  );
}
