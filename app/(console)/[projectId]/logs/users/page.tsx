"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { PageHeader, When } from "@/app/_components/ui";
import { formatCost } from "@/app/_lib/format";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { formatInt } from "../_components/format";
import { GroupsTable } from "../_components/GroupsTable";
import { userHref } from "../_components/groups";
import { LogsNav } from "../_components/LogsNav";

/** The apps' end users (a trace's user id): traffic, cost and ratings each, most recently seen first. */
export default function UsersPage() {
  const trpc = useTRPC();
  const project = useProject();
  const users = useInfiniteQuery(
    trpc.logs.users.list.infiniteQueryOptions({ projectId: project.slug, limit: 50 }, { getNextPageParam: (p) => p.nextCursor }),
  );

  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        title="Users"
        description="Your apps' end users, by the user id on their traces: what they sent, what it cost, how they rated it."
      />
      <LogsNav />
      <GroupsTable
        query={users}
        label="Users"
        keyHeader="User"
        href={(key) => userHref(project.slug, key)}
        columns={[
          { header: "Traces", numeric: true, cell: (u) => formatInt(u.traces) },
          { header: "Tokens", numeric: true, cell: (u) => formatInt(u.inputTokens + u.outputTokens) },
          { header: "Cost", numeric: true, cell: (u) => formatCost(u.cost) },
          { header: "Last seen", nowrap: true, cell: (u) => <When at={u.lastAt} /> },
        ]}
        emptyTitle="No users yet"
        empty={
          <>
            Give your traces a <code className="font-mono">userId</code> (your app's id for the person calling) and each user's traffic,
            cost and ratings show here.
          </>
        }
      />
    </div>
  );
}
