"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { buttonClass } from "@/app/_components/classes";
import { EmptyState } from "@/app/_components/EmptyState";
import { Badge, Card, ErrorBox, PageHeader, Skeleton, Table, Td, Th } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { useTRPC } from "@/app/_lib/trpc";
import { NewRouter } from "./_components/NewRouter";
import { routerHref } from "./_components/shared";

export default function RoutingPage() {
  const trpc = useTRPC();
  const project = useProject();
  const projectId = project.slug;
  const canWrite = atLeast(project.role, "engineer");
  const routers = useQuery(trpc.routing.list.queryOptions({ projectId }));
  const items = routers.data ?? [];

  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        title="Routing"
        description="Routers send each gateway request (model: router:<name>) to the right deployment: rules, weighted splits, cascades and learned policies, with fallbacks and a response cache."
        actions={
          <>
            {canWrite && (
              <Link href={`/${projectId}/playground`} className={buttonClass("secondary")}>
                Playground
              </Link>
            )}
            {canWrite && (
              <Link href={`/${projectId}/routing/evaluate`} className={buttonClass("secondary")}>
                Evaluate
              </Link>
            )}
            {canWrite && (
              <Link href={`/${projectId}/routing/spend`} className={buttonClass("secondary")}>
                Spend
              </Link>
            )}
            <Link href={`/${projectId}/routing/deployments`} className={buttonClass("secondary")}>
              Deployments
            </Link>
          </>
        }
      />

      <Card title="Routers">
        {routers.isPending ? (
          <Skeleton rows={3} />
        ) : routers.isError ? (
          <ErrorBox title="Could not load routers" message={errorMessage(routers.error)} onRetry={() => void routers.refetch()} />
        ) : items.length === 0 ? (
          <EmptyState title="No routers yet">
            {canWrite ? "Create one below; its targets are this project's deployments." : "An engineer of this project can create one."}
          </EmptyState>
        ) : (
          <Table label="Routers">
            <thead>
              <tr>
                <Th>Name</Th>
                <Th>Kind</Th>
                <Th>Status</Th>
                <Th>Fallbacks</Th>
                <Th>Trained</Th>
              </tr>
            </thead>
            <tbody>
              {items.map((r) => (
                <tr key={r.id}>
                  <Td>
                    <Link href={routerHref(projectId, r.name)} className="font-medium text-indigo-600 hover:text-indigo-500">
                      {r.name}
                    </Link>
                    <p className="font-mono text-xs text-slate-500">router:{r.name}</p>
                  </Td>
                  <Td>
                    <Badge tone="indigo">{r.kind}</Badge>
                  </Td>
                  <Td>{r.active ? <Badge tone="green">active</Badge> : <Badge>inactive</Badge>}</Td>
                  <Td className="text-xs">{r.fallbacks.length ? r.fallbacks.join(", ") : <span className="text-slate-400">—</span>}</Td>
                  <Td className="text-xs">
                    {r.trainedSummary ? (
                      `threshold ${r.trainedSummary.threshold.toFixed(3)}`
                    ) : r.kind === "learned" ? (
                      <Badge tone="amber">not trained</Badge>
                    ) : (
                      <span className="text-slate-400">—</span>
                    )}
                  </Td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </Card>

      {canWrite && (
        <Card title="New router" description="Targets and fallbacks are deployment names; add deployments on the Deployments page.">
          <NewRouter />
        </Card>
      )}
    </div>
  );
}
