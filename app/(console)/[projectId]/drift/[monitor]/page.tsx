"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useParams, usePathname, useRouter, useSearchParams } from "next/navigation";
import { Suspense } from "react";
import { buttonClass } from "@/app/_components/classes";
import { Alert, BackLink, Button, Card, ErrorBox, PageHeader, Skeleton } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { formatDateTime } from "@/app/_lib/format";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { useTRPC } from "@/app/_lib/trpc";
import { decodeParam } from "@/app/_lib/url";
import { AlertRules } from "../_components/AlertRules";
import { AlertsTable } from "../_components/AlertsTable";
import { sourceSummary, windowsSummary } from "../_components/format";
import { RunSection } from "../_components/RunSection";
import { driftHref, editMonitorHref } from "../_components/shared";
import { TimelineChart } from "../_components/TimelineChart";
import { configOf } from "../_components/types";

export default function MonitorPage() {
  // useSearchParams needs a Suspense boundary when Next renders the page ahead of the request.
  return (
    <Suspense fallback={<Skeleton rows={6} />}>
      <Monitor />
    </Suspense>
  );
}

function Monitor() {
  const trpc = useTRPC();
  const project = useProject();
  const slug = project.slug;
  const nav = useRouter();
  const pathname = usePathname();
  const queryClient = useQueryClient();
  const ref = decodeParam(useParams<{ monitor: string }>().monitor);
  const runId = useSearchParams().get("run");
  const canWrite = atLeast(project.role, "engineer");
  const monitor = useQuery(trpc.drift.monitors.get.queryOptions({ projectId: slug, monitor: ref }, { refetchInterval: 60_000 }));
  const run = useMutation(trpc.drift.monitors.run.mutationOptions());
  const remove = useMutation(trpc.drift.monitors.delete.mutationOptions());
  const back = <BackLink href={driftHref(slug)}>All monitors</BackLink>;
  const pick = (id: string) => nav.replace(`${pathname}?run=${encodeURIComponent(id)}`, { scroll: false });

  if (monitor.isPending) return <Skeleton rows={6} />;
  if (monitor.isError)
    return (
      <div className="flex flex-col gap-6">
        {back}
        <ErrorBox title="Could not load the monitor" message={errorMessage(monitor.error)} onRetry={() => void monitor.refetch()} />
      </div>
    );
  const m = monitor.data;
  const config = configOf(m);
  const threshold = config.driftShare ?? 0.5;

  async function runNow() {
    try {
      const r = await run.mutateAsync({ projectId: slug, monitor: m.id });
      await queryClient.invalidateQueries({ queryKey: trpc.drift.pathKey() });
      pick(r.id);
    } catch {
      // shown under the header
    }
  }
  async function destroy() {
    if (!window.confirm(`Delete monitor ${m.name} with its runs, alert rules and alerts?`)) return;
    try {
      await remove.mutateAsync({ projectId: slug, monitor: m.id });
    } catch {
      return;
    }
    await queryClient.invalidateQueries({ queryKey: trpc.drift.pathKey() });
    nav.push(driftHref(slug));
  }

  return (
    <div className="flex flex-col gap-6">
      {back}
      <PageHeader
        title={m.name}
        description={
          <span className="flex flex-col gap-0.5">
            {m.description && <span>{m.description}</span>}
            <span>
              {sourceSummary(config)} · {windowsSummary(config)}
            </span>
            <span>
              {m.schedule ? (
                <>
                  Runs on <code className="font-mono text-xs">{m.schedule}</code> (UTC)
                  {m.nextRunAt ? `, next ${formatDateTime(new Date(m.nextRunAt))}` : ""}
                </>
              ) : (
                "Runs on demand only"
              )}
              {!m.active && " · paused"} · at least {config.minSamples ?? 30} rows per window
            </span>
          </span>
        }
        actions={
          canWrite && (
            <>
              <Button variant="primary" loading={run.isPending} onClick={() => void runNow()}>
                Run now
              </Button>
              <Link href={editMonitorHref(slug, m.id)} className={buttonClass("secondary")}>
                Edit
              </Link>
              <Button variant="danger" loading={remove.isPending} onClick={() => void destroy()}>
                Delete
              </Button>
            </>
          )
        }
      />
      {(run.error || remove.error) && <Alert>{errorMessage(run.error ?? remove.error)}</Alert>}

      <Card title="Verdicts over time">
        {m.timeline.length === 0 ? (
          <p className="text-sm text-slate-500">No runs yet.</p>
        ) : (
          <TimelineChart timeline={m.timeline} threshold={threshold} selectedRunId={runId ?? m.timeline.at(-1)?.id} onSelect={pick} />
        )}
      </Card>

      <Card title="Run" description="Pick a run to see its windows, each column's test and the distributions behind it.">
        <RunSection monitorId={m.id} runId={runId} threshold={threshold} onPick={pick} />
      </Card>

      <Card
        title="Alert rules"
        description="Checked after every run. A firing rule records an alert, sends the drift.alert webhook and, with a retraining, proposes a tuning job for approval."
      >
        <AlertRules monitorId={m.id} columns={config.columns.map((c) => c.name)} />
      </Card>

      <div id="alerts" className="scroll-mt-6">
        <Card title="Alerts">
          <AlertsTable monitorId={m.id} />
        </Card>
      </div>
    </div>
  );
}
