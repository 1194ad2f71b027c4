"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { PageHeader, When } from "@/app/_components/ui";
import { formatCost } from "@/app/_lib/format";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { formatInt } from "../_components/format";
import { GroupsTable } from "../_components/GroupsTable";
import { sessionHref } from "../_components/groups";
import { LogsNav } from "../_components/LogsNav";

/** Traces sharing a session id (a conversation, a workflow run), most recently active first. */
export default function SessionsPage() {
  const trpc = useTRPC();
  const project = useProject();
  const sessions = useInfiniteQuery(
    trpc.logs.sessions.list.infiniteQueryOptions({ projectId: project.slug, limit: 50 }, { getNextPageParam: (p) => p.nextCursor }),
  );

  return (
    <div className="flex flex-col gap-6">
      <PageHeader title="Sessions" description="Traces grouped by their session id: a conversation or a multi-step run, in order." />
      <LogsNav />
      <GroupsTable
        query={sessions}
        label="Sessions"
        keyHeader="Session"
        href={(key) => sessionHref(project.slug, key)}
        columns={[
          {
            header: "Traces",
            numeric: true,
            cell: (s) => (
              <>
                {formatInt(s.traces)}
                {s.errors > 0 && <span className="ml-1 text-xs text-red-600">({s.errors} failed)</span>}
              </>
            ),
          },
          { header: "First", nowrap: true, cell: (s) => <When at={s.firstAt} /> },
          { header: "Last", nowrap: true, cell: (s) => <When at={s.lastAt} /> },
          { header: "Cost", numeric: true, cell: (s) => formatCost(s.cost) },
        ]}
        emptyTitle="No sessions yet"
        empty={
          <>
            Give your traces a <code className="font-mono">sessionId</code> (the SDK's <code className="font-mono">session_id</code>,
            Langfuse's <code className="font-mono">sessionId</code>) and the turns of each conversation gather here.
          </>
        }
      />
    </div>
  );
}
