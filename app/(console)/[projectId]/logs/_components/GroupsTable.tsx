"use client";

import Link from "next/link";
import type { ReactNode } from "react";
import { EmptyState } from "@/app/_components/EmptyState";
import { Card, ErrorBox, LoadMore, Skeleton, Table, Td, Th } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { ScoreSummaries, type ScoreSummary } from "./ScoreSummaries";

/** One column between a group's key and its ratings: right-aligned for numbers, nowrap for times. */
export interface GroupColumn<T> {
  header: string;
  numeric?: boolean;
  nowrap?: boolean;
  cell: (row: T) => ReactNode;
}

/** The keyset-paged list query a groups page reads (useInfiniteQuery of sessions.list or users.list). */
interface PagedQuery<T> {
  data?: { pages: { items: T[] }[] };
  isPending: boolean;
  isError: boolean;
  error: unknown;
  refetch: () => unknown;
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => unknown;
}

/**
 * Traces grouped by a key (sessions, users): its loading, error and empty states, one row per group
 * (the key linking to the group's page, `columns`, its ratings), and a "Load more" pager over the keyset pages.
 */
export function GroupsTable<T extends { key: string; ratings: ScoreSummary[] }>({
  query,
  label,
  keyHeader,
  href,
  columns,
  emptyTitle,
  empty,
}: {
  query: PagedQuery<T>;
  label: string;
  keyHeader: string;
  href: (key: string) => string;
  columns: GroupColumn<T>[];
  emptyTitle: string;
  empty: ReactNode;
}) {
  const items = query.data?.pages.flatMap((p) => p.items) ?? [];
  const align = (c: GroupColumn<T>) => [c.numeric && "text-right tabular-nums", c.nowrap && "whitespace-nowrap"].filter(Boolean).join(" ");
  return (
    <Card>
      {query.isPending ? (
        <Skeleton rows={5} />
      ) : query.isError ? (
        <ErrorBox
          title={`Could not load ${label.toLowerCase()}`}
          message={errorMessage(query.error)}
          onRetry={() => void query.refetch()}
        />
      ) : items.length === 0 ? (
        <EmptyState title={emptyTitle}>{empty}</EmptyState>
      ) : (
        <div className="flex flex-col gap-3">
          <Table label={label}>
            <thead>
              <tr>
                <Th>{keyHeader}</Th>
                {columns.map((c) => (
                  <Th key={c.header} className={c.numeric ? "text-right" : undefined}>
                    {c.header}
                  </Th>
                ))}
                <Th>Ratings</Th>
              </tr>
            </thead>
            <tbody>
              {items.map((row) => (
                <tr key={row.key}>
                  <Td className="max-w-72 font-mono text-xs break-all">
                    <Link href={href(row.key)} className="font-medium text-indigo-600 hover:text-indigo-500">
                      {row.key}
                    </Link>
                  </Td>
                  {columns.map((c) => (
                    <Td key={c.header} className={align(c) || undefined}>
                      {c.cell(row)}
                    </Td>
                  ))}
                  <Td>
                    <ScoreSummaries scores={row.ratings} />
                  </Td>
                </tr>
              ))}
            </tbody>
          </Table>
          <LoadMore query={query} className="flex justify-center" />
        </div>
      )}
    </Card>
  );
}
