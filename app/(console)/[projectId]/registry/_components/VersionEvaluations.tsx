"use client";

import { useQueries, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { linkClass } from "@/app/_components/classes";
import { ErrorBox, Skeleton, Table, Td, Th } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { formatDateTime } from "@/app/_lib/format";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { aggregatesOf, fmt, StatusBadge } from "../../evals/_components/figures";
import { GateResults } from "./GateResults";
import { RequestStatus } from "./shared";

/**
 * The eval runs linked to a version (a tuning job links its own; "Link an eval run" adds more), with
 * their exact-match and ROUGE-L figures, and the gate checks of the alias moves requested for it.
 */
export function VersionEvaluations({ model, version }: { model: string; version: number }) {
  const trpc = useTRPC();
  const project = useProject();
  const slug = project.slug;
  // the same query as the lineage card: one request
  const lineage = useQuery(trpc.registry.versions.lineage.queryOptions({ projectId: slug, model, version }));
  const runIds = (lineage.data?.nodes ?? []).filter((n) => n.kind === "eval").map((n) => n.id.slice("eval:".length));
  const runs = useQueries({
    queries: runIds.map((runId) => trpc.evals.runs.get.queryOptions({ projectId: slug, runId })),
  });
  const requests = useQuery(trpc.registry.approvals.list.queryOptions({ projectId: slug, model, limit: 200 }));
  const checked = (requests.data?.items ?? []).filter((r) => r.version === version && r.gateResults.length > 0);

  if (lineage.isPending) return <Skeleton rows={2} />;
  if (lineage.isError)
    return <ErrorBox title="Could not load the eval runs" message={errorMessage(lineage.error)} onRetry={() => void lineage.refetch()} />;
  return (
    <div className="flex flex-col gap-4">
      {runIds.length === 0 ? (
        <p className="text-sm text-slate-500">No eval run is linked to this version.</p>
      ) : (
        <Table label="Eval runs">
          <thead>
            <tr>
              <Th>Eval run</Th>
              <Th>Status</Th>
              <Th>Dataset</Th>
              <Th className="text-right">Exact match</Th>
              <Th className="text-right">ROUGE-L F</Th>
              <Th>Created</Th>
            </tr>
          </thead>
          <tbody>
            {runIds.map((id, i) => {
              const q = runs[i];
              const r = q?.data;
              const means = aggregatesOf(r?.aggregates).means ?? {};
              return (
                <tr key={id}>
                  <Td>
                    <Link href={`/${slug}/evals/runs/${id}`} className={linkClass}>
                      {r?.name ?? `run ${id.slice(0, 8)}`}
                    </Link>
                    {q?.isError && <span className="ml-2 text-xs text-red-700">{errorMessage(q.error)}</span>}
                  </Td>
                  <Td>{r ? <StatusBadge status={r.status} /> : "…"}</Td>
                  <Td>
                    {r?.dataset
                      ? `${r.dataset.name} v${r.dataset.version}${r.target.kind === "version" && r.target.split ? ` (${r.target.split})` : ""}`
                      : "—"}
                  </Td>
                  <Td className="text-right tabular-nums">{fmt(means["exact_match.score"]?.mean)}</Td>
                  <Td className="text-right tabular-nums">{fmt(means["rougeL.fmeasure"]?.mean)}</Td>
                  <Td className="whitespace-nowrap">{r ? formatDateTime(r.createdAt) : "—"}</Td>
                </tr>
              );
            })}
          </tbody>
        </Table>
      )}
      {checked.length > 0 && (
        <div className="flex flex-col gap-3">
          {checked.map((r) => (
            <section key={r.id} aria-label={`Gate checks for @${r.alias}`} className="flex flex-col gap-2">
              <p className="flex items-center gap-2 text-sm text-slate-700">
                <span>
                  Gates checked when @{r.alias} was requested for v{version}
                </span>
                <RequestStatus status={r.status} />
                <span className="text-xs text-slate-500">{formatDateTime(r.createdAt)}</span>
              </p>
              <GateResults checks={r.gateResults} label={`Gates for @${r.alias}`} />
            </section>
          ))}
        </div>
      )}
    </div>
  );
}
