"use client";

import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { Suspense, useState } from "react";
import { buttonClass } from "@/app/_components/classes";
import { EmptyState } from "@/app/_components/EmptyState";
import { Button, Card, ErrorBox, LoadMore, PageHeader, Skeleton } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { useTRPC } from "@/app/_lib/trpc";
import { BulkActions } from "./_components/BulkActions";
import { ColumnChooser, columnsFor, useColumns } from "./_components/ColumnChooser";
import { FilterBar } from "./_components/FilterBar";
import {
  activeFilters,
  type ExplorerQuery,
  parseQuery,
  parseSort,
  sortString,
  toApiFilter,
  toApiSort,
  toQueryString,
} from "./_components/filters";
import { IngestHelp } from "./_components/IngestHelp";
import { LogsNav } from "./_components/LogsNav";
import { SavedViews } from "./_components/SavedViews";
import { TracesTable } from "./_components/TracesTable";

const PAGE_SIZE = 50;

export default function LogsPage() {
  // useSearchParams needs a Suspense boundary when Next renders the page ahead of the request.
  return (
    <Suspense fallback={<Skeleton rows={6} />}>
      <Explorer />
    </Suspense>
  );
}

function Explorer() {
  const trpc = useTRPC();
  const project = useProject();
  const router = useRouter();
  const pathname = usePathname();
  const query = parseQuery(useSearchParams());
  const qs = toQueryString(query);
  // Relative ranges ("last hour") are anchored when the filters change or on Refresh, not every render.
  const [anchor, setAnchor] = useState(() => ({ qs, now: Date.now() }));
  if (anchor.qs !== qs) setAnchor({ qs, now: Date.now() });
  const scoreNames = useQuery(trpc.logs.traces.scoreNames.queryOptions({ projectId: project.slug }));
  const sort = parseSort(query.sort);
  // the selection holds across pages and sorts, and is cleared when the filters change
  const filterQs = toQueryString({ ...query, sort: "" });
  const [selection, setSelection] = useState<{ qs: string; ids: Set<string> }>({ qs: filterQs, ids: new Set() });
  if (selection.qs !== filterQs) setSelection({ qs: filterQs, ids: new Set() });
  const select = (ids: string[], on: boolean) =>
    setSelection((s) => {
      const next = new Set(s.ids);
      for (const id of ids) on ? next.add(id) : next.delete(id);
      return { qs: s.qs, ids: next };
    });

  const traces = useInfiniteQuery(
    trpc.logs.traces.list.infiniteQueryOptions(
      { projectId: project.slug, filter: toApiFilter(query, anchor.now), limit: PAGE_SIZE, sort: toApiSort(sort) },
      { getNextPageParam: (page) => page.nextCursor ?? undefined, placeholderData: (prev) => prev },
    ),
  );
  const rows = traces.data?.pages.flatMap((p) => p.items) ?? [];
  // the prompt-version filter's choices (issue 20)
  const promptVersions = useQuery(trpc.registry.prompts.versionOptions.queryOptions({ projectId: project.slug }));
  // the gateway-key filter's choices: listing keys takes an engineer, so a viewer gets only a ?key= link's id
  const canListKeys = atLeast(project.role, "engineer");
  const apiKeys = useQuery({
    ...trpc.workspace.keys.list.queryOptions({ projectId: project.slug, includeRevoked: true, limit: 200 }),
    enabled: canListKeys,
  });
  // a score first given since the names were fetched still gets its column (from the rows' own scores)
  const known = new Set(scoreNames.data?.map((x) => x.name));
  const rowScores = rows
    .flatMap((r) => r.scores ?? [])
    .filter((x) => {
      if (known.has(x.name)) return false;
      known.add(x.name);
      return true;
    });
  const columns = columnsFor([...(scoreNames.data ?? []), ...rowScores]);
  const [visible, toggleColumn, resetColumns] = useColumns(columns);
  const models = [...new Set(rows.map((r) => r.model).filter((m): m is string => !!m))].sort();

  const go = (nextQs: string) => router.push(nextQs ? `${pathname}?${nextQs}` : pathname, { scroll: false });
  const apply = (q: ExplorerQuery) => go(toQueryString(q));
  const filtered = activeFilters(query).length > 0;
  // a plain download link: the browser sends the session cookie; dates go as ISO strings
  const exportHref = (format: "csv" | "jsonl") =>
    `/api/v1/projects/${encodeURIComponent(project.slug)}/traces/export?format=${format}&filter=${encodeURIComponent(JSON.stringify(toApiFilter(query, anchor.now)))}`;
  const selected = [...selection.ids];
  const sortLabel =
    sort.key === "time"
      ? sort.dir === "desc"
        ? "newest first"
        : "oldest first"
      : `by ${sort.key.replace(/^score:/, "")}, ${sort.dir === "desc" ? "highest" : "lowest"} first`;

  return (
    <>
      <PageHeader
        title="Logs"
        description="Every prompt and response your apps send through Keel: search, filter, open a trace to rate it."
        actions={
          <Link href={`/${project.slug}/logs/settings`} className={buttonClass("secondary")}>
            Logs settings
          </Link>
        }
      />
      <LogsNav query={qs} />
      <div className="flex flex-col gap-4">
        <Card>
          <FilterBar
            query={query}
            onApply={apply}
            models={models}
            scores={scoreNames.data ?? []}
            promptVersions={promptVersions.data ?? []}
            apiKeys={apiKeys.data?.items.filter((k) => k.kind === "secret") ?? []}
          />
        </Card>
        <Card
          title="Traces"
          description={rows.length ? `${rows.length}${traces.hasNextPage ? "+" : ""} shown, ${sortLabel}.` : undefined}
          actions={
            <div className="flex flex-wrap items-end gap-2">
              <SavedViews
                projectId={project.id}
                query={qs}
                onApply={go}
                tuneHref={
                  atLeast(project.role, "engineer") ? (view) => `/${project.slug}/tuning?view=${encodeURIComponent(view)}` : undefined
                }
              />
              <ColumnChooser columns={columns} visible={visible} onToggle={toggleColumn} onReset={resetColumns} />
              <a download href={exportHref("csv")} className={buttonClass("secondary")}>
                Export CSV
              </a>
              <a download href={exportHref("jsonl")} className={buttonClass("secondary")}>
                Export JSONL
              </a>
              <Button onClick={() => setAnchor({ qs, now: Date.now() })} loading={traces.isRefetching && !traces.isFetchingNextPage}>
                Refresh
              </Button>
            </div>
          }
        >
          <div className="flex flex-col gap-3">
            {selected.length > 0 && (
              <BulkActions
                projectSlug={project.slug}
                ids={selected}
                canWrite={atLeast(project.role, "engineer")}
                onClear={() => setSelection({ qs: filterQs, ids: new Set() })}
              />
            )}
            {traces.isError && (
              <ErrorBox title="Could not load traces" message={errorMessage(traces.error)} onRetry={() => void traces.refetch()} />
            )}
            {traces.isPending ? (
              <Skeleton rows={6} />
            ) : rows.length > 0 ? (
              <div aria-busy={traces.isPlaceholderData || undefined} className={traces.isPlaceholderData ? "opacity-60" : undefined}>
                <TracesTable
                  rows={rows}
                  columns={columns}
                  visible={visible}
                  projectSlug={project.slug}
                  sort={sort}
                  onSort={(next) => apply({ ...query, sort: sortString(next) })}
                  selected={selection.ids}
                  onSelect={select}
                />
              </div>
            ) : traces.isError ? null : filtered ? (
              <EmptyState
                title="No traces match these filters"
                action={
                  <Button onClick={() => go("")} variant="secondary">
                    Clear filters
                  </Button>
                }
              >
                Try a wider time range or fewer filters. Plain words match whole words; quote a query ("…") to match any part of a word.
              </EmptyState>
            ) : (
              <IngestHelp />
            )}
            <LoadMore query={traces} className="flex justify-center pt-1" />
          </div>
        </Card>
      </div>
    </>
  );
}
