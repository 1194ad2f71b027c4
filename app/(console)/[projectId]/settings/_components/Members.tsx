"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { z } from "zod";
import { applyServerError, FormError, FormField, useZodForm, ZodForm } from "@/app/_components/form";
import { Badge, Button, Card, ErrorBox, Input, Select, Skeleton, Table, Td, Th, When } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { formatDateTime } from "@/app/_lib/format";
import { useProject } from "@/app/_lib/project";
import { atLeast, ROLE_ORDER, type Role, roleLabel } from "@/app/_lib/roles";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";
import { addMemberInput } from "@/server/workspace/inputs";
import { Invitations } from "./Invitations";

type Member = RouterOutputs["workspace"]["members"]["list"]["items"][number];

export function Members() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const project = useProject();
  const projectId = project.slug;
  const me = useQuery(trpc.workspace.auth.me.queryOptions());
  const members = useQuery(trpc.workspace.members.list.queryOptions({ projectId, limit: 200 }));
  const isAdmin = atLeast(project.role, "admin");
  // A member may grant roles up to their own; the server checks the same rule.
  const grantable = ROLE_ORDER.filter((r) => atLeast(project.role, r));

  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.workspace.members.list.queryKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.workspace.audit.list.pathKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.workspace.invitations.list.pathKey() }),
      // Changing or removing yourself changes what you may do here.
      queryClient.invalidateQueries({ queryKey: trpc.workspace.projects.get.queryKey() }),
    ]);
  const updateRole = useMutation(trpc.workspace.members.updateRole.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(trpc.workspace.members.remove.mutationOptions({ onSuccess: refresh }));
  const rowError = updateRole.error ?? remove.error;

  const onRemove = (m: Member) => {
    if (window.confirm(`Remove ${m.email} from ${project.name}?`)) {
      updateRole.reset();
      remove.mutate({ projectId, memberId: m.id });
    }
  };

  return (
    <Card title="Members" description="People who can open this project, and what their role lets them do.">
      <div className="flex flex-col gap-4">
        {isAdmin && <AddMember grantable={grantable} onAdded={refresh} />}
        {isAdmin && <Invitations onChanged={refresh} />}
        {rowError && <ErrorBox title="Could not update the member" message={errorMessage(rowError)} />}
        {members.isPending ? (
          <Skeleton rows={3} />
        ) : members.isError ? (
          <ErrorBox title="Could not load members" message={errorMessage(members.error)} onRetry={() => void members.refetch()} />
        ) : (
          <Table label="Members">
            <thead>
              <tr>
                <Th>Email</Th>
                <Th>Role</Th>
                <Th>Added</Th>
                {isAdmin && (
                  <Th>
                    <span className="sr-only">Actions</span>
                  </Th>
                )}
              </tr>
            </thead>
            <tbody>
              {members.data.items.map((m) => {
                // Members who outrank you are out of your reach (an admin cannot demote an owner).
                const editable = isAdmin && atLeast(project.role, m.role);
                const options: Role[] = grantable.includes(m.role) ? grantable : [m.role, ...grantable];
                return (
                  <tr key={m.id}>
                    <Td>
                      <span className="text-slate-900">{m.email}</span>
                      {m.name && <span className="ml-2 text-slate-500">{m.name}</span>}
                      {me.data?.user?.email === m.email && (
                        <span className="ml-2">
                          <Badge>you</Badge>
                        </span>
                      )}
                    </Td>
                    <Td>
                      {isAdmin ? (
                        <Select
                          aria-label={`Role for ${m.email}`}
                          className="h-8!"
                          value={m.role}
                          disabled={!editable || updateRole.isPending}
                          onChange={(e) => {
                            remove.reset();
                            updateRole.mutate({ projectId, memberId: m.id, role: e.target.value as Role });
                          }}
                        >
                          {options.map((r) => (
                            <option key={r} value={r}>
                              {roleLabel(r)}
                            </option>
                          ))}
                        </Select>
                      ) : (
                        <Badge tone={m.role === "owner" ? "indigo" : "gray"}>{roleLabel(m.role)}</Badge>
                      )}
                    </Td>
                    <Td>
                      <When at={m.createdAt} />
                    </Td>
                    {isAdmin && (
                      <Td className="text-right">
                        {editable && (
                          <Button
                            size="sm"
                            variant="danger"
                            onClick={() => onRemove(m)}
                            loading={remove.isPending && remove.variables?.memberId === m.id}
                          >
                            Remove
                          </Button>
                        )}
                      </Td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </Table>
        )}
      </div>
    </Card>
  );
}

/**
 * Invite by email: the answer is a link, shown once here, to send to the person yourself. It works
 * for an existing account (sign in, accept) and for someone new (set a password through it).
 */
function AddMember({ grantable, onAdded }: { grantable: Role[]; onAdded: () => Promise<unknown> }) {
  const trpc = useTRPC();
  const project = useProject();
  const [link, setLink] = useState<{ email: string; url: string; expiresAt: Date } | null>(null);
  const [copied, setCopied] = useState(false);
  const add = useMutation(trpc.workspace.members.add.mutationOptions());
  const form = useZodForm(addMemberInput, { email: "", role: "engineer" });
  async function submit(values: z.output<typeof addMemberInput>) {
    try {
      const res = await add.mutateAsync({ projectId: project.slug, ...values });
      setLink({ email: values.email, url: res.invitation.url, expiresAt: res.invitation.expiresAt });
      setCopied(false);
      form.reset({ email: "", role: values.role });
      await onAdded();
    } catch (err) {
      applyServerError(form, err, ["email", "role"]);
    }
  }
  const copy = async () => {
    if (!link) return;
    await navigator.clipboard?.writeText(link.url).catch(() => undefined);
    setCopied(true);
  };

  return (
    <ZodForm form={form} onSubmit={submit} label="Invite member" className="rounded-md border border-slate-200 bg-slate-50 p-4">
      <h3 className="mb-3 text-sm font-medium text-slate-900">Invite a member</h3>
      <div className="mb-3 empty:hidden">
        <FormError />
      </div>
      <div className="flex flex-wrap items-start gap-3">
        <FormField name="email" label="Member email" className="min-w-64 flex-1">
          <Input type="email" {...form.register("email")} placeholder="teammate@company.com" />
        </FormField>
        <FormField name="role" label="Role" className="w-40">
          <Select {...form.register("role")}>
            {grantable.map((r) => (
              <option key={r} value={r}>
                {roleLabel(r)}
              </option>
            ))}
          </Select>
        </FormField>
        <Button type="submit" variant="primary" loading={add.isPending} className="mt-6.5">
          Create invitation
        </Button>
      </div>
      {link ? (
        <div role="status" className="mt-3 rounded-md border border-emerald-200 bg-emerald-50 p-3 text-sm">
          <p className="text-slate-800">
            Send this link to <strong>{link.email}</strong>. It is shown only now and works until {formatDateTime(link.expiresAt)}.
          </p>
          <div className="mt-2 flex items-center gap-2">
            <Input
              readOnly
              aria-label="Invitation link"
              value={link.url}
              onFocus={(e) => e.target.select()}
              className="font-mono text-xs"
            />
            <Button size="sm" onClick={() => void copy()}>
              {copied ? "Copied" : "Copy"}
            </Button>
          </div>
        </div>
      ) : (
        <p className="mt-2 text-xs text-slate-500">
          You get a link to send yourself. The person signs in with that email to accept, or sets a password through the link if they have
          no account yet.
        </p>
      )}
    </ZodForm>
  );
}
