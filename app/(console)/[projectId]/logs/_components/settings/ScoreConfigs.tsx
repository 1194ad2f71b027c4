"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { z } from "zod";
import { applyServerError, emptyToUndefined, FormError, FormField, toNumber, useZodForm, ZodForm } from "@/app/_components/form";
import { Badge, Button, Card, ErrorBox, Input, Select, Skeleton, Table, Td, Th } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";
import { scoreConfigInput } from "@/server/logs/inputs";

type Config = RouterOutputs["logs"]["scoreConfigs"]["list"][number];
type DataType = Config["dataType"];
const TYPES: { value: DataType; label: string }[] = [
  { value: "boolean", label: "Boolean (thumbs)" },
  { value: "numeric", label: "Numeric" },
  { value: "categorical", label: "Categorical" },
  { value: "text", label: "Text" },
];

/** "good=1, bad=0" into categories; an error names the part that does not read. */
export function parseCategories(s: string): { label: string; value: number }[] | string {
  const parts = s
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  const out: { label: string; value: number }[] = [];
  for (const p of parts) {
    const eq = p.lastIndexOf("=");
    const label = p.slice(0, eq).trim();
    const value = Number(p.slice(eq + 1).trim());
    if (eq < 1 || !label || p.slice(eq + 1).trim() === "" || !Number.isFinite(value)) return `"${p}" is not label=number`;
    out.push({ label, value });
  }
  return out.length >= 2 ? out : "Give at least two categories, e.g. good=1, bad=0";
}

function valuesOf(c: Config): string {
  if (c.dataType === "numeric") return c.min !== null || c.max !== null ? `${c.min ?? "−∞"} to ${c.max ?? "∞"}` : "any number";
  if (c.dataType === "categorical") return (c.categories ?? []).map((x) => `${x.label}=${x.value}`).join(", ");
  if (c.dataType === "boolean") return "thumbs up / down";
  return "free text";
}

/** What a rating means in this project: the controls of the rating form on every trace. */
export function ScoreConfigs() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const project = useProject();
  const canEdit = atLeast(project.role, "engineer");
  const [showArchived, setShowArchived] = useState(false);
  const configs = useQuery(trpc.logs.scoreConfigs.list.queryOptions({ projectId: project.slug, includeArchived: showArchived }));
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.logs.scoreConfigs.list.pathKey() });
  const archive = useMutation(trpc.logs.scoreConfigs.setArchived.mutationOptions({ onSuccess: refresh }));

  return (
    <Card
      title="Score configs"
      description="Each active config is a control in the rating form of every trace. Archived configs keep their ratings."
      actions={
        <label className="inline-flex items-center gap-2 text-sm text-slate-600">
          <input
            type="checkbox"
            className="size-4 rounded border-slate-300 accent-indigo-600"
            checked={showArchived}
            onChange={(e) => setShowArchived(e.target.checked)}
          />
          Show archived
        </label>
      }
    >
      <div className="flex flex-col gap-4">
        {canEdit ? (
          <CreateConfig onCreated={refresh} />
        ) : (
          <p className="text-sm text-slate-500">Creating score configs needs the engineer role.</p>
        )}
        {archive.error && <ErrorBox title="Could not change the config" message={errorMessage(archive.error)} />}
        {configs.isPending ? (
          <Skeleton rows={3} />
        ) : configs.isError ? (
          <ErrorBox title="Could not load score configs" message={errorMessage(configs.error)} onRetry={() => void configs.refetch()} />
        ) : configs.data.length === 0 ? (
          <p className="py-2 text-sm text-slate-500">
            No score configs yet. Until you add one, the rating form offers a thumbs up/down named <code>user-feedback</code>.
          </p>
        ) : (
          <Table label="Score configs">
            <thead>
              <tr>
                <Th>Name</Th>
                <Th>Type</Th>
                <Th>Values</Th>
                <Th>Description</Th>
                {canEdit && (
                  <Th>
                    <span className="sr-only">Actions</span>
                  </Th>
                )}
              </tr>
            </thead>
            <tbody>
              {configs.data.map((c) => (
                <tr key={c.id} className={c.archived ? "opacity-60" : undefined}>
                  <Td className="font-medium text-slate-900">
                    {c.name} {c.archived && <Badge tone="amber">archived</Badge>}
                  </Td>
                  <Td>
                    <Badge tone="indigo">{c.dataType}</Badge>
                  </Td>
                  <Td className="text-xs">{valuesOf(c)}</Td>
                  <Td className="max-w-64 text-xs">{c.description ?? <span className="text-slate-400">—</span>}</Td>
                  {canEdit && (
                    <Td className="text-right">
                      <Button
                        size="sm"
                        variant={c.archived ? "secondary" : "danger"}
                        loading={archive.isPending && archive.variables?.id === c.id}
                        onClick={() => archive.mutate({ projectId: project.slug, id: c.id, archived: !c.archived })}
                      >
                        {c.archived ? "Restore" : "Archive"}
                      </Button>
                    </Td>
                  )}
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </div>
    </Card>
  );
}

/** "good=1, bad=0" as the schema's categories; text that does not read stays text, refused with CATEGORIES. */
const categoriesOf = (v: unknown) => {
  if (typeof v !== "string") return v;
  if (!v.trim()) return undefined;
  const parsed = parseCategories(v);
  return typeof parsed === "string" ? v : parsed;
};
const CATEGORIES = "categories are at least two label=number pairs, e.g. good=1, bad=0";

/** A new score config, validated by the server's scoreConfigInput before it is sent. */
function CreateConfig({ onCreated }: { onCreated: () => Promise<unknown> }) {
  const trpc = useTRPC();
  const project = useProject();
  const create = useMutation(trpc.logs.scoreConfigs.create.mutationOptions());
  const defaults = { name: "", dataType: "boolean" as const };
  const form = useZodForm(scoreConfigInput, defaults, { categories: CATEGORIES });
  const dataType = form.watch("dataType");
  // a type's own fields leave the values when hidden: the schema refuses min/max or categories on other types
  const number = { shouldUnregister: true, setValueAs: toNumber };
  const optional = { setValueAs: emptyToUndefined };

  async function submit(values: z.output<typeof scoreConfigInput>) {
    try {
      // The project's uuid, not its slug: the service spreads the whole input (projectId included)
      // over the row it inserts, so a slug would land in the uuid column (reported server-side).
      await create.mutateAsync({ projectId: project.id, ...values });
      form.reset(defaults);
      await onCreated();
    } catch (err) {
      applyServerError(form, err, ["name", "dataType", "min", "max", "categories", "description"]);
    }
  }

  return (
    <ZodForm form={form} onSubmit={submit} label="Create score config" className="rounded-md border border-slate-200 bg-slate-50 p-4">
      <h3 className="mb-3 text-sm font-medium text-slate-900">New score config</h3>
      <div className="mb-3 empty:hidden">
        <FormError />
      </div>
      <div className="flex flex-wrap items-start gap-3">
        <FormField name="name" label="Config name" className="min-w-40 flex-1">
          <Input {...form.register("name")} placeholder="helpfulness" maxLength={100} />
        </FormField>
        <FormField name="dataType" label="Type" className="w-44">
          <Select {...form.register("dataType")}>
            {TYPES.map((t) => (
              <option key={t.value} value={t.value}>
                {t.label}
              </option>
            ))}
          </Select>
        </FormField>
        {dataType === "numeric" && (
          <>
            <FormField name="min" label="Min" className="w-24">
              <Input inputMode="decimal" {...form.register("min", number)} placeholder="1" />
            </FormField>
            <FormField name="max" label="Max" className="w-24">
              <Input inputMode="decimal" {...form.register("max", number)} placeholder="5" />
            </FormField>
          </>
        )}
        {dataType === "categorical" && (
          <FormField name="categories" label="Categories" hint="label=value, comma separated" className="min-w-64 flex-1">
            <Input
              {...form.register("categories", { shouldUnregister: true, setValueAs: categoriesOf })}
              placeholder="correct=1, partly=0.5, wrong=0"
            />
          </FormField>
        )}
        <FormField name="description" label="Description" className="min-w-48 flex-1">
          <Input {...form.register("description", optional)} placeholder="Optional" maxLength={1000} />
        </FormField>
        <Button type="submit" variant="primary" loading={create.isPending} className="mt-6.5">
          Create config
        </Button>
      </div>
    </ZodForm>
  );
}
