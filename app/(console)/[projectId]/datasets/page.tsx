"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { z } from "zod";
import { EmptyState } from "@/app/_components/EmptyState";
import { applyServerError, FormError, FormField, useZodForm, ZodForm } from "@/app/_components/form";
import { Button, Card, ErrorBox, Input, PageHeader, Skeleton, Table, Td, Th, When } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";
import { datasetFormatOf, datasetName, uploadFileInput } from "@/server/datasets/inputs";
import { BuildFromLogs } from "./_components/BuildFromLogs";
import { CompareVersions } from "./_components/CompareVersions";

type Dataset = RouterOutputs["datasets"]["list"]["items"][number];
type Version = RouterOutputs["datasets"]["versions"]["items"][number];

interface Selected {
  id: string;
  label: string;
}

export default function DatasetsPage() {
  const trpc = useTRPC();
  const project = useProject();
  const projectId = project.slug;
  const datasets = useQuery(trpc.datasets.list.queryOptions({ projectId, limit: 200 }));
  const canUpload = atLeast(project.role, "engineer");
  const [selected, setSelected] = useState<Selected | null>(null);

  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        title="Datasets"
        description="Versioned data for evaluation and fine-tuning. Each version is immutable and identified by its content hash."
      />

      {canUpload && (
        <Card
          title="Upload a version"
          description="A JSONL or CSV file with input, references and (for evaluation) prediction columns. A new name creates the dataset."
        >
          <UploadForm slug={projectId} />
        </Card>
      )}

      <Card title="Datasets">
        {datasets.isPending ? (
          <Skeleton rows={3} />
        ) : datasets.isError ? (
          <ErrorBox title="Could not load datasets" message={errorMessage(datasets.error)} onRetry={() => void datasets.refetch()} />
        ) : datasets.data.items.length === 0 ? (
          <EmptyState title="No datasets yet">
            {canUpload
              ? "Upload a JSONL or CSV file above to make the first version."
              : "An engineer of this project can upload one; it will be listed here."}
          </EmptyState>
        ) : (
          <div className="flex flex-col gap-6">
            {datasets.data.items.map((d) => (
              <DatasetVersions key={d.id} dataset={d} slug={projectId} selectedId={selected?.id} onSelect={setSelected} />
            ))}
          </div>
        )}
      </Card>

      {selected && <Preview slug={projectId} selected={selected} onClose={() => setSelected(null)} />}

      {datasets.data && datasets.data.items.length > 0 && (
        <Card title="Compare versions" description="Rows added and removed between two versions of one dataset, matched by content.">
          <CompareVersions slug={projectId} datasets={datasets.data.items} />
        </Card>
      )}

      {canUpload && (
        <Card
          title="Build from logs"
          description="A new version from logged traces (input, and output as the reference), filtered by model, tags, time and a rating."
        >
          <BuildFromLogs projectId={project.id} />
        </Card>
      )}
    </div>
  );
}

/** The upload as the HTTP route checks it: the dataset's name, and the file's extension and size. */
const uploadForm = z.object({
  name: datasetName,
  file: z
    .custom<File>((v) => typeof File !== "undefined" && v instanceof File, "choose a file to upload")
    .superRefine((f, ctx) => {
      const checked = uploadFileInput.safeParse({ name: f.name, size: f.size });
      for (const issue of checked.error?.issues ?? []) ctx.addIssue({ code: "custom", message: issue.message });
    }),
});
const UPLOAD_FIELDS = ["name", "file"] as const;

interface UploadAnswer {
  version?: number;
  rowCount?: number;
  created?: boolean;
  error?: { code?: string; message?: string; field?: string };
}

function UploadForm({ slug }: { slug: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const form = useZodForm(uploadForm, { name: "", file: undefined });
  const [inputKey, setInputKey] = useState(0);
  const [done, setDone] = useState<string | null>(null);

  async function submit({ name, file }: z.output<typeof uploadForm>) {
    setDone(null);
    const format = datasetFormatOf(file.name);
    try {
      const res = await fetch(
        `/api/v1/projects/${encodeURIComponent(slug)}/datasets/${encodeURIComponent(name)}/versions?format=${format}&filename=${encodeURIComponent(file.name)}`,
        { method: "POST", body: file, credentials: "same-origin" },
      );
      const body = (await res.json().catch(() => null)) as UploadAnswer | null;
      if (!res.ok) {
        // the HTTP answer's error as a tRPC one reads: a parse error names `file` (its line and column in the message)
        const e = body?.error;
        const err = Object.assign(new Error(e?.message ?? `Upload failed (HTTP ${res.status})`), {
          data: { code: e?.code, field: e?.field },
        });
        return applyServerError(form, err, UPLOAD_FIELDS);
      }
      setDone(
        body?.created === false
          ? `Same content as version ${body.version} of ${name}; nothing new was added.`
          : `Uploaded ${name} version ${body?.version} (${body?.rowCount} rows).`,
      );
      form.resetField("file");
      setInputKey((k) => k + 1);
      await queryClient.invalidateQueries({ queryKey: trpc.datasets.pathKey() });
    } catch (err) {
      applyServerError(form, err, UPLOAD_FIELDS);
    }
  }

  return (
    <ZodForm form={form} onSubmit={submit} label="Upload a version">
      <div className="grid gap-4 sm:grid-cols-2">
        <FormField name="name" label="Dataset name" hint="Existing name: adds a version. New name: creates the dataset.">
          <Input {...form.register("name")} placeholder="support-answers" maxLength={200} />
        </FormField>
        <FormField name="file" label="File" hint="The format follows the extension: .jsonl or .csv (at most 50 MB).">
          <Input
            key={inputKey}
            type="file"
            accept=".jsonl,.ndjson,.csv"
            className="py-1.5"
            onChange={(e) =>
              form.setValue("file", e.target.files?.[0] as File, { shouldValidate: form.formState.isSubmitted, shouldTouch: true })
            }
          />
        </FormField>
      </div>
      <FormError />
      {done && (
        <p role="status" className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
          {done}
        </p>
      )}
      <div>
        <Button type="submit" variant="primary" loading={form.formState.isSubmitting}>
          Upload
        </Button>
      </div>
    </ZodForm>
  );
}

function DatasetVersions({
  dataset,
  slug,
  selectedId,
  onSelect,
}: {
  dataset: Dataset;
  slug: string;
  selectedId?: string;
  onSelect: (s: Selected) => void;
}) {
  const trpc = useTRPC();
  const versions = useQuery(trpc.datasets.versions.queryOptions({ projectId: slug, datasetId: dataset.id, limit: 200 }));
  const base = `/api/v1/projects/${encodeURIComponent(slug)}/datasets/${encodeURIComponent(dataset.name)}/versions`;
  return (
    <section aria-label={`Dataset ${dataset.name}`} className="flex flex-col gap-2">
      <div>
        <h3 className="text-sm font-semibold text-slate-900">{dataset.name}</h3>
        {dataset.description && <p className="text-xs text-slate-500">{dataset.description}</p>}
      </div>
      {versions.isPending ? (
        <Skeleton rows={1} />
      ) : versions.isError ? (
        <ErrorBox title="Could not load versions" message={errorMessage(versions.error)} onRetry={() => void versions.refetch()} />
      ) : versions.data.items.length === 0 ? (
        <p className="text-sm text-slate-500">No versions yet.</p>
      ) : (
        <Table label={`Versions of ${dataset.name}`}>
          <thead>
            <tr>
              <Th>Version</Th>
              <Th>Rows</Th>
              <Th>Columns</Th>
              <Th>Hash</Th>
              <Th>Created</Th>
              <Th>
                <span className="sr-only">Actions</span>
              </Th>
            </tr>
          </thead>
          <tbody>
            {versions.data.items.map((v: Version) => (
              <tr key={v.id} className={v.id === selectedId ? "bg-indigo-50/50" : undefined}>
                <Td className="font-medium tabular-nums">v{v.version}</Td>
                <Td className="tabular-nums">{v.rowCount.toLocaleString()}</Td>
                <Td className="text-xs">{v.columns.join(", ")}</Td>
                <Td>
                  <code className="rounded bg-slate-100 px-1 py-0.5 font-mono text-xs" title={v.contentHash}>
                    {v.contentHash.slice(0, 12)}
                  </code>
                </Td>
                <Td>
                  <When at={v.createdAt} />
                </Td>
                <Td>
                  <div className="flex items-center justify-end gap-2 text-xs whitespace-nowrap">
                    <Button size="sm" variant="ghost" onClick={() => onSelect({ id: v.id, label: `${dataset.name} v${v.version}` })}>
                      Preview
                    </Button>
                    <a href={`${base}/${v.version}/download?format=jsonl`} className="font-medium text-indigo-600 hover:text-indigo-500">
                      JSONL
                    </a>
                    <a href={`${base}/${v.version}/download?format=csv`} className="font-medium text-indigo-600 hover:text-indigo-500">
                      CSV
                    </a>
                    <a
                      href={`${base}/${v.version}/download?format=openai${(v.source as { heldOut?: number | null }).heldOut ? "&split=train" : ""}`}
                      title="OpenAI chat fine-tuning JSONL (the train split, where the version has one)"
                      className="font-medium text-indigo-600 hover:text-indigo-500"
                    >
                      OpenAI
                    </a>
                  </div>
                </Td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </section>
  );
}

const show = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value));

function Preview({ slug, selected, onClose }: { slug: string; selected: Selected; onClose: () => void }) {
  const trpc = useTRPC();
  const rows = useQuery(trpc.datasets.preview.queryOptions({ projectId: slug, versionId: selected.id, limit: 50 }));
  return (
    <Card
      title={`Preview of ${selected.label}`}
      description="The first 50 rows."
      actions={
        <Button size="sm" variant="ghost" onClick={onClose}>
          Close
        </Button>
      }
    >
      {rows.isPending ? (
        <Skeleton rows={4} />
      ) : rows.isError ? (
        <ErrorBox title="Could not load the rows" message={errorMessage(rows.error)} onRetry={() => void rows.refetch()} />
      ) : (
        <Table label={`Rows of ${selected.label}`}>
          <thead>
            <tr>
              <Th>#</Th>
              <Th>Input</Th>
              <Th>References</Th>
              <Th>Prediction</Th>
            </tr>
          </thead>
          <tbody>
            {rows.data.items.map((r) => (
              <tr key={r.idx}>
                <Td className="align-top text-xs text-slate-500 tabular-nums">{r.idx + 1}</Td>
                <Td className="max-w-80 align-top text-xs break-words whitespace-pre-wrap">{show(r.input)}</Td>
                <Td className="max-w-80 align-top text-xs">
                  <ul className="flex flex-col gap-1">
                    {r.references.map((ref, i) => (
                      // biome-ignore lint/suspicious/noArrayIndexKey: references are an ordered, fixed list
                      <li key={i} className="break-words whitespace-pre-wrap">
                        {ref}
                      </li>
                    ))}
                  </ul>
                </Td>
                <Td className="max-w-80 align-top text-xs break-words whitespace-pre-wrap">
                  {r.prediction ?? <span className="text-slate-400">—</span>}
                </Td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </Card>
  );
}
