"use client";

import { useQuery } from "@tanstack/react-query";
import { useParams } from "next/navigation";
import { BackLink, ErrorBox, PageHeader, Skeleton } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { useTRPC } from "@/app/_lib/trpc";
import { decodeParam } from "@/app/_lib/url";
import { MonitorForm } from "../../_components/MonitorForm";
import { monitorHref } from "../../_components/shared";

export default function EditMonitorPage() {
  const trpc = useTRPC();
  const project = useProject();
  const ref = decodeParam(useParams<{ monitor: string }>().monitor);
  const monitor = useQuery(trpc.drift.monitors.get.queryOptions({ projectId: project.slug, monitor: ref }));
  const back = <BackLink href={monitorHref(project.slug, monitor.data?.id ?? ref)}>{monitor.data?.name ?? "Monitor"}</BackLink>;
  if (monitor.isPending) return <Skeleton rows={6} />;
  if (monitor.isError)
    return (
      <div className="flex flex-col gap-6">
        {back}
        <ErrorBox title="Could not load the monitor" message={errorMessage(monitor.error)} onRetry={() => void monitor.refetch()} />
      </div>
    );
  return (
    <div className="flex flex-col gap-6">
      {back}
      <PageHeader
        title={`Edit ${monitor.data.name}`}
        description="Changes apply from the next run; past runs keep the configuration they ran with."
      />
      {atLeast(project.role, "engineer") ? (
        <MonitorForm key={monitor.data.id} monitor={monitor.data} />
      ) : (
        <p className="text-sm text-slate-600">Editing monitors needs the engineer role or higher.</p>
      )}
    </div>
  );
}
