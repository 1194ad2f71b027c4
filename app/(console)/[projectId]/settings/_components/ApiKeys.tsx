"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { buttonClass, linkClass } from "@/app/_components/classes";
import { Badge, Button, Card, Done, ErrorBox, Skeleton, Table, Td, Th } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { formatCost, formatDateTime, formatRelative } from "@/app/_lib/format";
import { useProject } from "@/app/_lib/project";
import { atLeast, roleLabel } from "@/app/_lib/roles";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";
import { CreateKey } from "./CreateKey";
import { EditLimits } from "./EditLimits";
import { keyHref, useMonthSpend } from "./keySpend";
import { limitsSummary, spendThisPeriod } from "./limits";
import { NewKey } from "./NewKey";

type ApiKey = RouterOutputs["workspace"]["keys"]["list"]["items"][number];

export function ApiKeys() {
  const project = useProject();
  const description = "Secret keys (sk_) call the API with their creator's role; public keys (pk_) only reach the rating widget.";
  if (!atLeast(project.role, "engineer")) {
    return (
      <Card title="API keys" description={description}>
        <p className="text-sm text-slate-500">
          Managing API keys needs the engineer role or higher. Ask an admin of this project for a key.
        </p>
      </Card>
    );
  }
  return (
    <Card
      title="API keys"
      description={description}
      actions={
        <Link href={`/${project.slug}/routing/spend`} className={buttonClass("secondary", "sm")}>
          Team spend
        </Link>
      }
    >
      <KeysManager />
    </Card>
  );
}

function KeysManager() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const project = useProject();
  const projectId = project.slug;
  const [includeRevoked, setIncludeRevoked] = useState(false);
  const [created, setCreated] = useState<{ key: string; name: string } | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const keys = useQuery(trpc.workspace.keys.list.queryOptions({ projectId, includeRevoked, limit: 200 }));
  const { query: spend, now } = useMonthSpend();
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.workspace.keys.list.pathKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.workspace.audit.list.pathKey() }),
    ]);
  const editingKey = keys.data?.items.find((k) => k.id === editing);
  const revoke = useMutation(trpc.workspace.keys.revoke.mutationOptions({ onSuccess: refresh }));

  const onRevoke = (k: ApiKey) => {
    if (window.confirm(`Revoke the key "${k.name}"? Apps using it stop working at once.`)) revoke.mutate({ projectId, keyId: k.id });
  };

  return (
    <div className="flex flex-col gap-4">
      {created && <NewKey plainKey={created.key} name={created.name} onDone={() => setCreated(null)} />}
      <CreateKey
        onCreated={(key, name) => {
          setCreated({ key, name });
          return refresh();
        }}
      />
      {saved && <Done>{saved}</Done>}
      {editingKey && (
        <EditLimits
          key={editingKey.id}
          apiKey={editingKey}
          onDone={async (ok) => {
            setEditing(null);
            setSaved(ok ? `Saved the limits of ${editingKey.name}.` : null);
            if (ok) await refresh();
          }}
        />
      )}
      {spend.isError && <ErrorBox title="Could not load this period's spend" message={errorMessage(spend.error)} />}
      {revoke.error && <ErrorBox title="Could not revoke the key" message={errorMessage(revoke.error)} />}
      <div className="flex justify-end">
        <label className="inline-flex items-center gap-2 text-sm text-slate-600">
          <input
            type="checkbox"
            className="size-4 rounded border-slate-300 accent-indigo-600"
            checked={includeRevoked}
            onChange={(e) => setIncludeRevoked(e.target.checked)}
          />
          Show revoked keys
        </label>
      </div>
      {keys.isPending ? (
        <Skeleton rows={3} />
      ) : keys.isError ? (
        <ErrorBox title="Could not load API keys" message={errorMessage(keys.error)} onRetry={() => void keys.refetch()} />
      ) : keys.data.items.length === 0 ? (
        <p className="py-2 text-sm text-slate-500">No API keys yet. Create one above to call the API from your apps.</p>
      ) : (
        <Table label="API keys">
          <thead>
            <tr>
              <Th>Name</Th>
              <Th>Type</Th>
              <Th>Role</Th>
              <Th>Limits / origins</Th>
              <Th>Spend this period</Th>
              <Th>Last used</Th>
              <Th>Created</Th>
              <Th>
                <span className="sr-only">Actions</span>
              </Th>
            </tr>
          </thead>
          <tbody>
            {keys.data.items.map((k) => (
              <tr key={k.id} className={k.revokedAt ? "opacity-60" : undefined}>
                <Td className="font-medium text-slate-900">
                  {k.kind === "secret" ? (
                    <Link href={keyHref(projectId, k.id)} className={linkClass} title="Spend and limits of this key">
                      {k.name}
                    </Link>
                  ) : (
                    k.name
                  )}
                  <p className="font-mono text-xs font-normal text-slate-500">{k.prefix}…</p>
                </Td>
                <Td>
                  <Badge tone={k.kind === "secret" ? "indigo" : "blue"}>{k.kind}</Badge>
                </Td>
                <Td>{roleLabel(k.role)}</Td>
                {/* a secret key's gateway limits, a public key's origins: a key has one or the other */}
                {k.kind === "secret" ? (
                  <Td className="min-w-56 text-xs">{limitsSummary(k) || <span className="text-slate-400">No limits</span>}</Td>
                ) : (
                  <Td className="max-w-56 truncate text-xs" title={k.origins.join(", ")}>
                    {k.origins.length ? k.origins.join(", ") : <span className="text-slate-400">—</span>}
                  </Td>
                )}
                <Td className="text-xs whitespace-nowrap tabular-nums">
                  {k.kind !== "secret" ? (
                    <span className="text-slate-400">—</span>
                  ) : spend.data ? (
                    <>
                      {formatCost(spendThisPeriod(spend.data.points, k.id, k.budgetPeriod, now))}
                      <span className="text-slate-500"> / {k.budgetPeriod === "day" ? "today" : "this month"}</span>
                    </>
                  ) : (
                    <span className="text-slate-400">…</span>
                  )}
                </Td>
                <Td title={formatDateTime(k.lastUsedAt)}>
                  {k.lastUsedAt ? formatRelative(k.lastUsedAt) : <span className="text-slate-400">Never</span>}
                </Td>
                <Td title={formatDateTime(k.createdAt)}>{formatRelative(k.createdAt)}</Td>
                <Td className="text-right">
                  {k.revokedAt ? (
                    <Badge tone="red">Revoked</Badge>
                  ) : (
                    <div className="flex justify-end gap-1">
                      {k.kind === "secret" && (
                        <Button
                          size="sm"
                          variant="ghost"
                          aria-label={`Edit limits of ${k.name}`}
                          onClick={() => {
                            setSaved(null);
                            setEditing(k.id);
                          }}
                        >
                          Edit limits
                        </Button>
                      )}
                      <Button
                        size="sm"
                        variant="danger"
                        onClick={() => onRevoke(k)}
                        loading={revoke.isPending && revoke.variables?.keyId === k.id}
                      >
                        Revoke
                      </Button>
                    </div>
                  )}
                </Td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </div>
  );
}
