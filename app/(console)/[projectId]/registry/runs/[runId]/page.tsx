"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useParams } from "next/navigation";
import { BackLink, Card, ErrorBox, PageHeader, Skeleton, Table, Td, Th } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { formatDateTime } from "@/app/_lib/format";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { decodeParam } from "@/app/_lib/url";
import { FilesTable } from "../../_components/FilesTable";
import { MetricChart, RUN_COLORS } from "../../_components/MetricChart";
import { RegistryNav } from "../../_components/RegistryNav";
import { duration, RunStatusBadge } from "../../_components/runs";
import { experimentHref, formatValue, KeyValues, runArtifactHref } from "../../_components/shared";

export default function RunPage() {
  const trpc = useTRPC();
  const project = useProject();
  const runId = decodeParam(useParams<{ runId: string }>().runId);
  const run = useQuery(
    trpc.registry.experiments.run.queryOptions(
      { projectId: project.slug, runId },
      { refetchInterval: (q) => (q.state.data?.status === "RUNNING" ? 5000 : false) },
    ),
  );
  const back = <BackLink href={`/${project.slug}/registry/experiments`}>All experiments</BackLink>;

  if (run.isPending) return <Skeleton rows={4} />;
  if (run.isError)
    return (
      <div className="flex flex-col gap-6">
        {back}
        <ErrorBox title="Could not load the run" message={errorMessage(run.error)} onRetry={() => void run.refetch()} />
      </div>
    );
  const r = run.data;
  return (
    <div className="flex flex-col gap-6">
      <RegistryNav />
      <BackLink href={experimentHref(project.slug, r.experimentId)}>{r.experimentName}</BackLink>
      <PageHeader
        title={r.name}
        description={
          <span className="flex flex-wrap items-center gap-2">
            <RunStatusBadge status={r.status} />
            <span>
              in{" "}
              <Link href={experimentHref(project.slug, r.experimentId)} className="font-medium text-indigo-600 hover:text-indigo-500">
                {r.experimentName}
              </Link>
            </span>
            <span>· started {formatDateTime(new Date(r.startTime))}</span>
            {r.endTime !== null && <span>· ran {duration(r.startTime, r.endTime)}</span>}
            {r.userName && <span>· by {r.userName}</span>}
          </span>
        }
      />
      <div className="grid gap-6 lg:grid-cols-2">
        <Card title="Parameters">
          <KeyValues label="Parameters" values={r.params} empty="No parameters logged." />
        </Card>
        <Card title="Tags">
          <KeyValues label="Tags" values={r.tags} empty="No tags." />
        </Card>
      </div>
      <Card title="Metrics" description="One chart per metric over its steps; the table has each latest value.">
        <Metrics runId={r.id} latest={r.metrics} />
      </Card>
      <Card title="Artifacts">
        {r.artifacts.length === 0 ? (
          <p className="text-sm text-slate-500">No artifacts logged.</p>
        ) : (
          <FilesTable label="Artifacts" files={r.artifacts} href={(path) => runArtifactHref(project.slug, r.id, path)} />
        )}
      </Card>
    </div>
  );
}

function Metrics({ runId, latest }: { runId: string; latest: { key: string; value: number; step: number; timestamp: number }[] }) {
  const trpc = useTRPC();
  const project = useProject();
  const keys = latest.map((m) => m.key).slice(0, 20);
  const history = useQuery(
    trpc.registry.experiments.metricHistory.queryOptions(
      { projectId: project.slug, runId, keys, maxPoints: 1000 },
      { enabled: keys.length > 0 },
    ),
  );
  if (latest.length === 0) return <p className="text-sm text-slate-500">No metrics logged.</p>;
  return (
    <div className="flex flex-col gap-6">
      {history.isPending ? (
        <Skeleton rows={3} />
      ) : history.isError ? (
        <ErrorBox title="Could not load metric history" message={errorMessage(history.error)} onRetry={() => void history.refetch()} />
      ) : (
        <div className="grid gap-6 md:grid-cols-2">
          {history.data.map((s) => (
            <MetricChart
              key={s.key}
              title={s.key}
              series={[{ label: s.key, color: RUN_COLORS[0] as string, steps: s.steps, values: s.values }]}
            />
          ))}
        </div>
      )}
      <Table label="Latest metrics">
        <thead>
          <tr>
            <Th>Metric</Th>
            <Th className="text-right">Latest</Th>
            <Th className="text-right">Step</Th>
          </tr>
        </thead>
        <tbody>
          {latest.map((m) => (
            <tr key={m.key}>
              <Td className="font-mono text-xs">{m.key}</Td>
              <Td className="text-right tabular-nums">{formatValue(m.value)}</Td>
              <Td className="text-right tabular-nums">{m.step}</Td>
            </tr>
          ))}
        </tbody>
      </Table>
      {latest.length > 20 && <p className="text-xs text-slate-500">Charts show the first 20 metrics.</p>}
    </div>
  );
}
