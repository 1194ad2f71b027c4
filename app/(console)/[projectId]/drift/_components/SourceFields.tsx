"use client";

import { useQuery } from "@tanstack/react-query";
import { Field, Input, Textarea } from "@/app/_components/ui";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import type { Draft } from "./draft";

/** The error for a form field (`exact`: not its parts), from the local check or the server's answer. */
export type ErrorAt = (field: string, exact?: boolean) => string | undefined;
export type Patch = (p: Partial<Draft>) => void;

/** Which traffic a monitor reads: tags and models as in the logs explorer, a saved view, a deployment, refusal phrases. */
export function SourceFields({ draft, set, errorAt }: { draft: Draft; set: Patch; errorAt: ErrorAt }) {
  const trpc = useTRPC();
  const project = useProject();
  const views = useQuery(trpc.logs.views.list.queryOptions({ projectId: project.slug }));
  const deployments = useQuery(trpc.serving.deployments.list.queryOptions({ projectId: project.slug }));
  const others = Object.keys(draft.otherFilter);
  return (
    <fieldset className="flex flex-col gap-4">
      <legend className="mb-2 text-sm font-semibold text-slate-900">Source: logged traffic</legend>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Tags" hint="Traces carrying every one of these tags, comma-separated." error={errorAt("config.source.filter.tags")}>
          <Input value={draft.tags} onChange={(e) => set({ tags: e.target.value })} placeholder="gateway, production" />
        </Field>
        <Field
          label="Models"
          hint="Only traces of these models, comma-separated; empty: all."
          error={errorAt("config.source.filter.models")}
        >
          <Input value={draft.models} onChange={(e) => set({ models: e.target.value })} placeholder="gpt-4o-mini" />
        </Field>
        <Field
          label="Saved view"
          hint="A saved logs view by name: its filters narrow the traces too."
          error={errorAt("config.source.view")}
        >
          <Input value={draft.view} onChange={(e) => set({ view: e.target.value })} list="drift-views" placeholder="(none)" />
        </Field>
        <Field label="Deployment" hint="Only calls served by this gateway deployment." error={errorAt("config.source.deployment")}>
          <Input
            value={draft.deployment}
            onChange={(e) => set({ deployment: e.target.value })}
            list="drift-deployments"
            placeholder="(any)"
          />
        </Field>
      </div>
      <datalist id="drift-views">
        {(views.data ?? []).map((v) => (
          <option key={v.id} value={v.name} />
        ))}
      </datalist>
      <datalist id="drift-deployments">
        {(deployments.data ?? []).map((d) => (
          <option key={d.name} value={d.name} />
        ))}
      </datalist>
      {others.length > 0 && (
        <p className="text-xs text-slate-500">Also filtered by {others.join(", ")} (set through the API; kept as they are).</p>
      )}
      {errorAt("config.source.filter", true) && <p className="text-xs text-red-600">{errorAt("config.source.filter", true)}</p>}
      <Field
        label="Refusal phrases (optional)"
        hint="One per line; an answer containing one (any case) counts as a refusal in the refusal column. Empty: the built-in list."
        error={errorAt("config.source.refusalPhrases")}
      >
        <Textarea
          rows={2}
          value={draft.refusalPhrases}
          onChange={(e) => set({ refusalPhrases: e.target.value })}
          placeholder="i can't help"
        />
      </Field>
    </fieldset>
  );
}
