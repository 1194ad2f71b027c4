"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Badge, Button, Card, ErrorBox, Field, Input, Select, Skeleton, Table, Td, Th } from "@/app/_components/ui";
import { errorMessage, fieldError, formError } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { type RouterInputs, type RouterOutputs, useTRPC } from "@/app/_lib/trpc";

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

function CreateConfig({ onCreated }: { onCreated: () => Promise<unknown> }) {
  const trpc = useTRPC();
  const project = useProject();
  const [name, setName] = useState("");
  const [dataType, setDataType] = useState<DataType>("boolean");
  const [min, setMin] = useState("");
  const [max, setMax] = useState("");
  const [categories, setCategories] = useState("");
  const [description, setDescription] = useState("");
  const [localError, setLocalError] = useState<{ field: string; message: string } | null>(null);
  const create = useMutation(
    trpc.logs.scoreConfigs.create.mutationOptions({
      onSuccess: () => {
        setName("");
        setMin("");
        setMax("");
        setCategories("");
        setDescription("");
        return onCreated();
      },
    }),
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setLocalError(null);
    if (!name.trim()) return setLocalError({ field: "name", message: "Name is required" });
    const input: RouterInputs["logs"]["scoreConfigs"]["create"] = {
      // The project's uuid, not its slug: the service spreads the whole input (projectId included)
      // over the row it inserts, so a slug would land in the uuid column (reported server-side).
      projectId: project.id,
      name,
      dataType,
      description: description.trim() || undefined,
    };
    if (dataType === "numeric") {
      for (const [field, v] of [
        ["min", min],
        ["max", max],
      ] as const) {
        if (v.trim() && !Number.isFinite(Number(v))) return setLocalError({ field, message: "Enter a number" });
        if (v.trim()) input[field] = Number(v);
      }
    }
    if (dataType === "categorical") {
      const cats = parseCategories(categories);
      if (typeof cats === "string") return setLocalError({ field: "categories", message: cats });
      input.categories = cats;
    }
    create.mutate(input);
  };
  const err = (field: string) => (localError?.field === field ? localError.message : fieldError(create.error, field));
  const general = formError(create.error, ["name", "dataType", "min", "max", "categories", "description"]);

  return (
    <form onSubmit={submit} noValidate aria-label="Create score config" className="rounded-md border border-slate-200 bg-slate-50 p-4">
      <h3 className="mb-3 text-sm font-medium text-slate-900">New score config</h3>
      {general && (
        <div className="mb-3">
          <ErrorBox title="Could not create the config" message={general} />
        </div>
      )}
      <div className="flex flex-wrap items-start gap-3">
        <Field label="Config name" error={err("name")} className="min-w-40 flex-1">
          <Input value={name} onChange={(e) => setName(e.target.value)} placeholder="helpfulness" maxLength={100} />
        </Field>
        <Field label="Type" error={err("dataType")} className="w-44">
          <Select value={dataType} onChange={(e) => setDataType(e.target.value as DataType)}>
            {TYPES.map((t) => (
              <option key={t.value} value={t.value}>
                {t.label}
              </option>
            ))}
          </Select>
        </Field>
        {dataType === "numeric" && (
          <>
            <Field label="Min" error={err("min")} className="w-24">
              <Input inputMode="decimal" value={min} onChange={(e) => setMin(e.target.value)} placeholder="1" />
            </Field>
            <Field label="Max" error={err("max")} className="w-24">
              <Input inputMode="decimal" value={max} onChange={(e) => setMax(e.target.value)} placeholder="5" />
            </Field>
          </>
        )}
        {dataType === "categorical" && (
          <Field label="Categories" hint="label=value, comma separated" error={err("categories")} className="min-w-64 flex-1">
            <Input value={categories} onChange={(e) => setCategories(e.target.value)} placeholder="correct=1, partly=0.5, wrong=0" />
          </Field>
        )}
        <Field label="Description" error={err("description")} className="min-w-48 flex-1">
          <Input value={description} onChange={(e) => setDescription(e.target.value)} placeholder="Optional" maxLength={1000} />
        </Field>
        <Button type="submit" variant="primary" loading={create.isPending} className="mt-6.5">
          Create config
        </Button>
      </div>
    </form>
  );
}
