"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type ReactNode, useState } from "react";
import { useWatch } from "react-hook-form";
import { applyServerError, emptyToUndefined, FormError, FormField, useZodForm, ZodForm } from "@/app/_components/form";
import { Button, ErrorBox, Input, Select, Skeleton } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { roleLabel } from "@/app/_lib/roles";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";
import { queueInput } from "@/server/logs/inputs";
import { FillFields } from "./FillFields";
import { type FillDraft, itemsOf } from "./fill";
import { QuickScoreConfig } from "./QuickScoreConfig";

export type Queue = RouterOutputs["logs"]["queues"]["create"];
export interface Created {
  queue: Queue;
  added: number | null;
  error?: string;
}

function Check({ checked, onChange, children }: { checked: boolean; onChange: (on: boolean) => void; children: ReactNode }) {
  return (
    <label className="flex items-center gap-2 text-sm text-slate-700">
      <input
        type="checkbox"
        className="size-4 rounded border-slate-300 accent-indigo-600"
        checked={checked}
        onChange={(e) => onChange(e.target.checked)}
      />
      {children}
    </label>
  );
}

function Group({ legend, hint, error, children }: { legend: string; hint?: ReactNode; error?: string; children: ReactNode }) {
  return (
    <fieldset className="flex flex-col gap-2">
      <legend className="mb-1 text-sm font-medium text-slate-700">{legend}</legend>
      {children}
      {error ? <p className="text-xs text-red-600">{error}</p> : hint ? <p className="text-xs text-slate-500">{hint}</p> : null}
    </fieldset>
  );
}

const toggle = (list: string[], id: string, on: boolean) => (on ? [...list, id] : list.filter((x) => x !== id));
const FIELDS = ["name", "description", "scoreConfigIds", "assigneeIds", "requiredRatings"] as const;
/** The form's words where the schema's would be vaguer (an empty name or no score config checked). */
const MESSAGES = { name: "Give the queue a name", scoreConfigIds: "Pick at least one score config" };

/**
 * Create a queue (validated by the server's queueInput before it is sent), then fill it from a
 * filter or a list of trace ids (two calls; the second can be retried by hand).
 */
export function NewQueueForm({ onDone, onCancel }: { onDone: (c: Created) => void; onCancel: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const project = useProject();
  const projectId = project.slug;
  const configs = useQuery(trpc.logs.scoreConfigs.list.queryOptions({ projectId }));
  const members = useQuery(trpc.workspace.members.list.queryOptions({ projectId, limit: 200 }));
  const form = useZodForm(queueInput, { name: "", scoreConfigIds: [], assigneeIds: [], requiredRatings: 1 }, MESSAGES);
  const configIds = useWatch({ control: form.control, name: "scoreConfigIds" });
  const assigneeIds = useWatch({ control: form.control, name: "assigneeIds" }) ?? [];
  const { errors, isSubmitted } = form.formState;
  const setList = (name: "scoreConfigIds" | "assigneeIds", list: string[]) =>
    form.setValue(name, list, { shouldValidate: isSubmitted, shouldDirty: true });
  const [fill, setFill] = useState<FillDraft>({ mode: "filter", tags: "", search: "", range: "", ids: "" });
  const [fillError, setFillError] = useState<{ field: string; message: string } | null>(null);
  const [newConfig, setNewConfig] = useState(false);
  const create = useMutation(trpc.logs.queues.create.mutationOptions());
  const addItems = useMutation(trpc.logs.queues.addItems.mutationOptions());
  const busy = create.isPending || addItems.isPending;

  const submit = async (values: typeof queueInput._zod.output) => {
    if (busy) return;
    setFillError(null);
    const items = itemsOf(fill);
    if ("error" in items) return setFillError({ field: items.field, message: items.error });
    let queue: Queue;
    try {
      // The id, not the slug: the server's insert spreads the input over its own project id.
      queue = await create.mutateAsync({ projectId: project.id, ...values });
    } catch (err) {
      return applyServerError(form, err, FIELDS);
    }
    let done: Created;
    try {
      const { added } = await addItems.mutateAsync({ projectId, queueId: queue.id, items: items.items });
      done = { queue, added };
    } catch (err) {
      done = { queue, added: null, error: errorMessage(err) };
    }
    await queryClient.invalidateQueries({ queryKey: trpc.logs.queues.list.queryKey() });
    onDone(done);
  };

  return (
    <ZodForm form={form} onSubmit={submit} label="New queue" className="flex flex-col gap-5">
      <FormError />
      <div className="grid gap-4 sm:grid-cols-2">
        <FormField name="name" label="Queue name">
          <Input {...form.register("name")} maxLength={100} placeholder="Support answers, week 12" />
        </FormField>
        <FormField name="description" label="Description">
          <Input
            {...form.register("description", { setValueAs: emptyToUndefined })}
            maxLength={1000}
            placeholder="Optional: what to look for"
          />
        </FormField>
      </div>

      <div className="grid gap-6 md:grid-cols-2">
        <Group legend="Score configs" error={errors.scoreConfigIds?.message} hint="Each reviewer rates every checked score on every item.">
          {configs.isPending ? (
            <Skeleton rows={2} />
          ) : configs.isError ? (
            <ErrorBox title="Could not load score configs" message={errorMessage(configs.error)} onRetry={() => void configs.refetch()} />
          ) : (
            <>
              {configs.data.map((c) => (
                <Check
                  key={c.id}
                  checked={configIds.includes(c.id)}
                  onChange={(on) => setList("scoreConfigIds", toggle(configIds, c.id, on))}
                >
                  <span className="font-medium text-slate-900">{c.name}</span>
                  <span className="text-xs text-slate-500">{c.dataType}</span>
                </Check>
              ))}
              {configs.data.length === 0 || newConfig ? (
                <QuickScoreConfig
                  onCreated={(c) => {
                    setList("scoreConfigIds", [...form.getValues("scoreConfigIds"), c.id]);
                    setNewConfig(false);
                    void queryClient.invalidateQueries({ queryKey: trpc.logs.scoreConfigs.list.pathKey() });
                  }}
                />
              ) : (
                <button
                  type="button"
                  onClick={() => setNewConfig(true)}
                  className="self-start text-xs font-medium text-indigo-600 hover:text-indigo-500"
                >
                  + New score config
                </button>
              )}
            </>
          )}
        </Group>

        <Group legend="Assignees" error={errors.assigneeIds?.message} hint="None checked: every member with the annotator role or higher.">
          {members.isPending ? (
            <Skeleton rows={2} />
          ) : members.isError ? (
            <ErrorBox title="Could not load members" message={errorMessage(members.error)} onRetry={() => void members.refetch()} />
          ) : (
            <div className="flex max-h-48 flex-col gap-2 overflow-y-auto">
              {members.data.items
                .filter((m) => m.role !== "viewer")
                .map((m) => (
                  <Check
                    key={m.id}
                    checked={assigneeIds.includes(m.userId)}
                    onChange={(on) => setList("assigneeIds", toggle(assigneeIds, m.userId, on))}
                  >
                    <span className="text-slate-900">{m.email}</span>
                    <span className="text-xs text-slate-500">{roleLabel(m.role)}</span>
                  </Check>
                ))}
            </div>
          )}
        </Group>
      </div>

      <FormField name="requiredRatings" label="Ratings per item" hint="An item is done once this many reviewers rated it." className="w-56">
        <Select {...form.register("requiredRatings", { setValueAs: Number })}>
          {[1, 2, 3, 4, 5].map((n) => (
            <option key={n} value={n}>
              {n} {n === 1 ? "reviewer" : "reviewers"}
            </option>
          ))}
        </Select>
      </FormField>

      <FillFields draft={fill} onChange={(d) => setFill((prev) => ({ ...prev, ...d }))} error={fillError} />

      <div className="flex flex-wrap items-center gap-2 border-t border-slate-200 pt-4">
        <Button type="submit" variant="primary" loading={busy}>
          Create queue
        </Button>
        <Button variant="ghost" onClick={onCancel} disabled={busy}>
          Cancel
        </Button>
      </div>
    </ZodForm>
  );
}
