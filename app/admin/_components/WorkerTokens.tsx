"use client";

import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Badge, Button, Card, Done, ErrorBox, LoadMore, Table, Td, Th, When } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useTRPC } from "@/app/_lib/trpc";
import { Listed, Section } from "./AdminSection";
import { CreatedToken, NewWorkerToken } from "./NewWorkerToken";
import { WorkerPools } from "./WorkerPools";

/**
 * Remote workers (`keel worker --server URL --token wk_...`): pools say which projects' jobs a token's
 * workers are offered; tokens are instance credentials, shown once, revocable at once.
 */
export function WorkerTokens() {
  return (
    <Card
      title="Remote workers"
      description="Workers on other machines reach this server over HTTP with a wk_ token; a token's pool limits the projects whose jobs they are offered."
    >
      <div className="flex flex-col gap-8">
        <WorkerPools />
        <Tokens />
      </div>
    </Card>
  );
}

function Tokens() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const tokens = useInfiniteQuery(
    trpc.tuning.tokens.list.infiniteQueryOptions({ includeRevoked: true, limit: 50 }, { getNextPageParam: (p) => p.nextCursor }),
  );
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.tuning.tokens.list.infiniteQueryKey() });
  const [created, setCreated] = useState<{ token: string; name: string; origin: string } | null>(null);
  const revoke = useMutation(trpc.tuning.tokens.revoke.mutationOptions({ onSuccess: refresh }));
  const onRevoke = (t: { id: string; name: string; prefix: string }) => {
    if (!window.confirm(`Revoke the worker token ${t.name} (${t.prefix}…)? Its workers' next request is refused.`)) return;
    revoke.mutate({ id: t.id });
  };

  return (
    <Section id="tokens-heading" title="Worker tokens">
      {created && <CreatedToken {...created} onDone={() => setCreated(null)} />}
      {revoke.error && <ErrorBox title="Could not revoke the token" message={errorMessage(revoke.error)} />}
      {revoke.isSuccess && !revoke.isPending && <Done>Revoked {revoke.data.name}.</Done>}
      <Listed query={tokens} items={tokens.data?.pages.flatMap((p) => p.items) ?? []} what="worker tokens" empty="No worker token yet.">
        {(items) => (
          <>
            <Table label="Worker tokens">
              <thead>
                <tr>
                  <Th>Prefix</Th>
                  <Th>Name</Th>
                  <Th>Pool</Th>
                  <Th>Created</Th>
                  <Th>Last used</Th>
                  <Th>Status</Th>
                  <Th>
                    <span className="sr-only">Actions</span>
                  </Th>
                </tr>
              </thead>
              <tbody>
                {items.map((t) => (
                  <tr key={t.id}>
                    <Td className="font-mono text-xs">{t.prefix}…</Td>
                    <Td>{t.name}</Td>
                    <Td>
                      {t.pool ? <span className="font-mono text-xs">{t.pool}</span> : <span className="text-slate-500">every project</span>}
                    </Td>
                    <Td>
                      <When at={t.createdAt} />
                    </Td>
                    <Td>
                      <When at={t.lastUsedAt} />
                    </Td>
                    <Td>
                      {t.revokedAt ? (
                        <span className="flex items-center gap-1">
                          <Badge tone="red">revoked</Badge> <When at={t.revokedAt} />
                        </span>
                      ) : (
                        <Badge tone="green">active</Badge>
                      )}
                    </Td>
                    <Td className="text-right">
                      {!t.revokedAt && (
                        <Button
                          size="sm"
                          variant="danger"
                          loading={revoke.isPending && revoke.variables?.id === t.id}
                          onClick={() => onRevoke(t)}
                          aria-label={`Revoke ${t.name}`}
                        >
                          Revoke
                        </Button>
                      )}
                    </Td>
                  </tr>
                ))}
              </tbody>
            </Table>
            <LoadMore query={tokens} size="sm" />
          </>
        )}
      </Listed>
      <NewWorkerToken
        onCreated={(res) => {
          // one message at a time: the new token replaces the last revocation's line
          revoke.reset();
          setCreated({ token: res.token, name: res.view.name, origin: window.location.origin });
          return refresh();
        }}
      />
    </Section>
  );
}
