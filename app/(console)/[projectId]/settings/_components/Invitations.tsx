"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { Badge, Button, ErrorBox, Skeleton, Table, Td, Th, When } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { roleLabel } from "@/app/_lib/roles";
import { useTRPC } from "@/app/_lib/trpc";

/** Pending invitations of the project (owners and admins): who, which role, until when; revoke. */
export function Invitations({ onChanged }: { onChanged: () => Promise<unknown> }) {
  const trpc = useTRPC();
  const project = useProject();
  const projectId = project.slug;
  const list = useQuery(trpc.workspace.invitations.list.queryOptions({ projectId, limit: 200, pendingOnly: true }));
  const revoke = useMutation(trpc.workspace.invitations.revoke.mutationOptions({ onSuccess: onChanged }));

  if (list.isPending) return <Skeleton rows={1} />;
  if (list.isError)
    return <ErrorBox title="Could not load invitations" message={errorMessage(list.error)} onRetry={() => void list.refetch()} />;
  if (list.data.items.length === 0) return null;
  return (
    <div>
      <h3 className="mb-2 text-sm font-medium text-slate-900">Pending invitations</h3>
      {revoke.error && <ErrorBox title="Could not revoke the invitation" message={errorMessage(revoke.error)} />}
      <Table label="Pending invitations">
        <thead>
          <tr>
            <Th>Email</Th>
            <Th>Role</Th>
            <Th>Invited by</Th>
            <Th>Expires</Th>
            <Th>
              <span className="sr-only">Actions</span>
            </Th>
          </tr>
        </thead>
        <tbody>
          {list.data.items.map((i) => (
            <tr key={i.id}>
              <Td className="text-slate-900">{i.email}</Td>
              <Td>
                <Badge>{roleLabel(i.role)}</Badge>
              </Td>
              <Td className="text-slate-600">{i.createdByEmail ?? "—"}</Td>
              <Td>
                <When at={i.expiresAt} />
              </Td>
              <Td className="text-right">
                <Button
                  size="sm"
                  variant="danger"
                  loading={revoke.isPending && revoke.variables?.invitationId === i.id}
                  onClick={() => {
                    if (window.confirm(`Revoke the invitation for ${i.email}? The link stops working.`))
                      revoke.mutate({ projectId, invitationId: i.id });
                  }}
                >
                  Revoke
                </Button>
              </Td>
            </tr>
          ))}
        </tbody>
      </Table>
    </div>
  );
}
