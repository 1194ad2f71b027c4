"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useParams } from "next/navigation";
import { BackLink, Card, ErrorBox, PageHeader, Skeleton, Table, Td, Th } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { formatCost, formatDateTime } from "@/app/_lib/format";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";
import { aggregatesOf, figureLabel, fmt, isFinished, orderFigures, StatusBadge, targetLabel } from "../../_components/figures";
import { GatePanel } from "../../_components/GatePanel";
import { RunItems } from "../../_components/RunItems";
import { RunSummary } from "../../_components/RunSummary";

type Run = RouterOutputs["evals"]["runs"]["get"];

export default function RunPage() {
  const trpc = useTRPC();
  const project = useProject();
  const projectId = project.slug;
  const { runId } = useParams<{ runId: string }>();
  const run = useQuery(
    trpc.evals.runs.get.queryOptions(
      { projectId, runId },
      { refetchInterval: (q) => (q.state.data && isFinished(q.state.data.status) ? false : 1500) },
    ),
  );

  const back = <BackLink href={`/${projectId}/evals`}>Evaluations</BackLink>;
  if (run.isPending) return <Skeleton rows={4} />;
  if (run.isError)
    return (
      <div className="flex flex-col gap-6">
        {back}
        <ErrorBox title="Could not load the run" message={errorMessage(run.error)} onRetry={() => void run.refetch()} />
      </div>
    );
  const r = run.data;
  const live = r.target.kind === "deployment" || r.target.kind === "model" || r.target.kind === "router";
  return (
    <div className="flex flex-col gap-6">
      {back}
      <PageHeader
        title={r.name}
        description={
          <span className="flex flex-wrap items-center gap-2">
            <StatusBadge status={r.status} />
            <span>{r.dataset ? `${r.dataset.name} v${r.dataset.version}` : "dataset version unavailable"}</span>
            <span>
              · target <code className="font-mono text-xs">{targetLabel(r.target)}</code>
            </span>
            {r.prompt && (
              <span>
                · prompt{" "}
                <Link
                  href={`/${project.slug}/registry/prompts/${encodeURIComponent(r.prompt.name)}`}
                  className="text-indigo-600 hover:text-indigo-500"
                >
                  {r.prompt.name} v{r.prompt.version}
                </Link>
                {r.prompt.label ? ` (@${r.prompt.label} when the run started)` : ""}
              </span>
            )}
            {(failedOf(r.aggregates) ?? 0) > 0 && <span>· {failedOf(r.aggregates)} items failed</span>}
            <span>· started {formatDateTime(r.createdAt)}</span>
            {r.finishedAt && <span>· finished {formatDateTime(r.finishedAt)}</span>}
          </span>
        }
      />
      {!isFinished(r.status) && <RunProgress done={r.itemsDone} total={r.itemsTotal} status={r.status} />}
      {r.status === "failed" && <ErrorBox title="The run failed" message={r.error ?? "No error was recorded."} />}
      {/* a failed run (a cost ceiling, say) keeps what it scored: shown as a finished one */}
      {(r.status === "succeeded" || (r.status === "failed" && r.itemsDone > 0)) && (
        <>
          {live && <RunSummary aggregates={r.aggregates} items={r.itemsDone} />}
          <Figures run={r} />
          {r.status === "succeeded" && atLeast(project.role, "engineer") && <Gate run={r} />}
          <RunItems projectId={projectId} runId={r.id} live={live} />
        </>
      )}
    </div>
  );
}

function RunProgress({ done, total, status }: { done: number; total: number; status: string }) {
  // The server counts the items scored so far against the version's rows; the run query refetches while it runs.
  const pct = total > 0 ? Math.min(100, Math.round((done / total) * 100)) : null;
  return (
    <Card title="Progress">
      <div role="status" className="flex flex-col gap-2 text-sm text-slate-600">
        <p>
          {status === "queued" ? "Waiting for a worker…" : "Scoring…"} {total > 0 ? `${done} / ${total} items` : null}
        </p>
        <div
          className="h-2 w-full overflow-hidden rounded-full bg-slate-100"
          role="progressbar"
          aria-label="Run progress"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={pct ?? undefined}
        >
          <div
            className={pct === null ? "h-full w-1/3 animate-pulse bg-indigo-300" : "h-full bg-indigo-500"}
            style={pct === null ? undefined : { width: `${pct}%` }}
          />
        </div>
      </div>
    </Card>
  );
}

function Figures({ run }: { run: Run }) {
  const agg = aggregatesOf(run.aggregates);
  const means = agg.means ?? {};
  const corpus = agg.corpus ?? {};
  return (
    <Card title="Figures" description="Mean over items with a 95% bootstrap interval; corpus scores pool all items.">
      <div className="flex flex-col gap-4">
        <div className="flex flex-wrap gap-3">
          {(["bleu", "chrf"] as const).map((k) =>
            corpus[k]?.score !== undefined ? (
              <div key={k} className="rounded-md border border-slate-200 px-4 py-2">
                <p className="text-xs text-slate-500">Corpus {k === "bleu" ? "BLEU" : "chrF"}</p>
                <p className="text-lg font-semibold text-slate-900 tabular-nums">{fmt(corpus[k]?.score, 2)}</p>
              </div>
            ) : null,
          )}
        </div>
        <Table label="Aggregates">
          <thead>
            <tr>
              <Th>Figure</Th>
              <Th className="text-right">Mean</Th>
              <Th>95% interval</Th>
              <Th className="text-right">Items</Th>
            </tr>
          </thead>
          <tbody>
            {orderFigures(Object.keys(means)).map((k) => {
              const m = means[k];
              return (
                <tr key={k}>
                  <Td>
                    {figureLabel(k)} <code className="ml-1 font-mono text-xs text-slate-400">{k}</code>
                  </Td>
                  <Td className="text-right font-medium tabular-nums">{show(k, m?.mean)}</Td>
                  <Td className="tabular-nums">
                    {show(k, m?.low)} – {show(k, m?.high)}
                  </Td>
                  <Td className="text-right tabular-nums">{m?.n}</Td>
                </tr>
              );
            })}
          </tbody>
        </Table>
      </div>
    </Card>
  );
}

/** Gate this run, against another succeeded run as an optional baseline. */
function Gate({ run }: { run: Run }) {
  const trpc = useTRPC();
  const project = useProject();
  const runs = useQuery(trpc.evals.runs.list.queryOptions({ projectId: project.slug, limit: 100 }));
  const others = (runs.data?.items ?? []).filter((x) => x.id !== run.id && x.status === "succeeded");
  return <GatePanel runs={[{ id: run.id, name: run.name }]} baselines={others} />;
}

/** How many generated items failed (runs on a live target record it in their aggregates). */
const failedOf = (aggregates: unknown) => (aggregates as { failed?: number } | null)?.failed;

/** A figure's value: USD as money (per-item costs are far below a cent), others by size. */
const show = (key: string, n: number | undefined) => (key === "cost.usd" ? formatCost(n) : fmt(n));
