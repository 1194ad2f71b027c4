"use client";

import { useQueries, useQuery } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Button, ErrorBox, Field, Select, Skeleton, Table, Td, Th } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";

type Dataset = RouterOutputs["datasets"]["list"]["items"][number];
type DiffRow = RouterOutputs["datasets"]["diff"]["sample"]["added"][number];

const show = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value));

/** Two version selects (grouped by dataset) and the row-level diff between them. */
export function CompareVersions({ slug, datasets }: { slug: string; datasets: Dataset[] }) {
  const trpc = useTRPC();
  const versions = useQueries({
    queries: datasets.map((d) => trpc.datasets.versions.queryOptions({ projectId: slug, datasetId: d.id, limit: 200 })),
  });
  const groups = datasets.map((d, i) => ({
    dataset: d,
    versions: (versions[i]?.data?.items ?? []).map((v) => ({ id: v.id, label: `${d.name} v${v.version}` })),
  }));
  const labelOf = (id: string) => groups.flatMap((g) => g.versions).find((v) => v.id === id)?.label ?? id;
  const datasetOf = (id: string) => groups.find((g) => g.versions.some((v) => v.id === id))?.dataset.id;

  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [pair, setPair] = useState<{ from: string; to: string } | null>(null);
  const [local, setLocal] = useState<string | null>(null);
  const diff = useQuery(
    trpc.datasets.diff.queryOptions({ projectId: slug, fromVersionId: pair?.from ?? "", toVersionId: pair?.to ?? "" }, { enabled: !!pair }),
  );

  function submit(e: FormEvent) {
    e.preventDefault();
    setLocal(null);
    if (!from || !to) return setLocal("Pick a version in both selects.");
    if (from === to) return setLocal("Pick two different versions.");
    if (datasetOf(from) !== datasetOf(to)) return setLocal("Pick two versions of the same dataset.");
    setPair({ from, to });
  }

  const options = groups.map((g) =>
    g.versions.length ? (
      <optgroup key={g.dataset.id} label={g.dataset.name}>
        {g.versions.map((v) => (
          <option key={v.id} value={v.id}>
            {v.label}
          </option>
        ))}
      </optgroup>
    ) : null,
  );

  return (
    <div className="flex flex-col gap-4">
      <form onSubmit={submit} noValidate aria-label="Compare versions" className="flex flex-col gap-4">
        <div className="grid gap-4 sm:grid-cols-2">
          <Field label="From version">
            <Select value={from} onChange={(e) => setFrom(e.target.value)}>
              <option value="">Pick a version…</option>
              {options}
            </Select>
          </Field>
          <Field label="To version">
            <Select value={to} onChange={(e) => setTo(e.target.value)}>
              <option value="">Pick a version…</option>
              {options}
            </Select>
          </Field>
        </div>
        {local && (
          <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700">
            {local}
          </p>
        )}
        <div>
          <Button type="submit" loading={!!pair && diff.isFetching}>
            Diff
          </Button>
        </div>
      </form>
      {pair &&
        (diff.isPending ? (
          <Skeleton rows={2} />
        ) : diff.isError ? (
          <ErrorBox title="Could not diff the versions" message={errorMessage(diff.error)} onRetry={() => void diff.refetch()} />
        ) : (
          <div role="status" className="flex flex-col gap-4">
            <p className="text-sm text-slate-700">
              From {labelOf(pair.from)} ({diff.data.from.rowCount.toLocaleString()} rows) to {labelOf(pair.to)} (
              {diff.data.to.rowCount.toLocaleString()} rows):
            </p>
            <dl className="flex flex-wrap gap-3">
              {(
                [
                  ["Added", diff.data.added, "text-emerald-700"],
                  ["Removed", diff.data.removed, "text-red-700"],
                  ["Unchanged", diff.data.unchanged, "text-slate-900"],
                ] as const
              ).map(([label, n, tone]) => (
                <div key={label} className="rounded-md border border-slate-200 px-4 py-2">
                  <dt className="text-xs text-slate-500">{label}</dt>
                  <dd className={`text-lg font-semibold tabular-nums ${tone}`}>{n.toLocaleString()}</dd>
                </div>
              ))}
            </dl>
            <SampleRows title="Sample of added rows" rows={diff.data.sample.added} />
            <SampleRows title="Sample of removed rows" rows={diff.data.sample.removed} />
          </div>
        ))}
    </div>
  );
}

function SampleRows({ title, rows }: { title: string; rows: DiffRow[] }) {
  if (rows.length === 0) return null;
  return (
    <div className="flex flex-col gap-2">
      <h3 className="text-sm font-semibold text-slate-900">{title}</h3>
      <Table label={title}>
        <thead>
          <tr>
            <Th>#</Th>
            <Th>Input</Th>
            <Th>References</Th>
            <Th>Prediction</Th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.idx}>
              <Td className="align-top text-xs text-slate-500 tabular-nums">{r.idx + 1}</Td>
              <Td className="max-w-80 align-top text-xs break-words whitespace-pre-wrap">{show(r.input)}</Td>
              <Td className="max-w-80 align-top text-xs break-words whitespace-pre-wrap">{r.references.join("\n")}</Td>
              <Td className="max-w-80 align-top text-xs break-words whitespace-pre-wrap">
                {r.prediction ?? <span className="text-slate-400">—</span>}
              </Td>
            </tr>
          ))}
        </tbody>
      </Table>
    </div>
  );
}
