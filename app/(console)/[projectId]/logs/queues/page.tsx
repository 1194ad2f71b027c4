"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { EmptyState } from "@/app/_components/EmptyState";
import { BackLink, Badge, Button, Card, ErrorBox, PageHeader, Skeleton, Table, Td, Th, When } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";
import { type Created, NewQueueForm } from "./_components/NewQueueForm";
import { ProgressBar } from "./_components/QueueStats";

type QueueRow = RouterOutputs["logs"]["queues"]["list"][number];

export default function QueuesPage() {
  const trpc = useTRPC();
  const project = useProject();
  const projectId = project.slug;
  const queues = useQuery(trpc.logs.queues.list.queryOptions({ projectId }));
  const configs = useQuery(trpc.logs.scoreConfigs.list.queryOptions({ projectId, includeArchived: true }));
  const canCreate = atLeast(project.role, "engineer");
  const [open, setOpen] = useState(false);
  const [created, setCreated] = useState<Created | null>(null);
  const configName = (id: string) => configs.data?.find((c) => c.id === id)?.name;

  const newButton = canCreate && !open && (
    <Button
      variant="primary"
      onClick={() => {
        setCreated(null);
        setOpen(true);
      }}
    >
      New queue
    </Button>
  );

  return (
    <div className="flex flex-col gap-6">
      <BackLink href={`/${projectId}/logs`}>Logs</BackLink>
      <PageHeader
        title="Annotation queues"
        description="Traces set aside for people to rate with your score configs, one item at a time, with agreement between reviewers."
        actions={newButton}
      />

      {created && <CreatedBanner created={created} slug={projectId} onClose={() => setCreated(null)} />}

      {open && (
        <Card title="New queue" description="Pick what reviewers rate, who reviews, and which traces go in.">
          <NewQueueForm
            onCancel={() => setOpen(false)}
            onDone={(c) => {
              setCreated(c);
              setOpen(false);
            }}
          />
        </Card>
      )}

      <Card title="Queues">
        {queues.isPending ? (
          <Skeleton rows={3} />
        ) : queues.isError ? (
          <ErrorBox title="Could not load queues" message={errorMessage(queues.error)} onRetry={() => void queues.refetch()} />
        ) : queues.data.length === 0 ? (
          <EmptyState title="No annotation queues yet">
            {canCreate
              ? "Use New queue to set aside traces matching a filter or a list of trace ids; reviewers then work through them here."
              : "An engineer of this project can make one; you will find it here."}
          </EmptyState>
        ) : (
          <Table label="Annotation queues">
            <thead>
              <tr>
                <Th>Name</Th>
                <Th>Progress</Th>
                <Th>Ratings per item</Th>
                <Th>Scores</Th>
                <Th>Reviewers</Th>
                <Th>Created</Th>
              </tr>
            </thead>
            <tbody>
              {queues.data.map((q) => (
                <QueueRowView key={q.id} q={q} slug={projectId} configName={configName} />
              ))}
            </tbody>
          </Table>
        )}
      </Card>
    </div>
  );
}

/**
 * The list's counts, else the queue's stats. logs.queues.list counts items with a correlated subquery
 * whose `"id"` resolves to the item's own id, so it reports 0 / 0 for every queue; while it does, an
 * empty-looking row asks stats (batched into one request). Once the server is fixed only empty queues ask.
 */
function useProgress(q: QueueRow, projectId: string) {
  const trpc = useTRPC();
  const stats = useQuery(trpc.logs.queues.stats.queryOptions({ projectId, queueId: q.id }, { enabled: q.total === 0 }));
  if (q.total > 0 || stats.isError) return { done: q.done, total: q.total };
  return stats.data ? { done: stats.data.done, total: stats.data.total } : null;
}

function QueueRowView({ q, slug, configName }: { q: QueueRow; slug: string; configName: (id: string) => string | undefined }) {
  const progress = useProgress(q, slug);
  return (
    <tr>
      <Td>
        <Link href={`/${slug}/logs/queues/${q.id}`} className="font-medium text-indigo-600 hover:text-indigo-500">
          {q.name}
        </Link>
        {q.description && <div className="mt-0.5 line-clamp-1 max-w-72 text-xs text-slate-500">{q.description}</div>}
      </Td>
      <Td>
        {progress ? (
          <div className="flex items-center gap-2">
            <div className="w-28">
              <ProgressBar done={progress.done} total={progress.total} label={`Progress of ${q.name}`} />
            </div>
            <span className="text-xs whitespace-nowrap text-slate-600 tabular-nums">
              {progress.done} / {progress.total}
            </span>
          </div>
        ) : (
          <div className="h-1.5 w-28 animate-pulse rounded-full bg-slate-100" />
        )}
      </Td>
      <Td className="tabular-nums">{q.requiredRatings}</Td>
      <Td>
        <div className="flex flex-wrap gap-1">
          {q.scoreConfigIds.map((id) => (
            <Badge key={id} tone="indigo">
              {configName(id) ?? "…"}
            </Badge>
          ))}
        </div>
      </Td>
      <Td className="text-xs whitespace-nowrap">
        {q.assigneeIds.length ? `${q.assigneeIds.length} assigned` : <span className="text-slate-500">Every annotator</span>}
      </Td>
      <Td>
        <When at={q.createdAt} />
      </Td>
    </tr>
  );
}

function CreatedBanner({ created, slug, onClose }: { created: Created; slug: string; onClose: () => void }) {
  const { queue, added, error } = created;
  const ok = added !== null;
  return (
    <div
      role="status"
      className={
        ok
          ? "flex flex-wrap items-center justify-between gap-3 rounded-md border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm text-emerald-800"
          : "flex flex-wrap items-center justify-between gap-3 rounded-md border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900"
      }
    >
      <p>
        Created <span className="font-medium">{queue.name}</span>.{" "}
        {ok
          ? `Added ${added} trace${added === 1 ? "" : "s"}.${added === 0 ? " Nothing matched; the queue is empty." : ""}`
          : `Adding traces failed: ${error}`}
      </p>
      <div className="flex items-center gap-2">
        <Link href={`/${slug}/logs/queues/${queue.id}`} className="font-medium underline underline-offset-2">
          Open queue
        </Link>
        <Button size="sm" variant="ghost" onClick={onClose}>
          Dismiss
        </Button>
      </div>
    </div>
  );
}
