"use client";

import { useQuery } from "@tanstack/react-query";
import { ErrorBox, Select, Skeleton } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { formatDateTime } from "@/app/_lib/format";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { formatShare, verdictLabel } from "./format";
import { RunResults } from "./RunResults";
import { type RunSummary, resultOfRun } from "./types";

/** The run picker (newest first) and the picked run's results; `runId` null means the newest. */
export function RunSection({
  monitorId,
  runId,
  threshold,
  onPick,
}: {
  monitorId: string;
  runId: string | null;
  threshold?: number;
  onPick: (runId: string) => void;
}) {
  const trpc = useTRPC();
  const project = useProject();
  const runs = useQuery(trpc.drift.runs.list.queryOptions({ projectId: project.slug, monitor: monitorId, limit: 200 }));
  const items = runs.data?.items ?? [];
  const current = runId ?? items[0]?.id ?? null;
  const run = useQuery(trpc.drift.runs.get.queryOptions({ projectId: project.slug, runId: current ?? "" }, { enabled: !!current }));

  if (runs.isPending) return <Skeleton rows={3} />;
  if (runs.isError) return <ErrorBox title="Could not load runs" message={errorMessage(runs.error)} onRetry={() => void runs.refetch()} />;
  if (!current)
    return <p className="text-sm text-slate-500">No runs yet. Runs appear here when the schedule fires or someone clicks Run now.</p>;
  // a run linked from elsewhere may be older than the newest 200
  const listed = items.some((r) => r.id === current);
  return (
    <div className="flex flex-col gap-5">
      <div className="flex flex-wrap items-center gap-2">
        <label htmlFor="drift-run-picker" className="text-sm font-medium text-slate-700">
          Run
        </label>
        <Select id="drift-run-picker" value={current} onChange={(e) => onPick(e.target.value)} className="max-w-full">
          {!listed && run.data && <option value={current}>{runOption({ ...run.data })}</option>}
          {items.map((r) => (
            <option key={r.id} value={r.id}>
              {runOption(r)}
            </option>
          ))}
        </Select>
        {run.data && (
          <span className="text-xs text-slate-500">
            {run.data.trigger === "schedule" ? "scheduled" : "run by hand"} · took {run.data.durationMs} ms
          </span>
        )}
      </div>
      {run.isPending ? (
        <Skeleton rows={4} />
      ) : run.isError ? (
        <ErrorBox title="Could not load the run" message={errorMessage(run.error)} onRetry={() => void run.refetch()} />
      ) : (
        <RunResults key={run.data.id} result={resultOfRun(run.data)} threshold={threshold} />
      )}
    </div>
  );
}

const runOption = (r: Pick<RunSummary, "number" | "createdAt" | "verdict" | "driftShare">) =>
  `#${r.number} · ${formatDateTime(new Date(r.createdAt))} · ${verdictLabel(r.verdict)} · ${formatShare(r.driftShare)}`;
