"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { Card, ErrorBox, LoadMore, Skeleton, Table, Td, Th, When } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";

type Entry = RouterOutputs["workspace"]["audit"]["list"]["items"][number];

/** Who did it: a member by name, an API key by name (and the member who created it), or Keel itself. */
function actorOf(e: Entry): string {
  const person = e.actorName ?? e.actorEmail;
  if (e.actorKeyId) return `API key ${e.actorKeyName ?? e.actorKeyId.slice(0, 8)}${person ? ` of ${person}` : ""}`;
  if (person) return person;
  return "system";
}

export function AuditLog() {
  const trpc = useTRPC();
  const project = useProject();
  const projectId = project.slug;
  const audit = useInfiniteQuery(
    trpc.workspace.audit.list.infiniteQueryOptions({ projectId, limit: 50 }, { getNextPageParam: (p) => p.nextCursor }),
  );
  const items = audit.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <Card title="Audit log" description="Every change to members, keys and the project, newest first.">
      {audit.isPending ? (
        <Skeleton rows={4} />
      ) : audit.isError ? (
        <ErrorBox title="Could not load the audit log" message={errorMessage(audit.error)} onRetry={() => void audit.refetch()} />
      ) : items.length === 0 ? (
        <p className="py-2 text-sm text-slate-500">Nothing recorded yet.</p>
      ) : (
        <div className="flex flex-col gap-3">
          <Table label="Audit log">
            <thead>
              <tr>
                <Th>When</Th>
                <Th>Who</Th>
                <Th>Action</Th>
                <Th>Target</Th>
              </tr>
            </thead>
            <tbody>
              {items.map((e) => (
                <tr key={e.id}>
                  <Td className="whitespace-nowrap">
                    <When at={e.createdAt} />
                  </Td>
                  <Td title={e.actorEmail ?? undefined}>{actorOf(e)}</Td>
                  <Td className="font-mono text-xs text-slate-900">{e.action}</Td>
                  <Td>
                    <span className="text-slate-700">{e.targetType}</span>
                    {e.targetName ? (
                      <span className="ml-2 font-medium text-slate-900" title={e.targetId ?? undefined}>
                        {e.targetName}
                      </span>
                    ) : (
                      e.targetId && (
                        <span className="ml-2 font-mono text-xs text-slate-400" title={e.targetId}>
                          {e.targetId.slice(0, 8)}
                        </span>
                      )
                    )}
                  </Td>
                </tr>
              ))}
            </tbody>
          </Table>
          <LoadMore query={audit} className="flex justify-center" />
        </div>
      )}
    </Card>
  );
}
