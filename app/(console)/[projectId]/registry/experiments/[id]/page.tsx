"use client";

import { useQuery } from "@tanstack/react-query";
import { useParams } from "next/navigation";
import { BackLink, Card, ErrorBox, PageHeader, Skeleton } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { formatDateTime } from "@/app/_lib/format";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { decodeParam } from "@/app/_lib/url";
import { RegistryNav } from "../../_components/RegistryNav";
import { RunsTable } from "../../_components/RunsTable";

export default function ExperimentPage() {
  const trpc = useTRPC();
  const project = useProject();
  const id = decodeParam(useParams<{ id: string }>().id);
  const exp = useQuery(trpc.registry.experiments.get.queryOptions({ projectId: project.slug, experimentId: id }));
  const back = <BackLink href={`/${project.slug}/registry/experiments`}>All experiments</BackLink>;

  if (exp.isPending) return <Skeleton rows={4} />;
  if (exp.isError)
    return (
      <div className="flex flex-col gap-6">
        {back}
        <ErrorBox title="Could not load the experiment" message={errorMessage(exp.error)} onRetry={() => void exp.refetch()} />
      </div>
    );
  const e = exp.data;
  return (
    <div className="flex flex-col gap-6">
      <RegistryNav />
      {back}
      <PageHeader
        title={e.name}
        description={
          <span className="flex flex-col gap-1">
            {e.description && <span>{e.description}</span>}
            <span>
              Created {formatDateTime(e.createdAt)}
              {e.lifecycleStage === "deleted" ? " · deleted" : ""}
            </span>
          </span>
        }
      />
      <Card title="Runs" description="Latest value of each metric. Click a column header to sort; select runs to compare their curves.">
        <RunsTable experimentId={e.id} />
      </Card>
    </div>
  );
}
