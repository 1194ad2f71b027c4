"use client";

import { useQuery } from "@tanstack/react-query";
import { useParams } from "next/navigation";
import { BackLink, Card, ErrorBox, PageHeader, Skeleton, When } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { useTRPC } from "@/app/_lib/trpc";
import { decodeParam } from "@/app/_lib/url";
import { AliasPanel } from "../../_components/AliasPanel";
import { ApprovalRequests } from "../../_components/ApprovalRequests";
import { PolicyEditor } from "../../_components/PolicyEditor";
import { RegistryNav } from "../../_components/RegistryNav";
import { AliasBadge } from "../../_components/shared";
import { UploadVersion } from "../../_components/UploadVersion";
import { VersionsTable } from "../../_components/VersionsTable";

export default function ModelPage() {
  const trpc = useTRPC();
  const project = useProject();
  const model = decodeParam(useParams<{ name: string }>().name);
  const m = useQuery(trpc.registry.models.get.queryOptions({ projectId: project.slug, model }));
  const canWrite = atLeast(project.role, "engineer");
  const back = <BackLink href={`/${project.slug}/registry`}>All models</BackLink>;

  if (m.isPending) return <Skeleton rows={4} />;
  if (m.isError)
    return (
      <div className="flex flex-col gap-6">
        {back}
        <ErrorBox title="Could not load the model" message={errorMessage(m.error)} onRetry={() => void m.refetch()} />
      </div>
    );
  const d = m.data;
  return (
    <div className="flex flex-col gap-6">
      <RegistryNav />
      {back}
      <PageHeader
        title={d.name}
        description={
          <span className="flex flex-col gap-2">
            {d.description && <span>{d.description}</span>}
            <span className="flex flex-wrap items-center gap-2">
              {d.task && <span>Task: {d.task}</span>}
              <span>
                · {d.latestVersion} version{d.latestVersion === 1 ? "" : "s"}
              </span>
              <span>
                · updated <When at={d.updatedAt} />
              </span>
            </span>
            {d.aliases.length > 0 && (
              <span className="flex flex-wrap gap-1">
                {d.aliases.map((a) => (
                  <AliasBadge key={a.alias} alias={a.alias} version={a.version} />
                ))}
              </span>
            )}
          </span>
        }
      />

      {canWrite && (
        <Card
          title="Upload a version"
          description="A folder (or files) of model artifacts: a transformers.js or ONNX model, or any files. The next version number is assigned on upload."
        >
          <UploadVersion model={d.name} />
        </Card>
      )}

      <Card title="Versions" description="Newest first. Versions are immutable; only their status and card change.">
        <VersionsTable model={d.name} />
      </Card>

      <Card
        title="Aliases"
        description="Names that apps load (name@production). Guarded aliases pass gates and approvals before they move."
      >
        <AliasPanel model={d.name} aliases={d.aliases} />
      </Card>

      <Card title="Approval requests" description="Moves of guarded aliases waiting for (or decided by) a vote.">
        <ApprovalRequests model={d.name} />
      </Card>

      <Card title="Approval policy" description="Gates every move must pass, and how many approvals from which roles.">
        <PolicyEditor model={d.name} policy={d.policy} />
      </Card>
    </div>
  );
}
