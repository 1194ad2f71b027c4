"use client";

import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { Alert, Badge, Button, Card, ErrorBox, LoadMore, Skeleton, Table, Td, Th, When } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";

const TONE = { pending: "blue", succeeded: "green", failed: "red" } as const;

/** One webhook's deliveries, newest first, refreshing while any is pending; redeliver any of them. */
export function WebhookDeliveries({ webhookId, url, onClose }: { webhookId: string; url: string; onClose: () => void }) {
  const trpc = useTRPC();
  const project = useProject();
  const queryClient = useQueryClient();
  const deliveries = useInfiniteQuery(
    trpc.registry.webhooks.deliveries.infiniteQueryOptions(
      { projectId: project.slug, webhookId, limit: 25 },
      {
        getNextPageParam: (page) => page.nextCursor,
        refetchInterval: (q) => (q.state.data?.pages.some((p) => p.items.some((d) => d.status === "pending")) ? 2000 : false),
      },
    ),
  );
  const redeliver = useMutation(
    trpc.registry.webhooks.redeliver.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.registry.webhooks.deliveries.pathKey() }),
    }),
  );
  const items = deliveries.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Card
      title={`Deliveries to ${url}`}
      description="Each event sent to this webhook: its status, attempts and the receiver's answer."
      actions={
        <div className="flex gap-2">
          <Button size="sm" onClick={() => void deliveries.refetch()}>
            Refresh
          </Button>
          <Button size="sm" variant="ghost" onClick={onClose}>
            Close
          </Button>
        </div>
      }
    >
      {redeliver.error && <Alert>{errorMessage(redeliver.error)}</Alert>}
      {deliveries.isPending ? (
        <Skeleton rows={2} />
      ) : deliveries.isError ? (
        <ErrorBox title="Could not load deliveries" message={errorMessage(deliveries.error)} onRetry={() => void deliveries.refetch()} />
      ) : items.length === 0 ? (
        <p className="text-sm text-slate-500">No deliveries yet. Send a test, or change the registry.</p>
      ) : (
        <div className="flex flex-col gap-3">
          <Table label="Deliveries">
            <thead>
              <tr>
                <Th>Event</Th>
                <Th>Status</Th>
                <Th className="text-right">Attempts</Th>
                <Th>Response</Th>
                <Th>Created</Th>
                <Th>
                  <span className="sr-only">Actions</span>
                </Th>
              </tr>
            </thead>
            <tbody>
              {items.map((d) => (
                <tr key={d.id}>
                  <Td>
                    <code className="font-mono text-xs">{d.event}</code>
                  </Td>
                  <Td>
                    <Badge tone={TONE[d.status] ?? "gray"}>{d.status}</Badge>
                  </Td>
                  <Td className="text-right tabular-nums">{d.attempts}</Td>
                  <Td className="max-w-72 text-xs">
                    {d.responseStatus !== null && <span className="font-medium tabular-nums">HTTP {d.responseStatus}</span>}
                    {d.error && <span className="block text-red-700">{d.error}</span>}
                    {d.responseBody && (
                      <span className="block truncate font-mono text-slate-500" title={d.responseBody}>
                        {d.responseBody.slice(0, 200)}
                      </span>
                    )}
                    {d.responseStatus === null && !d.error && <span className="text-slate-400">—</span>}
                  </Td>
                  <Td>
                    <When at={d.createdAt} />
                  </Td>
                  <Td>
                    <Button
                      size="sm"
                      loading={redeliver.isPending && redeliver.variables?.deliveryId === d.id}
                      onClick={() => redeliver.mutate({ projectId: project.id, deliveryId: d.id })}
                    >
                      Redeliver
                    </Button>
                  </Td>
                </tr>
              ))}
            </tbody>
          </Table>
          <LoadMore query={deliveries} size="sm" />
        </div>
      )}
    </Card>
  );
}
