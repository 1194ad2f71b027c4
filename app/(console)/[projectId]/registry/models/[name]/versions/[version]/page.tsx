"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useParams } from "next/navigation";
import { Alert, BackLink, Button, Card, ErrorBox, PageHeader, Skeleton } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { formatDateTime } from "@/app/_lib/format";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";
import { decodeParam } from "@/app/_lib/url";
import { useRegistryRefresh } from "@/app/(console)/[projectId]/registry/_components/AliasPanel";
import { FilesTable } from "@/app/(console)/[projectId]/registry/_components/FilesTable";
import { LineageGraph } from "@/app/(console)/[projectId]/registry/_components/LineageGraph";
import { LinkEvalRun } from "@/app/(console)/[projectId]/registry/_components/LinkEvalRun";
import { RegistryNav } from "@/app/(console)/[projectId]/registry/_components/RegistryNav";
import {
  AliasBadge,
  artifactHref,
  formatBytes,
  KeyValues,
  modelHref,
  VersionStatus,
  versionHref,
} from "@/app/(console)/[projectId]/registry/_components/shared";
import { VersionCard } from "@/app/(console)/[projectId]/registry/_components/VersionCard";
import { VersionEvaluations } from "@/app/(console)/[projectId]/registry/_components/VersionEvaluations";

type Version = RouterOutputs["registry"]["versions"]["get"];

export default function VersionPage() {
  const trpc = useTRPC();
  const project = useProject();
  const params = useParams<{ name: string; version: string }>();
  const model = decodeParam(params.name);
  const raw = decodeParam(params.version);
  // a number, or an alias name (…/versions/production)
  const ref = /^\d+$/.test(raw) ? Number(raw) : raw;
  const v = useQuery(trpc.registry.versions.get.queryOptions({ projectId: project.slug, model, version: ref }));
  const back = <BackLink href={modelHref(project.slug, model)}>{model}</BackLink>;

  if (v.isPending) return <Skeleton rows={4} />;
  if (v.isError)
    return (
      <div className="flex flex-col gap-6">
        {back}
        <ErrorBox title="Could not load the version" message={errorMessage(v.error)} onRetry={() => void v.refetch()} />
      </div>
    );
  const d = v.data;
  return (
    <div className="flex flex-col gap-6">
      <RegistryNav />
      {back}
      <PageHeader
        title={`${d.model} v${d.version}`}
        description={
          <span className="flex flex-wrap items-center gap-2">
            <VersionStatus status={d.status} />
            <span>{d.format}</span>
            <span>
              · {d.fileCount} file{d.fileCount === 1 ? "" : "s"}, {formatBytes(d.totalSize)}
            </span>
            <span>· created {formatDateTime(d.createdAt)}</span>
            {d.aliases.map((a) => (
              <AliasBadge key={a} alias={a} />
            ))}
          </span>
        }
        actions={atLeast(project.role, "engineer") ? <ArchiveButton version={d} /> : undefined}
      />
      {d.description && <p className="-mt-4 text-sm text-slate-700">{d.description}</p>}

      <div className="grid gap-6 lg:grid-cols-2">
        <Card title="Details">
          <KeyValues
            label="Details"
            values={{
              source: d.source.kind === "uri" ? `uri ${d.source.uri}` : d.source.kind,
              ...(d.codeRevision ? { "code revision": d.codeRevision } : {}),
              ...d.metadata,
            }}
          />
        </Card>
        <Card title="Metrics">
          <KeyValues label="Metrics" values={d.metrics} empty="No metrics recorded." />
        </Card>
        <Card title="Parameters" className="lg:col-span-2">
          <KeyValues label="Parameters" values={d.params} empty="No parameters recorded." />
        </Card>
      </div>

      <Card title="Lineage" description="Where this version came from, what scored it and what serves it.">
        <Lineage model={d.model} version={d.version} />
      </Card>

      <Card title="Evaluations" description="Eval runs that scored this version, and the gates its alias requests were checked against.">
        <VersionEvaluations model={d.model} version={d.version} />
      </Card>

      {atLeast(project.role, "engineer") && (
        <Card title="Link an eval run" description="An eval run that scored this version's predictions.">
          <LinkEvalRun model={d.model} version={d.version} />
        </Card>
      )}

      <Card title="Files" description="Download any artifact; each is stored once by its sha256.">
        {d.files.length === 0 ? (
          <p className="text-sm text-slate-500">No files{d.source.kind === "uri" ? ": the artifacts live at the URI above." : "."}</p>
        ) : (
          <FilesTable label="Files" files={d.files} href={(path) => artifactHref(project.slug, d.model, d.version, path)} />
        )}
      </Card>

      <Card title="Model card">
        <VersionCard model={d.model} version={d.version} card={d.card} />
      </Card>
    </div>
  );
}

function Lineage({ model, version }: { model: string; version: number }) {
  const trpc = useTRPC();
  const project = useProject();
  const g = useQuery(trpc.registry.versions.lineage.queryOptions({ projectId: project.slug, model, version }));
  if (g.isPending) return <Skeleton rows={2} />;
  if (g.isError) return <ErrorBox title="Could not load the lineage" message={errorMessage(g.error)} onRetry={() => void g.refetch()} />;
  const parent = g.data.nodes.find((n) => n.kind === "parent");
  const parentNumber = parent ? Number(/ v(\d+)$/.exec(parent.label)?.[1]) : Number.NaN;
  return (
    <div className="flex flex-col gap-2">
      <LineageGraph graph={g.data} slug={project.slug} model={`${model} v${version}`} />
      {Number.isInteger(parentNumber) && (
        <p className="text-sm">
          Parent:{" "}
          <Link href={versionHref(project.slug, model, parentNumber)} className="font-medium text-indigo-600 hover:text-indigo-500">
            v{parentNumber}
          </Link>
        </p>
      )}
    </div>
  );
}

function ArchiveButton({ version }: { version: Version }) {
  const trpc = useTRPC();
  const project = useProject();
  const refresh = useRegistryRefresh();
  const update = useMutation(trpc.registry.versions.update.mutationOptions({ onSuccess: () => void refresh() }));
  if (version.status !== "ready" && version.status !== "archived") return null;
  const archive = version.status === "ready";
  return (
    <div className="flex flex-col items-end gap-2">
      <Button
        variant={archive ? "danger" : "secondary"}
        loading={update.isPending}
        onClick={() =>
          update.mutate({ projectId: project.id, model: version.model, version: version.version, status: archive ? "archived" : "ready" })
        }
      >
        {archive ? "Archive version" : "Restore version"}
      </Button>
      {update.error && <Alert>{errorMessage(update.error)}</Alert>}
    </div>
  );
}
