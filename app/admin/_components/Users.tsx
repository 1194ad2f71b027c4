"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Badge, Button, Card, ErrorBox, Skeleton, Table, Td, Th } from "../../_components/ui";
import { errorMessage } from "../../_lib/errors";
import { formatDateTime, formatRelative } from "../../_lib/format";
import { type RouterOutputs, useTRPC } from "../../_lib/trpc";

type User = RouterOutputs["workspace"]["instance"]["users"]["list"]["items"][number];

/** Every user of the instance: disable or enable, make or unmake admin, reset a password. */
export function Users({ myId }: { myId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const users = useQuery(trpc.workspace.instance.users.list.queryOptions({ limit: 200 }));
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.workspace.instance.users.list.queryKey() });
  const disable = useMutation(trpc.workspace.instance.users.disable.mutationOptions({ onSuccess: refresh }));
  const enable = useMutation(trpc.workspace.instance.users.enable.mutationOptions({ onSuccess: refresh }));
  const setAdmin = useMutation(trpc.workspace.instance.users.setAdmin.mutationOptions({ onSuccess: refresh }));
  const [reset, setReset] = useState<{ email: string; password: string } | null>(null);
  const resetPassword = useMutation(
    trpc.workspace.instance.users.resetPassword.mutationOptions({
      onSuccess: (res) => setReset(res.password ? { email: res.email, password: res.password } : null),
    }),
  );
  const error = disable.error ?? enable.error ?? setAdmin.error ?? resetPassword.error;

  const act = (u: User, what: "disable" | "enable" | "admin" | "unadmin" | "reset") => {
    const ask: Record<typeof what, string> = {
      disable: `Disable ${u.email}? Their sessions and API keys stop working at once.`,
      enable: `Enable ${u.email} again?`,
      admin: `Make ${u.email} an instance admin?`,
      unadmin: `Remove instance admin from ${u.email}?`,
      reset: `Reset the password of ${u.email}? A new one is generated and shown once; their sessions end.`,
    };
    if (!window.confirm(ask[what])) return;
    for (const m of [disable, enable, setAdmin, resetPassword]) m.reset();
    if (what === "disable") disable.mutate({ userId: u.id });
    else if (what === "enable") enable.mutate({ userId: u.id });
    else if (what === "reset") resetPassword.mutate({ email: u.email });
    else setAdmin.mutate({ userId: u.id, isAdmin: what === "admin" });
  };

  return (
    <Card title="Users" description="Accounts are created by invitation links or with keel users create.">
      <div className="flex flex-col gap-4">
        {error && <ErrorBox title="Could not update the user" message={errorMessage(error)} />}
        {reset && (
          <div role="status" className="rounded-md border border-emerald-200 bg-emerald-50 p-3 text-sm text-slate-800">
            New password for <strong>{reset.email}</strong> (shown once): <code className="font-mono">{reset.password}</code>
          </div>
        )}
        {users.isPending ? (
          <Skeleton rows={3} />
        ) : users.isError ? (
          <ErrorBox title="Could not load users" message={errorMessage(users.error)} onRetry={() => void users.refetch()} />
        ) : (
          <Table label="Users">
            <thead>
              <tr>
                <Th>Email</Th>
                <Th>Status</Th>
                <Th>Created</Th>
                <Th>
                  <span className="sr-only">Actions</span>
                </Th>
              </tr>
            </thead>
            <tbody>
              {users.data.items.map((u) => (
                <tr key={u.id}>
                  <Td>
                    <span className="text-slate-900">{u.email}</span>
                    {u.name && <span className="ml-2 text-slate-500">{u.name}</span>}
                  </Td>
                  <Td>
                    <div className="flex flex-wrap gap-1">
                      {u.isAdmin && <Badge tone="indigo">admin</Badge>}
                      {u.disabledAt ? (
                        <span title={`${formatDateTime(u.disabledAt)}${u.disabledByEmail ? ` by ${u.disabledByEmail}` : ""}`}>
                          <Badge tone="red">disabled</Badge>
                        </span>
                      ) : (
                        <Badge tone="green">active</Badge>
                      )}
                    </div>
                  </Td>
                  <Td>
                    <time dateTime={u.createdAt.toISOString()} title={formatDateTime(u.createdAt)}>
                      {formatRelative(u.createdAt)}
                    </time>
                  </Td>
                  <Td className="text-right">
                    {u.id !== myId && (
                      <div className="flex justify-end gap-2">
                        <Button size="sm" onClick={() => act(u, u.isAdmin ? "unadmin" : "admin")}>
                          {u.isAdmin ? "Remove admin" : "Make admin"}
                        </Button>
                        <Button size="sm" onClick={() => act(u, "reset")}>
                          Reset password
                        </Button>
                        {u.disabledAt ? (
                          <Button size="sm" onClick={() => act(u, "enable")}>
                            Enable
                          </Button>
                        ) : (
                          <Button size="sm" variant="danger" onClick={() => act(u, "disable")}>
                            Disable
                          </Button>
                        )}
                      </div>
                    )}
                  </Td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </div>
    </Card>
  );
}
