"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { type FieldErrors, get } from "react-hook-form";
import type { z } from "zod";
import { buttonClass } from "@/app/_components/classes";
import { applyServerError, FormError, FormField, useZodForm, ZodForm } from "@/app/_components/form";
import { Button, Card, Input, Textarea } from "@/app/_components/ui";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { ColumnsPicker } from "./ColumnsPicker";
import { type Draft, draftOf, EMPTY_DRAFT, monitorForm, previewForm } from "./draft";
import { EmbeddingFields } from "./EmbeddingFields";
import { RunResults } from "./RunResults";
import { type ErrorAt, SourceFields } from "./SourceFields";
import { driftHref, monitorHref } from "./shared";
import type { MonitorView } from "./types";
import { WindowFields } from "./WindowFields";

/** The API paths a server error may name that the form shows beside a field (the most specific one wins). */
const FIELDS = [
  "name",
  "schedule",
  "description",
  "config.source.filter",
  "config.source.filter.tags",
  "config.source.filter.models",
  "config.source.view",
  "config.source.deployment",
  "config.source.refusalPhrases",
  "config.columns",
  "config.embeddings",
  ...["field", "model", "method", "threshold", "maxRows"].map((f) => `config.embeddings.${f}`),
  "config.reference",
  ...["kind", "dataset", "version", "from", "to"].map((f) => `config.reference.${f}`),
  "config.current",
  "config.current.from",
  "config.current.to",
  "config.minSamples",
  "config.driftShare",
];

const capital = (m: string) => `${m.charAt(0).toUpperCase()}${m.slice(1)}`;
/** The first message at or under an error node (a column's row shows any of its parts' errors). */
function firstMessage(node: unknown): string | undefined {
  if (!node || typeof node !== "object") return undefined;
  const own = (node as { message?: unknown }).message;
  if (typeof own === "string" && own) return own;
  for (const [k, v] of Object.entries(node)) {
    if (k === "ref" || k === "types") continue;
    const m = firstMessage(v);
    if (m) return m;
  }
  return undefined;
}

const SCHEDULE_HINT = (
  <>
    Crontab, 5 fields, UTC (minute hour day month weekday): <code className="font-mono">0 * * * *</code> hourly,{" "}
    <code className="font-mono">*/15 * * * *</code> every 15 minutes, <code className="font-mono">0 6 * * 1</code> Mondays at 06:00. Empty:
    on demand only.
  </>
);

/**
 * Create or edit a monitor. "Preview" evaluates the form's configuration now without saving (the
 * first run's result, shown with the same view as the monitor page). Both check the draft with the
 * server's schemas first (nothing is sent while a field is wrong); a refused field, the browser's or
 * the server's, is named beside its input, an error about no field above the buttons.
 */
export function MonitorForm({ monitor }: { monitor?: MonitorView }) {
  const trpc = useTRPC();
  const project = useProject();
  const nav = useRouter();
  const queryClient = useQueryClient();
  const form = useZodForm(monitorForm, monitor ? draftOf(monitor) : EMPTY_DRAFT);
  const [previewed, setPreviewed] = useState<{ draft: string; driftShare: number } | null>(null);
  const create = useMutation(trpc.drift.monitors.create.mutationOptions());
  const update = useMutation(trpc.drift.monitors.update.mutationOptions());
  const preview = useMutation(trpc.drift.monitors.preview.mutationOptions());
  const save = monitor ? update : create;
  const draft = form.watch();
  // the sections edit the draft by parts (controlled inputs); their errors are checked again on the next Create or Preview
  const set = (p: Partial<Draft>) => {
    for (const [k, v] of Object.entries(p)) form.setValue(k as keyof Draft, v as never, { shouldDirty: true });
  };
  // errors sit at the API's paths (the schema's and the server's alike): a section asks by path
  const errors: FieldErrors = form.formState.errors;
  const errorAt: ErrorAt = (field, exact = false) => {
    const node = get(errors, field) as { message?: unknown } | undefined;
    const own = typeof node?.message === "string" && node.message ? node.message : undefined;
    const message = own ?? (exact ? undefined : firstMessage(node));
    return message ? capital(message) : undefined;
  };
  const fields = [...FIELDS, ...draft.columns.map((_, i) => `config.columns.${i}`)] as never[];

  async function runPreview() {
    form.clearErrors();
    const checked = await previewForm.safeParseAsync(form.getValues());
    if (!checked.success) {
      // the first issue of each path, as a submit would show it
      for (const issue of [...checked.error.issues].reverse())
        form.setError(issue.path.join(".") as never, { type: "preview", message: issue.message });
      return;
    }
    try {
      await preview.mutateAsync({ projectId: project.slug, config: checked.data.config });
      setPreviewed({ draft: JSON.stringify(form.getValues()), driftShare: checked.data.config.driftShare });
    } catch (err) {
      applyServerError(form, err, fields);
    }
  }

  async function submit(values: z.output<typeof monitorForm>) {
    try {
      const saved = monitor
        ? await update.mutateAsync({ projectId: project.slug, monitor: monitor.id, patch: values })
        : await create.mutateAsync({ projectId: project.slug, ...values });
      await queryClient.invalidateQueries({ queryKey: trpc.drift.pathKey() });
      nav.push(monitorHref(project.slug, saved.id));
    } catch (err) {
      applyServerError(form, err, fields);
    }
  }

  const cancelHref = monitor ? monitorHref(project.slug, monitor.id) : driftHref(project.slug);
  return (
    <div className="flex flex-col gap-6">
      <ZodForm
        form={form}
        onSubmit={submit}
        label={monitor ? `Edit monitor ${monitor.name}` : "New monitor"}
        className="flex flex-col gap-6"
      >
        <Card title="Monitor">
          <div className="grid gap-4 sm:grid-cols-2">
            <FormField name="name" label="Name">
              <Input {...form.register("name")} maxLength={200} placeholder="gateway traffic" />
            </FormField>
            <FormField name="schedule" label="Schedule" hint={SCHEDULE_HINT}>
              <Input {...form.register("schedule")} placeholder="0 * * * *" className="font-mono" />
            </FormField>
            <FormField name="description" label="Description (optional)" className="sm:col-span-2">
              <Textarea rows={2} {...form.register("description")} maxLength={2000} />
            </FormField>
            <label className="flex items-center gap-2 text-sm text-slate-700">
              <input type="checkbox" {...form.register("active")} className="size-4 rounded border-slate-300" />
              Active (runs on its schedule)
            </label>
          </div>
        </Card>
        <Card>
          <SourceFields draft={draft} set={set} errorAt={errorAt} />
        </Card>
        <Card>
          <ColumnsPicker columns={draft.columns} onChange={(columns) => set({ columns })} errorAt={errorAt} />
        </Card>
        <Card>
          <EmbeddingFields draft={draft} set={set} errorAt={errorAt} />
        </Card>
        <Card>
          <WindowFields draft={draft} set={set} errorAt={errorAt} />
        </Card>
        <FormError />
        <div className="flex flex-wrap items-center gap-2">
          <Button onClick={() => void runPreview()} loading={preview.isPending}>
            Preview
          </Button>
          <Button type="submit" variant="primary" loading={save.isPending}>
            {monitor ? "Save changes" : "Create monitor"}
          </Button>
          <Link href={cancelHref} className={buttonClass("ghost")}>
            Cancel
          </Link>
          <span className="text-xs text-slate-500">Preview runs the configuration now on the project's data; nothing is saved.</span>
        </div>
      </ZodForm>
      {preview.data && previewed && (
        <Card
          title="Preview: the first run"
          description={
            previewed.draft === JSON.stringify(form.getValues())
              ? "What a run would find now. Nothing is stored and no alert fires."
              : "The form changed since this preview: click Preview again to see the new configuration."
          }
        >
          <RunResults result={preview.data} threshold={previewed.driftShare} />
        </Card>
      )}
    </div>
  );
}
