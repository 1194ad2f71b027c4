"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { buttonClass } from "@/app/_components/classes";
import { Alert, Button, Card, Field, Input, Textarea } from "@/app/_components/ui";
import { errorField, errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { ColumnsPicker } from "./ColumnsPicker";
import { configOfDraft, type Draft, draftOf, EMPTY_DRAFT, inputOfDraft, type LocalError } from "./draft";
import { EmbeddingFields } from "./EmbeddingFields";
import { RunResults } from "./RunResults";
import { SourceFields } from "./SourceFields";
import { driftHref, monitorHref } from "./shared";
import type { MonitorView } from "./types";
import { WindowFields } from "./WindowFields";

const SCHEDULE_HINT = (
  <>
    Crontab, 5 fields, UTC (minute hour day month weekday): <code className="font-mono">0 * * * *</code> hourly,{" "}
    <code className="font-mono">*/15 * * * *</code> every 15 minutes, <code className="font-mono">0 6 * * 1</code> Mondays at 06:00. Empty:
    on demand only.
  </>
);

/**
 * Create or edit a monitor. "Preview" evaluates the form's configuration now without saving (the
 * first run's result, shown with the same view as the monitor page). A refused field is named
 * beside its input, and the whole message is repeated above the buttons.
 */
export function MonitorForm({ monitor }: { monitor?: MonitorView }) {
  const trpc = useTRPC();
  const project = useProject();
  const nav = useRouter();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<Draft>(() => (monitor ? draftOf(monitor) : EMPTY_DRAFT));
  const [local, setLocal] = useState<LocalError | null>(null);
  const [last, setLast] = useState<"save" | "preview" | null>(null);
  const [previewed, setPreviewed] = useState<{ draft: string; driftShare: number } | null>(null);
  const create = useMutation(trpc.drift.monitors.create.mutationOptions());
  const update = useMutation(trpc.drift.monitors.update.mutationOptions());
  const preview = useMutation(trpc.drift.monitors.preview.mutationOptions());
  const save = monitor ? update : create;
  const set = (p: Partial<Draft>) => setDraft((d) => ({ ...d, ...p }));

  const serverError = last === "preview" ? preview.error : last === "save" ? save.error : null;
  const errorAt = (field: string, exact = false): string | undefined => {
    const f = local?.field ?? errorField(serverError);
    const message = local?.message ?? (serverError ? errorMessage(serverError) : undefined);
    if (!f || !message) return undefined;
    return f === field || (!exact && f.startsWith(`${field}.`)) ? message : undefined;
  };
  const summary = local?.message ?? (serverError ? errorMessage(serverError) : null);

  async function runPreview() {
    setLocal(null);
    setLast("preview");
    const config = configOfDraft(draft);
    if (!config.ok) return setLocal(config.error);
    try {
      await preview.mutateAsync({ projectId: project.slug, config: config.value });
      setPreviewed({ draft: JSON.stringify(draft), driftShare: Number(config.value.driftShare) });
    } catch {
      // named beside its field
    }
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setLocal(null);
    setLast("save");
    const input = inputOfDraft(draft);
    if (!input.ok) return setLocal(input.error);
    try {
      const saved = monitor
        ? await update.mutateAsync({ projectId: project.slug, monitor: monitor.id, patch: input.value })
        : await create.mutateAsync({ projectId: project.slug, ...input.value });
      await queryClient.invalidateQueries({ queryKey: trpc.drift.pathKey() });
      nav.push(monitorHref(project.slug, saved.id));
    } catch {
      // named beside its field
    }
  }

  const cancelHref = monitor ? monitorHref(project.slug, monitor.id) : driftHref(project.slug);
  return (
    <div className="flex flex-col gap-6">
      <form
        onSubmit={submit}
        noValidate
        aria-label={monitor ? `Edit monitor ${monitor.name}` : "New monitor"}
        className="flex flex-col gap-6"
      >
        <Card title="Monitor">
          <div className="grid gap-4 sm:grid-cols-2">
            <Field label="Name" error={errorAt("name")}>
              <Input value={draft.name} onChange={(e) => set({ name: e.target.value })} maxLength={200} placeholder="gateway traffic" />
            </Field>
            <Field label="Schedule" hint={SCHEDULE_HINT} error={errorAt("schedule")}>
              <Input
                value={draft.schedule}
                onChange={(e) => set({ schedule: e.target.value })}
                placeholder="0 * * * *"
                className="font-mono"
              />
            </Field>
            <Field label="Description (optional)" error={errorAt("description")} className="sm:col-span-2">
              <Textarea rows={2} value={draft.description} onChange={(e) => set({ description: e.target.value })} maxLength={2000} />
            </Field>
            <label className="flex items-center gap-2 text-sm text-slate-700">
              <input
                type="checkbox"
                checked={draft.active}
                onChange={(e) => set({ active: e.target.checked })}
                className="size-4 rounded border-slate-300"
              />
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
        {summary && <Alert>{last === "preview" ? `Preview failed: ${summary}` : `Not saved: ${summary}`}</Alert>}
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
      </form>
      {preview.data && previewed && (
        <Card
          title="Preview: the first run"
          description={
            previewed.draft === JSON.stringify(draft)
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
