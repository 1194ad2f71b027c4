"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useWatch } from "react-hook-form";
import { applyServerError, FormError, FormField, useZodForm, ZodForm } from "@/app/_components/form";
import { Badge, Button, Card, ErrorBox, Input, Select, Skeleton, Table, Td, Th } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { formatDateTime, formatRelative } from "@/app/_lib/format";
import { useProject } from "@/app/_lib/project";
import { atLeast, roleLabel } from "@/app/_lib/roles";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";
import { createKeyInput } from "@/server/workspace/inputs";
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
    <Card title="API keys" description={description}>
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
  const keys = useQuery(trpc.workspace.keys.list.queryOptions({ projectId, includeRevoked, limit: 200 }));
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.workspace.keys.list.pathKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.workspace.audit.list.pathKey() }),
    ]);
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
              <Th>Key</Th>
              <Th>Role</Th>
              <Th>Origins</Th>
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
                <Td className="font-medium text-slate-900">{k.name}</Td>
                <Td>
                  <Badge tone={k.kind === "secret" ? "indigo" : "blue"}>{k.kind}</Badge>
                </Td>
                <Td className="font-mono text-xs">{k.prefix}…</Td>
                <Td>{roleLabel(k.role)}</Td>
                <Td className="max-w-56 truncate text-xs" title={k.origins.join(", ")}>
                  {k.origins.length ? k.origins.join(", ") : <span className="text-slate-400">—</span>}
                </Td>
                <Td title={formatDateTime(k.lastUsedAt)}>
                  {k.lastUsedAt ? formatRelative(k.lastUsedAt) : <span className="text-slate-400">Never</span>}
                </Td>
                <Td title={formatDateTime(k.createdAt)}>{formatRelative(k.createdAt)}</Td>
                <Td className="text-right">
                  {k.revokedAt ? (
                    <Badge tone="red">Revoked</Badge>
                  ) : (
                    <Button
                      size="sm"
                      variant="danger"
                      onClick={() => onRevoke(k)}
                      loading={revoke.isPending && revoke.variables?.keyId === k.id}
                    >
                      Revoke
                    </Button>
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

/** "a, b ,c" as ["a", "b", "c"]: the origins box holds a comma-separated list. */
const splitList = (v: unknown) =>
  typeof v === "string"
    ? v
        .split(",")
        .map((o) => o.trim())
        .filter(Boolean)
    : v;

function CreateKey({ onCreated }: { onCreated: (key: string, name: string) => Promise<unknown> }) {
  const trpc = useTRPC();
  const project = useProject();
  const create = useMutation(trpc.workspace.keys.create.mutationOptions());
  const form = useZodForm(createKeyInput, { name: "", kind: "secret" });
  const kind = useWatch({ control: form.control, name: "kind" });

  async function submit(values: typeof createKeyInput._zod.output) {
    try {
      const res = await create.mutateAsync({
        projectId: project.slug,
        ...values,
        origins: values.kind === "public" ? values.origins : undefined,
      });
      form.reset({ name: "", kind: values.kind });
      await onCreated(res.key, res.view.name);
    } catch (err) {
      applyServerError(form, err, ["name", "kind", "origins"]);
    }
  }

  return (
    <ZodForm form={form} onSubmit={submit} label="Create API key" className="rounded-md border border-slate-200 bg-slate-50 p-4">
      <h3 className="mb-3 text-sm font-medium text-slate-900">Create API key</h3>
      <div className="mb-3 empty:hidden">
        <FormError />
      </div>
      <div className="flex flex-wrap items-start gap-3">
        <FormField name="name" label="Key name" className="min-w-48 flex-1">
          <Input {...form.register("name")} placeholder="production backend" />
        </FormField>
        <FormField name="kind" label="Key type" className="w-36">
          <Select {...form.register("kind")}>
            <option value="secret">Secret</option>
            <option value="public">Public</option>
          </Select>
        </FormField>
        {kind === "public" && (
          <FormField
            name="origins"
            label="Allowed origins"
            hint="Comma separated, e.g. https://app.example.com"
            className="min-w-64 flex-1"
          >
            <Input {...form.register("origins", { setValueAs: splitList })} placeholder="https://app.example.com" spellCheck={false} />
          </FormField>
        )}
        <Button type="submit" variant="primary" loading={create.isPending} className="mt-6.5">
          Create key
        </Button>
      </div>
    </ZodForm>
  );
}
