"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { Badge, ErrorBox, LoadMore, Skeleton, Table, Td, Th, When } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { AliasActor } from "./AliasActor";

const KIND_TONE = { move: "blue", rollback: "amber", delete: "red" } as const;

/** Every move, rollback and delete of the model's aliases, newest first. */
export function AliasHistory({ model }: { model: string }) {
  const trpc = useTRPC();
  const project = useProject();
  const history = useInfiniteQuery(
    trpc.registry.aliases.history.infiniteQueryOptions(
      { projectId: project.slug, model, limit: 20 },
      { getNextPageParam: (page) => page.nextCursor },
    ),
  );
  const items = history.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section aria-labelledby="alias-history" className="flex flex-col gap-2 border-t border-slate-200 pt-4">
      <h3 id="alias-history" className="text-sm font-semibold text-slate-900">
        Alias history
      </h3>
      {history.isPending ? (
        <Skeleton rows={2} />
      ) : history.isError ? (
        <ErrorBox title="Could not load the history" message={errorMessage(history.error)} onRetry={() => void history.refetch()} />
      ) : items.length === 0 ? (
        <p className="text-sm text-slate-500">No alias has moved yet.</p>
      ) : (
        <>
          <Table label="Alias history">
            <thead>
              <tr>
                <Th>When</Th>
                <Th>Alias</Th>
                <Th>Kind</Th>
                <Th>From → to</Th>
                <Th>Who</Th>
                <Th>Reason</Th>
              </tr>
            </thead>
            <tbody>
              {items.map((h) => (
                <tr key={h.id}>
                  <Td>
                    <When at={h.createdAt} />
                  </Td>
                  <Td className="font-medium">@{h.alias}</Td>
                  <Td>
                    <Badge tone={KIND_TONE[h.kind] ?? "gray"}>{h.kind}</Badge>
                    {h.requestId && <span className="ml-1 text-xs text-slate-500">approved</span>}
                  </Td>
                  <Td className="whitespace-nowrap tabular-nums">
                    {h.from !== null ? `v${h.from}` : "—"} → {h.to !== null ? `v${h.to}` : "—"}
                  </Td>
                  <Td className="text-xs">
                    <AliasActor actor={h.actor} />
                  </Td>
                  <Td className="max-w-64 text-xs break-words">{h.reason ?? <span className="text-slate-400">—</span>}</Td>
                </tr>
              ))}
            </tbody>
          </Table>
          <LoadMore query={history} size="sm">
            Load more history
          </LoadMore>
        </>
      )}
    </section>
  );
}
