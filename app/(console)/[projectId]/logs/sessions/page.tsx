"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import Link from "next/link";
import { EmptyState } from "@/app/_components/EmptyState";
import { Card, ErrorBox, LoadMore, PageHeader, Skeleton, Table, Td, Th, When } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { formatCost } from "@/app/_lib/format";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { formatInt } from "../_components/format";
import { sessionHref } from "../_components/groups";
import { LogsNav } from "../_components/LogsNav";
import { ScoreSummaries } from "../_components/ScoreSummaries";

/** Traces sharing a session id (a conversation, a workflow run), most recently active first. */
export default function SessionsPage() {
  const trpc = useTRPC();
  const project = useProject();
  const sessions = useInfiniteQuery(
    trpc.logs.sessions.list.infiniteQueryOptions({ projectId: project.slug, limit: 50 }, { getNextPageParam: (p) => p.nextCursor }),
  );
  const items = sessions.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <div className="flex flex-col gap-6">
      <PageHeader title="Sessions" description="Traces grouped by their session id: a conversation or a multi-step run, in order." />
      <LogsNav />
      <Card>
        {sessions.isPending ? (
          <Skeleton rows={5} />
        ) : sessions.isError ? (
          <ErrorBox title="Could not load sessions" message={errorMessage(sessions.error)} onRetry={() => void sessions.refetch()} />
        ) : items.length === 0 ? (
          <EmptyState title="No sessions yet">
            Give your traces a <code className="font-mono">sessionId</code> (the SDK's <code className="font-mono">session_id</code>,
            Langfuse's <code className="font-mono">sessionId</code>) and the turns of each conversation gather here.
          </EmptyState>
        ) : (
          <div className="flex flex-col gap-3">
            <Table label="Sessions">
              <thead>
                <tr>
                  <Th>Session</Th>
                  <Th className="text-right">Traces</Th>
                  <Th>First</Th>
                  <Th>Last</Th>
                  <Th className="text-right">Cost</Th>
                  <Th>Ratings</Th>
                </tr>
              </thead>
              <tbody>
                {items.map((s) => (
                  <tr key={s.key}>
                    <Td className="max-w-72 font-mono text-xs break-all">
                      <Link href={sessionHref(project.slug, s.key)} className="font-medium text-indigo-600 hover:text-indigo-500">
                        {s.key}
                      </Link>
                    </Td>
                    <Td className="text-right tabular-nums">
                      {formatInt(s.traces)}
                      {s.errors > 0 && <span className="ml-1 text-xs text-red-600">({s.errors} failed)</span>}
                    </Td>
                    <Td className="whitespace-nowrap">
                      <When at={s.firstAt} />
                    </Td>
                    <Td className="whitespace-nowrap">
                      <When at={s.lastAt} />
                    </Td>
                    <Td className="text-right tabular-nums">{formatCost(s.cost)}</Td>
                    <Td>
                      <ScoreSummaries scores={s.ratings} />
                    </Td>
                  </tr>
                ))}
              </tbody>
            </Table>
            <LoadMore query={sessions} className="flex justify-center" />
          </div>
        )}
      </Card>
    </div>
  );
}
