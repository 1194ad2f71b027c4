"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { Suspense } from "react";
import { cx } from "@/app/_components/classes";
import { BackLink, Card, ErrorBox, PageHeader, Skeleton, Table, Td, Th } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { type ChartSeries, MetricChart, RUN_COLORS } from "../_components/MetricChart";
import { RegistryNav } from "../_components/RegistryNav";
import { RunStatusBadge } from "../_components/runs";
import { experimentHref, formatValue, runHref } from "../_components/shared";

export default function CompareRunsPage() {
  return (
    <Suspense fallback={<Skeleton rows={4} />}>
      <Compare />
    </Suspense>
  );
}

function Compare() {
  const trpc = useTRPC();
  const project = useProject();
  const params = useSearchParams();
  const runIds = [
    ...new Set(
      (params.get("runs") ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
  const valid = runIds.length >= 2 && runIds.length <= 10;
  // first the runs, params and latest metrics; then the curves of (up to 20 of) their metric keys
  const base = useQuery(trpc.registry.experiments.compare.queryOptions({ projectId: project.slug, runIds, keys: [] }, { enabled: valid }));
  const keys = (base.data?.metrics ?? []).map((m) => m.key).slice(0, 20);
  const curves = useQuery(
    trpc.registry.experiments.compare.queryOptions(
      { projectId: project.slug, runIds, keys, maxPoints: 1000 },
      { enabled: valid && keys.length > 0 },
    ),
  );
  const back = <BackLink href={`/${project.slug}/registry/experiments`}>All experiments</BackLink>;

  if (!valid)
    return (
      <div className="flex flex-col gap-6">
        {back}
        <ErrorBox title="Nothing to compare" message="Select 2 to 10 runs in an experiment's runs table, then press Compare." />
      </div>
    );
  if (base.isPending) return <Skeleton rows={4} />;
  if (base.isError)
    return (
      <div className="flex flex-col gap-6">
        {back}
        <ErrorBox title="Could not compare the runs" message={errorMessage(base.error)} onRetry={() => void base.refetch()} />
      </div>
    );
  const c = base.data;
  const colorOf = (runId: string) => RUN_COLORS[c.runs.findIndex((r) => r.id === runId) % RUN_COLORS.length] as string;
  const nameOf = (runId: string) => c.runs.find((r) => r.id === runId)?.name ?? runId.slice(0, 8);
  const experimentId = c.runs[0]?.experimentId;

  return (
    <div className="flex flex-col gap-6">
      <RegistryNav />
      {experimentId ? <BackLink href={experimentHref(project.slug, experimentId)}>Experiment</BackLink> : back}
      <PageHeader
        title="Compare runs"
        description={`${c.runs.length} runs: curves overlaid per metric, and their parameters side by side.`}
      />

      <Card title="Runs">
        <ul aria-label="Compared runs" className="flex flex-wrap gap-x-6 gap-y-2 text-sm">
          {c.runs.map((r) => (
            <li key={r.id} className="flex items-center gap-2">
              <span aria-hidden="true" className="inline-block size-3 rounded-sm" style={{ backgroundColor: colorOf(r.id) }} />
              <Link href={runHref(project.slug, r.id)} className="font-medium text-indigo-600 hover:text-indigo-500">
                {r.name}
              </Link>
              <RunStatusBadge status={r.status} />
            </li>
          ))}
        </ul>
      </Card>

      <Card title="Metric curves" description="One chart per metric; one line per run, in the colours above.">
        {keys.length === 0 ? (
          <p className="text-sm text-slate-500">These runs logged no metrics.</p>
        ) : curves.isPending ? (
          <Skeleton rows={3} />
        ) : curves.isError ? (
          <ErrorBox title="Could not load the curves" message={errorMessage(curves.error)} onRetry={() => void curves.refetch()} />
        ) : (
          <div className="grid gap-6 md:grid-cols-2">
            {keys.map((key) => {
              const series: ChartSeries[] = curves.data.series
                .filter((s) => s.key === key && s.values.length > 0)
                .map((s) => ({ label: nameOf(s.runId), color: colorOf(s.runId), steps: s.steps, values: s.values }));
              return <MetricChart key={key} title={key} series={series} />;
            })}
          </div>
        )}
      </Card>

      <Card title="Latest metrics">
        <Table label="Latest metrics by run">
          <thead>
            <tr>
              <Th>Metric</Th>
              {c.runs.map((r) => (
                <Th key={r.id} className="text-right normal-case">
                  {r.name}
                </Th>
              ))}
            </tr>
          </thead>
          <tbody>
            {c.metrics.map((m) => (
              <tr key={m.key}>
                <Td className="font-mono text-xs">{m.key}</Td>
                {m.values.map((v, i) => (
                  <Td key={c.runs[i]?.id ?? i} className="text-right tabular-nums">
                    {v === null ? <span className="text-slate-300">—</span> : formatValue(v)}
                  </Td>
                ))}
              </tr>
            ))}
          </tbody>
        </Table>
      </Card>

      <Card title="Parameters" description="Rows whose values differ between the runs are highlighted.">
        {c.params.length === 0 ? (
          <p className="text-sm text-slate-500">No parameters logged.</p>
        ) : (
          <Table label="Parameters by run">
            <thead>
              <tr>
                <Th>Parameter</Th>
                {c.runs.map((r) => (
                  <Th key={r.id} className="normal-case">
                    {r.name}
                  </Th>
                ))}
              </tr>
            </thead>
            <tbody>
              {c.params.map((p) => (
                <tr key={p.key} className={cx(p.differs && "bg-amber-50")} data-differs={p.differs || undefined}>
                  <Td className="font-mono text-xs">
                    {p.key}
                    {p.differs && <span className="ml-2 font-sans text-xs font-medium text-amber-800">differs</span>}
                  </Td>
                  {p.values.map((v, i) => (
                    <Td key={c.runs[i]?.id ?? i} className={cx("font-mono text-xs", p.differs && "font-semibold text-amber-900")}>
                      {v ?? <span className="text-slate-300">—</span>}
                    </Td>
                  ))}
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </Card>
    </div>
  );
}
