"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { EmptyState } from "@/app/_components/EmptyState";
import { Alert, Button, ErrorBox, Field, Input, LoadMore, Skeleton, Table, Td, Th, When } from "@/app/_components/ui";
import { errorMessage, fieldError } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { RunColumns } from "./RunColumns";
import { duration, RunStatusBadge } from "./runs";
import { compareHref, formatValue, runHref } from "./shared";

interface Sort {
  /** MLflow order_by key: attributes.start_time, params.`lr`, metrics.`loss` */
  key: string;
  desc: boolean;
}
const START: Sort = { key: "attributes.start_time", desc: true };
const quoted = (kind: "params" | "metrics", k: string) => `${kind}.\`${k}\``;

/** An experiment's runs: params and latest metrics as columns, MLflow filter, sort by header, select to compare. */
export function RunsTable({ experimentId }: { experimentId: string }) {
  const trpc = useTRPC();
  const project = useProject();
  const router = useRouter();
  const [draft, setDraft] = useState("");
  const [filter, setFilter] = useState("");
  const [sort, setSort] = useState<Sort>(START);
  const [hidden, setHidden] = useState<Set<string>>(new Set());
  const [selected, setSelected] = useState<string[]>([]);
  const [local, setLocal] = useState<string | null>(null);
  const runs = useInfiniteQuery(
    trpc.registry.experiments.searchRuns.infiniteQueryOptions(
      {
        projectId: project.slug,
        experimentIds: [experimentId],
        filter: filter || undefined,
        orderBy: `${sort.key} ${sort.desc ? "DESC" : "ASC"}`,
        limit: 50,
      },
      { getNextPageParam: (page) => page.nextCursor, placeholderData: (prev) => prev },
    ),
  );
  const first = runs.data?.pages[0];
  const paramKeys = (first?.paramKeys ?? []).filter((k) => !hidden.has(`params.${k}`));
  const metricKeys = (first?.metricKeys ?? []).filter((k) => !hidden.has(`metrics.${k}`));
  const items = runs.data?.pages.flatMap((p) => p.items) ?? [];

  function apply(e: FormEvent) {
    e.preventDefault();
    setFilter(draft.trim());
  }
  function sortBy(key: string) {
    setSort((s) => (s.key === key ? { key, desc: !s.desc } : { key, desc: key === START.key }));
  }
  function compare() {
    setLocal(null);
    if (selected.length < 2 || selected.length > 10) return setLocal("Select 2 to 10 runs to compare.");
    router.push(compareHref(project.slug, selected));
  }
  const toggle = (id: string, on: boolean) => setSelected((s) => (on ? [...s.filter((x) => x !== id), id] : s.filter((x) => x !== id)));

  const header = (label: string, key: string, className?: string) => {
    const active = sort.key === key;
    // param and metric keys keep their case; the fixed columns look like the other tables' headers
    const caps = key.startsWith("attributes.");
    return (
      <Th key={key} className={className} aria-sort={active ? (sort.desc ? "descending" : "ascending") : "none"}>
        <button
          type="button"
          onClick={() => sortBy(key)}
          className={`inline-flex items-center gap-1 hover:text-slate-900 ${caps ? "uppercase" : "font-mono normal-case"}`}
        >
          {label}
          <span aria-hidden="true" className={active ? "text-indigo-600" : "text-slate-300"}>
            {active ? (sort.desc ? "↓" : "↑") : "↕"}
          </span>
        </button>
      </Th>
    );
  };

  const filterErr = fieldError(runs.error, "filter") ?? fieldError(runs.error, "order_by");
  return (
    <div className="flex flex-col gap-4">
      <form onSubmit={apply} aria-label="Filter runs" className="flex flex-wrap items-end gap-2">
        <Field
          label="Filter"
          className="min-w-72 flex-1"
          error={filterErr}
          hint="MLflow syntax: metrics.loss < 0.5 AND params.lr = '0.01' AND attributes.status = 'FINISHED'"
        >
          <Input value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="metrics.loss < 0.5" className="font-mono" />
        </Field>
        <div className="flex gap-2 pb-5">
          <Button type="submit">Apply filter</Button>
          {filter && (
            <Button
              variant="ghost"
              onClick={() => {
                setDraft("");
                setFilter("");
              }}
            >
              Clear
            </Button>
          )}
        </div>
      </form>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div className="flex items-center gap-2">
          <Button variant="primary" disabled={selected.length < 2} onClick={compare}>
            Compare
          </Button>
          <span className="text-sm text-slate-500">
            {selected.length} selected{selected.length < 2 ? " (pick at least 2)" : ""}
          </span>
        </div>
        {first && (
          <RunColumns
            paramKeys={first.paramKeys}
            metricKeys={first.metricKeys}
            hidden={hidden}
            onToggle={(id, show) =>
              setHidden((h) => {
                const next = new Set(h);
                if (show) next.delete(id);
                else next.add(id);
                return next;
              })
            }
          />
        )}
      </div>
      {local && <Alert>{local}</Alert>}
      {runs.isPending ? (
        <Skeleton rows={4} />
      ) : runs.isError ? (
        // a filter the server could not read is said once, under the field, naming the problem: no "No run matches" beside it
        filterErr ? null : (
          <ErrorBox title="Could not load runs" message={errorMessage(runs.error)} onRetry={() => void runs.refetch()} />
        )
      ) : items.length === 0 ? (
        filter ? (
          <EmptyState title="No run matches the filter">Loosen the filter, or Clear it to see every run of this experiment.</EmptyState>
        ) : (
          <EmptyState title="No runs in this experiment yet">
            Log runs with the MLflow client (<code className="font-mono">mlflow.start_run()</code> with this Keel as the tracking URI) or
            the Keel SDK; their parameters and metrics show here to sort, filter and compare.
          </EmptyState>
        )
      ) : (
        <div className="flex flex-col gap-3">
          <Table label="Runs">
            <thead>
              <tr>
                <Th>
                  <span className="sr-only">Select</span>
                </Th>
                {header("Run", "attributes.run_name")}
                {header("Status", "attributes.status")}
                {header("Start time", "attributes.start_time")}
                <Th>Duration</Th>
                {paramKeys.map((k) => header(k, quoted("params", k), "normal-case"))}
                {metricKeys.map((k) => header(k, quoted("metrics", k), "text-right normal-case"))}
              </tr>
            </thead>
            <tbody>
              {items.map((r) => (
                <tr key={r.id} className={selected.includes(r.id) ? "bg-indigo-50/50" : undefined}>
                  <Td>
                    <input
                      type="checkbox"
                      aria-label={`Select run ${r.name}`}
                      className="size-4 rounded border-slate-300"
                      checked={selected.includes(r.id)}
                      onChange={(e) => toggle(r.id, e.target.checked)}
                    />
                  </Td>
                  <Td>
                    <Link href={runHref(project.slug, r.id)} className="font-medium text-indigo-600 hover:text-indigo-500">
                      {r.name}
                    </Link>
                  </Td>
                  <Td>
                    <RunStatusBadge status={r.status} />
                  </Td>
                  <Td>
                    <When at={new Date(r.startTime)} />
                  </Td>
                  <Td className="whitespace-nowrap tabular-nums">{duration(r.startTime, r.endTime)}</Td>
                  {paramKeys.map((k) => (
                    <Td key={`p-${k}`} className="font-mono text-xs">
                      {r.params[k] ?? <span className="text-slate-300">—</span>}
                    </Td>
                  ))}
                  {metricKeys.map((k) => (
                    <Td key={`m-${k}`} className="text-right tabular-nums">
                      {r.metrics[k] !== undefined ? formatValue(r.metrics[k]) : <span className="text-slate-300">—</span>}
                    </Td>
                  ))}
                </tr>
              ))}
            </tbody>
          </Table>
          <LoadMore query={runs} size="sm">
            Load more runs
          </LoadMore>
        </div>
      )}
    </div>
  );
}
