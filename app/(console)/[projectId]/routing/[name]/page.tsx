"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useParams, useRouter } from "next/navigation";
import { useState } from "react";
import { Alert, Badge, Button, Card, Done, ErrorBox, PageHeader, Skeleton } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { formatDateTime } from "@/app/_lib/format";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";
import { decodeParam } from "@/app/_lib/url";
import { ConfigSummary } from "../_components/ConfigSummary";
import { EditRouter } from "../_components/EditRouter";
import { RouterDashboard } from "../_components/RouterDashboard";
import { formatPercent } from "../_components/shared";
import { TrainRouter } from "../_components/TrainRouter";
import { TryIt } from "../_components/TryIt";

export default function RouterPage() {
  const trpc = useTRPC();
  const project = useProject();
  const nav = useRouter();
  const queryClient = useQueryClient();
  const name = decodeParam(useParams<{ name: string }>().name);
  const r = useQuery(trpc.routing.get.queryOptions({ projectId: project.slug, name }));
  const update = useMutation(trpc.routing.update.mutationOptions());
  const remove = useMutation(trpc.routing.delete.mutationOptions());
  const canWrite = atLeast(project.role, "engineer");
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState(false);
  const back = (
    <Link href={`/${project.slug}/routing`} className="text-sm font-medium text-indigo-600 hover:text-indigo-500">
      All routers
    </Link>
  );

  if (r.isPending) return <Skeleton rows={4} />;
  if (r.isError)
    return (
      <div className="flex flex-col gap-6">
        {back}
        <ErrorBox title="Could not load the router" message={errorMessage(r.error)} onRetry={() => void r.refetch()} />
      </div>
    );
  const d = r.data;
  const config = d.config as Record<string, unknown>;
  // `trained` is untyped jsonb on the wire; its fields are the list's trainedSummary
  const trained = d.trained as unknown as RouterOutputs["routing"]["list"][number]["trainedSummary"];

  async function setActive(active: boolean) {
    try {
      await update.mutateAsync({
        projectId: project.id,
        name: d.name,
        kind: d.kind,
        config,
        fallbacks: d.fallbacks,
        cache: d.cache,
        active,
      });
      await queryClient.invalidateQueries({ queryKey: trpc.routing.pathKey() });
    } catch {
      // shown from update.error
    }
  }
  async function destroy() {
    if (!window.confirm(`Delete router ${d.name}? Calls to router:${d.name} will fail.`)) return;
    try {
      await remove.mutateAsync({ projectId: project.id, name: d.name });
      await queryClient.invalidateQueries({ queryKey: trpc.routing.list.pathKey() });
      nav.push(`/${project.slug}/routing`);
    } catch {
      // shown from remove.error
    }
  }

  return (
    <div className="flex flex-col gap-6">
      {back}
      <PageHeader
        title={d.name}
        description={
          <>
            Call it with <code className="font-mono text-xs">model: "router:{d.name}"</code> at /api/v1/chat/completions.
          </>
        }
        actions={
          canWrite && (
            <>
              <Button
                size="sm"
                onClick={() => {
                  setSaved(false);
                  setEditing(true);
                }}
                disabled={editing}
              >
                Edit
              </Button>
              <Button size="sm" loading={update.isPending} onClick={() => void setActive(!d.active)}>
                {d.active ? "Deactivate" : "Activate"}
              </Button>
              <Button size="sm" variant="danger" loading={remove.isPending} onClick={() => void destroy()}>
                Delete
              </Button>
            </>
          )
        }
      />
      {(update.error || remove.error) && <Alert>{errorMessage(update.error ?? remove.error)}</Alert>}
      {saved && <Done>Saved router {d.name}.</Done>}

      {editing && canWrite && (
        <Card title="Edit router" description="Targets and fallbacks are deployment names. Calls use the new config at once.">
          <EditRouter
            router={d}
            onClose={(ok) => {
              setEditing(false);
              setSaved(ok);
            }}
          />
        </Card>
      )}

      <Card
        title={
          <span className="flex items-center gap-2">
            Configuration <Badge tone="indigo">{d.kind}</Badge>
            {d.active ? <Badge tone="green">active</Badge> : <Badge>inactive</Badge>}
          </span>
        }
      >
        <div className="grid gap-6 md:grid-cols-2">
          <ConfigSummary kind={d.kind} config={config} />
          <dl className="grid grid-cols-[8rem_1fr] gap-x-3 gap-y-1 text-sm text-slate-700">
            <dt className="text-slate-500">Fallbacks</dt>
            <dd>{d.fallbacks.length ? d.fallbacks.join(" → ") : "none"}</dd>
            <dt className="text-slate-500">Exact cache</dt>
            <dd>{d.cache.exact ? `on, ${d.cache.ttlSeconds} s` : "off"}</dd>
            <dt className="text-slate-500">Semantic cache</dt>
            <dd>{d.cache.semantic === null ? "off" : `similarity ≥ ${d.cache.semantic}`}</dd>
            <dt className="text-slate-500">Updated</dt>
            <dd>{formatDateTime(d.updatedAt)}</dd>
          </dl>
        </div>
      </Card>

      {d.kind === "learned" && (
        <Card
          title="Training"
          description={
            trained
              ? `Trained ${formatDateTime(d.trainedAt)} on ${trained.trainedOn} items: threshold ${trained.threshold.toFixed(3)}, large share ${formatPercent(trained.metrics.largeShare)}.`
              : "Not trained yet: the gateway refuses its calls until it is trained."
          }
        >
          {canWrite ? <TrainRouter name={d.name} /> : <p className="text-sm text-slate-500">An engineer can train this router.</p>}
        </Card>
      )}

      <RouterDashboard name={d.name} />

      <Card title="Try it" description="Send one chat request through the gateway and see where it was routed.">
        <TryIt name={d.name} />
      </Card>
    </div>
  );
}
