"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { type FormEvent, useId, useState } from "react";
import { Button, Field, Input, Select } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useTRPC } from "@/app/_lib/trpc";
import { downloadExport } from "./download";

/**
 * What to do with the selected traces: add them to a dataset (a new version; an existing name or a
 * new one), to an annotation queue, or export them (POSTed: any number of ids). `canWrite`: engineers
 * and up (the server checks).
 */
export function BulkActions({
  projectSlug,
  ids,
  canWrite,
  onClear,
}: {
  projectSlug: string;
  ids: string[];
  canWrite: boolean;
  onClear: () => void;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const listId = useId();
  const [dataset, setDataset] = useState("");
  const [queueId, setQueueId] = useState("");
  const datasets = useQuery({ ...trpc.datasets.list.queryOptions({ projectId: projectSlug, limit: 200 }), enabled: canWrite });
  const queues = useQuery({ ...trpc.logs.queues.list.queryOptions({ projectId: projectSlug }), enabled: canWrite });
  const toDataset = useMutation(
    trpc.datasets.addTraces.mutationOptions({ onSuccess: () => qc.invalidateQueries({ queryKey: trpc.datasets.pathKey() }) }),
  );
  const toQueue = useMutation(
    trpc.logs.queues.addItems.mutationOptions({ onSuccess: () => qc.invalidateQueries({ queryKey: trpc.logs.queues.pathKey() }) }),
  );
  const exporting = useMutation({ mutationFn: (format: "csv" | "jsonl") => downloadExport(projectSlug, format, { ids }) });
  const n = ids.length;
  const error = toDataset.error ?? toQueue.error ?? exporting.error;

  const addToDataset = (e: FormEvent) => {
    e.preventDefault();
    toQueue.reset();
    if (dataset.trim()) toDataset.mutate({ projectId: projectSlug, name: dataset.trim(), traceIds: ids });
  };
  const addToQueue = (e: FormEvent) => {
    e.preventDefault();
    toDataset.reset();
    if (queueId) toQueue.mutate({ projectId: projectSlug, queueId, items: { traceIds: ids } });
  };
  const queueName = queues.data?.find((q) => q.id === queueId)?.name;

  return (
    <section aria-label="Selected traces" className="flex flex-col gap-2 rounded-md border border-indigo-200 bg-indigo-50/60 px-3 py-2">
      <div className="flex flex-wrap items-end gap-3">
        <p className="pb-2 text-sm font-medium text-indigo-900">
          {n} trace{n === 1 ? "" : "s"} selected
        </p>
        {canWrite && (
          <form onSubmit={addToDataset} aria-label="Add to dataset" className="flex items-end gap-2">
            <Field label="Dataset" className="w-52">
              <Input list={listId} value={dataset} onChange={(e) => setDataset(e.target.value)} placeholder="Pick one or name a new one" />
            </Field>
            <datalist id={listId}>
              {datasets.data?.items.map((d) => (
                <option key={d.id} value={d.name} />
              ))}
            </datalist>
            <Button type="submit" disabled={!dataset.trim()} loading={toDataset.isPending}>
              Add to dataset
            </Button>
          </form>
        )}
        {canWrite && (
          <form onSubmit={addToQueue} aria-label="Add to queue" className="flex items-end gap-2">
            <Field label="Annotation queue" className="w-48">
              <Select value={queueId} onChange={(e) => setQueueId(e.target.value)}>
                <option value="">{queues.data?.length ? "Choose a queue" : "No queues yet"}</option>
                {queues.data?.map((q) => (
                  <option key={q.id} value={q.id}>
                    {q.name}
                  </option>
                ))}
              </Select>
            </Field>
            <Button type="submit" disabled={!queueId} loading={toQueue.isPending}>
              Add to queue
            </Button>
          </form>
        )}
        <div className="flex items-end gap-2">
          <Button
            variant="secondary"
            loading={exporting.isPending && exporting.variables === "csv"}
            onClick={() => exporting.mutate("csv")}
          >
            Export CSV
          </Button>
          <Button
            variant="secondary"
            loading={exporting.isPending && exporting.variables === "jsonl"}
            onClick={() => exporting.mutate("jsonl")}
          >
            Export JSONL
          </Button>
          <Button variant="ghost" onClick={onClear}>
            Clear selection
          </Button>
        </div>
      </div>
      {toDataset.data && (
        <p role="status" className="text-sm text-slate-700">
          {toDataset.data.added} trace{toDataset.data.added === 1 ? "" : "s"} added: dataset {dataset.trim()} version{" "}
          {toDataset.data.version} holds {toDataset.data.rowCount} rows.{" "}
          <Link href={`/${projectSlug}/datasets`} className="font-medium text-indigo-600 hover:text-indigo-500">
            Datasets
          </Link>
        </p>
      )}
      {toQueue.data && (
        <p role="status" className="text-sm text-slate-700">
          {toQueue.data.added} trace{toQueue.data.added === 1 ? "" : "s"} added to queue {queueName} (already queued ones are kept once).{" "}
          <Link href={`/${projectSlug}/logs/queues/${queueId}`} className="font-medium text-indigo-600 hover:text-indigo-500">
            Open the queue
          </Link>
        </p>
      )}
      {error && (
        <p role="alert" className="text-sm text-red-700">
          {errorMessage(error)}
        </p>
      )}
    </section>
  );
}
