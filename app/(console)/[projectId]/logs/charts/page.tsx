"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { Suspense, useState } from "react";
import { cx } from "@/app/_components/classes";
import { EmptyState } from "@/app/_components/EmptyState";
import { Button, Card, ErrorBox, PageHeader, Skeleton } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { FilterBar } from "../_components/FilterBar";
import {
  activeFilters,
  EMPTY_QUERY,
  type ExplorerQuery,
  parseQuery,
  type RangeKey,
  toApiFilter,
  toQueryString,
} from "../_components/filters";
import { LogsNav } from "../_components/LogsNav";
import { ChartGrid, ChartGridSkeleton } from "./_components/ChartGrid";
import { type Bucket, bucketGrid, type ChartPoint, totalsOf } from "./_components/series";
import { Totals } from "./_components/Totals";

export default function ChartsPage() {
  // useSearchParams needs a Suspense boundary when Next renders the page ahead of the request.
  return (
    <Suspense fallback={<Skeleton rows={6} />}>
      <Charts />
    </Suspense>
  );
}

/** Hours for a day or less, days from a week up (and for "all time"). */
const defaultBucket = (range: RangeKey): Bucket => (range === "1h" || range === "24h" ? "hour" : "day");

interface Shown {
  points: ChartPoint[];
  bucket: Bucket;
  byModel: boolean;
  from?: number;
  to: number;
}

/**
 * Trends over the traces the explorer's filters select (same URL query, so a view moves between
 * Traces and Charts). The charts' own settings live in the URL too: `bucket` (only when it differs
 * from the range's default) and `byModel=1`.
 */
function Charts() {
  const trpc = useTRPC();
  const project = useProject();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const query = parseQuery(params);
  const qs = toQueryString(query);
  const explicitBucket = params.get("bucket") === "hour" || params.get("bucket") === "day" ? (params.get("bucket") as Bucket) : null;
  const bucket = explicitBucket ?? defaultBucket(query.range);
  const byModel = params.get("byModel") === "1";
  // Relative ranges are anchored when the filters change or on Refresh, not every render (as in the explorer).
  const [anchor, setAnchor] = useState(() => ({ qs, now: Date.now() }));
  if (anchor.qs !== qs) setAnchor({ qs, now: Date.now() });

  const go = (q: ExplorerQuery, next: { bucket?: Bucket | null; byModel?: boolean }) => {
    const p = new URLSearchParams(toQueryString(q));
    const b = next.bucket === undefined ? explicitBucket : next.bucket;
    if (b && b !== defaultBucket(q.range)) p.set("bucket", b);
    if (next.byModel ?? byModel) p.set("byModel", "1");
    const s = p.toString();
    router.push(s ? `${pathname}?${s}` : pathname, { scroll: false });
  };
  // a new time range brings its own default bucket
  const apply = (q: ExplorerQuery) => go(q, { bucket: q.range === query.range ? undefined : null });

  const filter = toApiFilter(query, anchor.now);
  const input = { projectId: project.slug, filter, bucket };
  const charts = useQuery(trpc.logs.traces.charts.queryOptions({ ...input, byModel }));
  // totals always over every model (per model, the server keeps only the 8 busiest)
  const overall = useQuery(trpc.logs.traces.charts.queryOptions({ ...input, byModel: false }, { placeholderData: keepPreviousData }));
  // a chart per score name, always over every model
  const scores = useQuery(trpc.logs.traces.scoreCharts.queryOptions(input, { placeholderData: keepPreviousData }));

  // While new data loads keep drawing the last answer with the bucket and split it was asked with.
  const current: Shown | null = charts.data ? { points: charts.data, bucket, byModel, from: filter.from?.getTime(), to: anchor.now } : null;
  const [last, setLast] = useState<Shown | null>(current);
  if (current && current.points !== last?.points) setLast(current);
  const shown = current ?? last;
  const busy = !current && !!last;

  const models = [...new Set((shown?.points ?? []).map((p) => p.model).filter((m): m is string => !!m))].sort();
  const filtered = activeFilters(query).length > 0;

  return (
    <>
      <PageHeader
        title="Logs"
        description="Volume, errors, latency, cost, tokens and each score's ratings over time, for the traces the filters select."
      />
      <LogsNav query={qs} />
      <div className="flex flex-col gap-4">
        <Card>
          <FilterBar query={query} onApply={apply} models={models} />
        </Card>
        <div className="flex flex-wrap items-center justify-between gap-3">
          <div className="flex flex-wrap items-center gap-4">
            <fieldset className="flex items-center gap-2">
              <legend className="sr-only">Bucket</legend>
              <span aria-hidden="true" className="text-sm font-medium text-slate-700">
                Bucket
              </span>
              <div className="inline-flex rounded-md shadow-sm">
                {(["hour", "day"] as const).map((b, i) => (
                  <button
                    key={b}
                    type="button"
                    aria-pressed={bucket === b}
                    onClick={() => go(query, { bucket: b })}
                    className={cx(
                      "h-8 border border-slate-300 px-3 text-sm font-medium",
                      i === 0 ? "rounded-l-md" : "-ml-px rounded-r-md",
                      bucket === b ? "z-10 border-indigo-600 bg-indigo-600 text-white" : "bg-white text-slate-700 hover:bg-slate-50",
                    )}
                  >
                    {b === "hour" ? "Hour" : "Day"}
                  </button>
                ))}
              </div>
            </fieldset>
            <label className="flex items-center gap-2 text-sm font-medium text-slate-700">
              <input
                type="checkbox"
                checked={byModel}
                onChange={(e) => go(query, { byModel: e.target.checked })}
                className="size-4 rounded border-slate-300 text-indigo-600 focus-visible:ring-2 focus-visible:ring-indigo-500/40"
              />
              Per model
            </label>
          </div>
          <Button onClick={() => setAnchor({ qs, now: Date.now() })} loading={charts.isFetching}>
            Refresh
          </Button>
        </div>
        {charts.isError && (
          <ErrorBox title="Could not load charts" message={errorMessage(charts.error)} onRetry={() => void charts.refetch()} />
        )}
        {overall.isError && !charts.isError && (
          <ErrorBox title="Could not load totals" message={errorMessage(overall.error)} onRetry={() => void overall.refetch()} />
        )}
        {scores.isError && !charts.isError && (
          <ErrorBox title="Could not load the rating charts" message={errorMessage(scores.error)} onRetry={() => void scores.refetch()} />
        )}
        <Totals totals={overall.data ? totalsOf(overall.data) : null} loading={overall.isPending || overall.isPlaceholderData} />
        {shown ? (
          shown.points.length > 0 ? (
            <ChartGrid
              points={shown.points}
              scores={scores.data ?? (scores.isError ? [] : null)}
              grid={bucketGrid(shown.points, shown.bucket, shown.from, shown.to)}
              byModel={shown.byModel}
              busy={busy}
            />
          ) : filtered ? (
            <EmptyState
              title="No traces match these filters"
              action={
                <Button onClick={() => apply(EMPTY_QUERY)} variant="secondary">
                  Clear filters
                </Button>
              }
            >
              Try a wider time range or fewer filters.
            </EmptyState>
          ) : (
            <EmptyState title="No traces yet">Charts fill in as your apps send traces to Keel.</EmptyState>
          )
        ) : charts.isError ? null : (
          <ChartGridSkeleton />
        )}
      </div>
    </>
  );
}
