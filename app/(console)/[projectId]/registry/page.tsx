"use client";

import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useDeferredValue, useState } from "react";
import { buttonClass } from "@/app/_components/classes";
import { EmptyState } from "@/app/_components/EmptyState";
import { Card, ErrorBox, Field, Input, LoadMore, PageHeader, Skeleton, Table, Td, Th, When } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { useTRPC } from "@/app/_lib/trpc";
import { RegisterModel } from "./_components/RegisterModel";
import { RegistryNav } from "./_components/RegistryNav";
import { AliasBadge, modelHref } from "./_components/shared";

const PAGE_SIZE = 50;

export default function RegistryPage() {
  const trpc = useTRPC();
  const project = useProject();
  const projectId = project.slug;
  const canWrite = atLeast(project.role, "engineer");
  const [search, setSearch] = useState("");
  const q = useDeferredValue(search.trim());
  const models = useInfiniteQuery(
    trpc.registry.models.list.infiniteQueryOptions(
      { projectId, limit: PAGE_SIZE, q: q || undefined },
      { getNextPageParam: (page) => page.nextCursor },
    ),
  );
  const items = models.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        title="Model registry"
        description="Registered models with numbered, immutable versions, aliases such as production and staging, and approvals before promotion."
        actions={
          <Link href={`/${projectId}/registry/experiments`} className={buttonClass("secondary")}>
            Experiments
          </Link>
        }
      />
      <RegistryNav />
      <PendingBanner />

      {canWrite && (
        <Card title="Register a model" description="A name for a family of versions. Upload versions on the model's page.">
          <RegisterModel />
        </Card>
      )}

      <Card
        title="Models"
        actions={
          <Field label={<span className="sr-only">Search models</span>} className="w-64">
            <Input type="search" placeholder="Search models" value={search} onChange={(e) => setSearch(e.target.value)} />
          </Field>
        }
      >
        {models.isPending ? (
          <Skeleton rows={3} />
        ) : models.isError ? (
          <ErrorBox title="Could not load models" message={errorMessage(models.error)} onRetry={() => void models.refetch()} />
        ) : items.length === 0 ? (
          q ? (
            <p className="text-sm text-slate-500">No model name contains “{q}”.</p>
          ) : (
            <EmptyState title="No models registered yet">
              {canWrite ? "Register one above, then upload its first version." : "An engineer of this project can register one."}
            </EmptyState>
          )
        ) : (
          <div className="flex flex-col gap-3">
            <Table label="Models">
              <thead>
                <tr>
                  <Th>Name</Th>
                  <Th>Task</Th>
                  <Th className="text-right">Latest version</Th>
                  <Th>Aliases</Th>
                  <Th>Updated</Th>
                </tr>
              </thead>
              <tbody>
                {items.map((m) => (
                  <tr key={m.id}>
                    <Td>
                      <Link href={modelHref(projectId, m.name)} className="font-medium text-indigo-600 hover:text-indigo-500">
                        {m.name}
                      </Link>
                      {m.description && <p className="line-clamp-1 max-w-md text-xs text-slate-500">{m.description}</p>}
                    </Td>
                    <Td className="text-xs">{m.task ?? <span className="text-slate-400">—</span>}</Td>
                    <Td className="text-right tabular-nums">
                      {m.latestVersion > 0 ? `v${m.latestVersion}` : <span className="text-slate-400">none</span>}
                    </Td>
                    <Td>
                      <div className="flex flex-wrap gap-1">
                        {m.aliases.map((a) => (
                          <AliasBadge key={a.alias} alias={a.alias} version={a.version} />
                        ))}
                      </div>
                    </Td>
                    <Td>
                      <When at={m.updatedAt} />
                    </Td>
                  </tr>
                ))}
              </tbody>
            </Table>
            <LoadMore query={models} size="sm" />
          </div>
        )}
      </Card>
    </div>
  );
}

/** How many approval requests wait for a vote, with a link to them; nothing when none. */
function PendingBanner() {
  const trpc = useTRPC();
  const project = useProject();
  const pending = useQuery(trpc.registry.approvals.list.queryOptions({ projectId: project.slug, status: ["pending"], limit: 200 }));
  const n = pending.data?.items.length ?? 0;
  if (n === 0) return null;
  return (
    <div
      role="status"
      className="flex flex-wrap items-center justify-between gap-3 rounded-md border border-amber-200 bg-amber-50 px-4 py-3 text-sm"
    >
      <p className="text-amber-900">
        {n === 200 && pending.data?.nextCursor ? "200+" : n} approval request{n === 1 ? "" : "s"} pending
      </p>
      <Link href={`/${project.slug}/registry/approvals`} className="font-medium text-amber-900 underline hover:text-amber-700">
        Review approvals
      </Link>
    </div>
  );
}
