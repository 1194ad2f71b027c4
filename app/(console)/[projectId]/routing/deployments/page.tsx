"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { buttonClass } from "@/app/_components/classes";
import { EmptyState } from "@/app/_components/EmptyState";
import { Badge, Card, Done, ErrorBox, PageHeader, Skeleton, Table, Td, Th } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { useTRPC } from "@/app/_lib/trpc";
import { EditDeployment, EditProvider } from "../_components/EditDeployment";
import { NewDeployment, NewProvider } from "../_components/NewDeployment";
import { EditCell } from "../_components/shared";

const dash = <span className="text-slate-400">—</span>;

export default function DeploymentsPage() {
  const trpc = useTRPC();
  const project = useProject();
  const projectId = project.slug;
  const canWrite = atLeast(project.role, "engineer");
  const canAdmin = atLeast(project.role, "admin");
  const deployments = useQuery(trpc.serving.deployments.list.queryOptions({ projectId }));
  const providers = useQuery(trpc.serving.providers.list.queryOptions({ projectId }));
  const [editDeployment, setEditDeployment] = useState<string | null>(null);
  const [editProvider, setEditProvider] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const editingD = deployments.data?.find((d) => d.name === editDeployment);
  const editingP = providers.data?.find((p) => p.id === editProvider);
  // opening an editor clears the last "Saved …" note; closing one after a save shows it
  const open = (show: () => void) => () => {
    setSaved(null);
    show();
  };
  const close = (hide: () => void, what: string) => (ok: boolean) => {
    hide();
    setSaved(ok ? `Saved ${what}.` : null);
  };

  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        title="Deployments"
        description="Named endpoints of the OpenAI-compatible gateway (model: <name>) and the upstream providers they call. Routers send traffic between them."
        actions={
          <Link href={`/${projectId}/routing`} className={buttonClass("secondary")}>
            Routers
          </Link>
        }
      />

      <Card title="Deployments">
        {deployments.isPending ? (
          <Skeleton rows={3} />
        ) : deployments.isError ? (
          <ErrorBox
            title="Could not load deployments"
            message={errorMessage(deployments.error)}
            onRetry={() => void deployments.refetch()}
          />
        ) : deployments.data.length === 0 ? (
          <EmptyState title="No deployments yet">Create one below from a registry model or a provider.</EmptyState>
        ) : (
          <Table label="Deployments">
            <thead>
              <tr>
                <Th>Name</Th>
                <Th>Task</Th>
                <Th>Serves</Th>
                <Th className="text-right">$ / 1k in</Th>
                <Th className="text-right">$ / 1k out</Th>
                <Th>Status</Th>
                {canWrite && <Th className="sr-only">Actions</Th>}
              </tr>
            </thead>
            <tbody>
              {deployments.data.map((d) => (
                <tr key={d.id}>
                  <Td className="font-medium text-slate-900">{d.name}</Td>
                  <Td className="text-xs">{d.task}</Td>
                  <Td className="text-xs">
                    {d.kind === "local" ? (
                      <>
                        <Badge tone="blue">local</Badge> {d.modelName}@{d.modelRef}
                      </>
                    ) : (
                      <>
                        <Badge tone="indigo">provider</Badge> {d.provider}/{d.providerModel}
                      </>
                    )}
                  </Td>
                  <Td className="text-right tabular-nums">{d.inputPricePer1k}</Td>
                  <Td className="text-right tabular-nums">{d.outputPricePer1k}</Td>
                  <Td>{d.active ? <Badge tone="green">active</Badge> : <Badge>inactive</Badge>}</Td>
                  {canWrite && <EditCell label={`Edit deployment ${d.name}`} onClick={open(() => setEditDeployment(d.name))} />}
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </Card>

      {saved && <Done>{saved}</Done>}
      {canWrite && editingD && (
        <Card title={`Edit deployment ${editingD.name}`} description="The gateway uses the new target and prices at once.">
          <EditDeployment
            key={editingD.id}
            deployment={editingD}
            onClose={close(() => setEditDeployment(null), `deployment ${editingD.name}`)}
          />
        </Card>
      )}

      {canWrite && (
        <Card title="New deployment" description="A local deployment serves a registry model at an alias (default production).">
          <NewDeployment />
        </Card>
      )}

      <Card title="Providers">
        {providers.isPending ? (
          <Skeleton rows={2} />
        ) : providers.isError ? (
          <ErrorBox title="Could not load providers" message={errorMessage(providers.error)} onRetry={() => void providers.refetch()} />
        ) : providers.data.length === 0 ? (
          <p className="text-sm text-slate-500">No providers. Local deployments need none.</p>
        ) : (
          <Table label="Providers">
            <thead>
              <tr>
                <Th>Name</Th>
                <Th>Base URL</Th>
                <Th>API key</Th>
                <Th className="text-right">Timeout</Th>
                <Th className="text-right">Retries</Th>
                <Th className="text-right">Concurrency</Th>
                {canAdmin && <Th className="sr-only">Actions</Th>}
              </tr>
            </thead>
            <tbody>
              {providers.data.map((p) => (
                <tr key={p.id}>
                  <Td className="font-medium text-slate-900">{p.name}</Td>
                  <Td className="font-mono text-xs">{p.baseUrl}</Td>
                  <Td>{p.hasApiKey ? <Badge tone="green">set</Badge> : dash}</Td>
                  <Td className="text-right tabular-nums">{p.timeoutMs} ms</Td>
                  <Td className="text-right tabular-nums">{p.maxRetries}</Td>
                  <Td className="text-right tabular-nums">{p.maxConcurrency}</Td>
                  {canAdmin && <EditCell label={`Edit provider ${p.name}`} onClick={open(() => setEditProvider(p.id))} />}
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </Card>

      {canAdmin && editingP && (
        <Card title={`Edit provider ${editingP.name}`} description="Deployments of this provider use the change at once.">
          <EditProvider key={editingP.id} provider={editingP} onClose={close(() => setEditProvider(null), `provider ${editingP.name}`)} />
        </Card>
      )}

      {canAdmin && (
        <Card title="New provider" description="Any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, ...).">
          <NewProvider />
        </Card>
      )}
    </div>
  );
}
