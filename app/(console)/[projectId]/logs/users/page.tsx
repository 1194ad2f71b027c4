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
import { userHref } from "../_components/groups";
import { LogsNav } from "../_components/LogsNav";
import { ScoreSummaries } from "../_components/ScoreSummaries";

/** The apps' end users (a trace's user id): traffic, cost and ratings each, most recently seen first. */
export default function UsersPage() {
  const trpc = useTRPC();
  const project = useProject();
  const users = useInfiniteQuery(
    trpc.logs.users.list.infiniteQueryOptions({ projectId: project.slug, limit: 50 }, { getNextPageParam: (p) => p.nextCursor }),
  );
  const items = users.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        title="Users"
        description="Your apps' end users, by the user id on their traces: what they sent, what it cost, how they rated it."
      />
      <LogsNav />
      <Card>
        {users.isPending ? (
          <Skeleton rows={5} />
        ) : users.isError ? (
          <ErrorBox title="Could not load users" message={errorMessage(users.error)} onRetry={() => void users.refetch()} />
        ) : items.length === 0 ? (
          <EmptyState title="No users yet">
            Give your traces a <code className="font-mono">userId</code> (your app's id for the person calling) and each user's traffic,
            cost and ratings show here.
          </EmptyState>
        ) : (
          <div className="flex flex-col gap-3">
            <Table label="Users">
              <thead>
                <tr>
                  <Th>User</Th>
                  <Th className="text-right">Traces</Th>
                  <Th className="text-right">Tokens</Th>
                  <Th className="text-right">Cost</Th>
                  <Th>Last seen</Th>
                  <Th>Ratings</Th>
                </tr>
              </thead>
              <tbody>
                {items.map((u) => (
                  <tr key={u.key}>
                    <Td className="max-w-72 font-mono text-xs break-all">
                      <Link href={userHref(project.slug, u.key)} className="font-medium text-indigo-600 hover:text-indigo-500">
                        {u.key}
                      </Link>
                    </Td>
                    <Td className="text-right tabular-nums">{formatInt(u.traces)}</Td>
                    <Td className="text-right tabular-nums">{formatInt(u.inputTokens + u.outputTokens)}</Td>
                    <Td className="text-right tabular-nums">{formatCost(u.cost)}</Td>
                    <Td className="whitespace-nowrap">
                      <When at={u.lastAt} />
                    </Td>
                    <Td>
                      <ScoreSummaries scores={u.ratings} />
                    </Td>
                  </tr>
                ))}
              </tbody>
            </Table>
            <LoadMore query={users} className="flex justify-center" />
          </div>
        )}
      </Card>
    </div>
  );
}
