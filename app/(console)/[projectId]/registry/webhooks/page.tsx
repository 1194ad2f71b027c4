"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { z } from "zod";
import { EmptyState } from "@/app/_components/EmptyState";
import { applyServerError, emptyToUndefined, FormError, FormField, useZodForm, ZodForm } from "@/app/_components/form";
import { Alert, Badge, Button, Card, Done, ErrorBox, Input, PageHeader, Skeleton, Table, Td, Th, When } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { useTRPC } from "@/app/_lib/trpc";
import { REGISTRY_EVENTS, webhookForm } from "@/server/registry/inputs";
import { RegistryNav } from "../_components/RegistryNav";
import { WebhookDeliveries } from "../_components/WebhookDeliveries";

export default function WebhooksPage() {
  const project = useProject();
  const isAdmin = atLeast(project.role, "admin");
  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        title="Webhooks"
        description="HTTP endpoints told about registry changes: new versions, alias moves, approvals. Each request is signed: x-keel-signature: t=…,v1=HMAC-SHA256 of t.body with the secret."
      />
      <RegistryNav />
      {isAdmin ? (
        <Webhooks />
      ) : (
        <EmptyState title="Webhooks are managed by admins">Receiver URLs and payloads are visible to admins and owners only.</EmptyState>
      )}
    </div>
  );
}

function Webhooks() {
  const trpc = useTRPC();
  const project = useProject();
  const queryClient = useQueryClient();
  const hooks = useQuery(trpc.registry.webhooks.list.queryOptions({ projectId: project.slug, limit: 200 }));
  const [open, setOpen] = useState<{ id: string; url: string } | null>(null);
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.registry.webhooks.pathKey() });
  const opts = { onSuccess: () => void invalidate() };
  const test = useMutation(trpc.registry.webhooks.test.mutationOptions(opts));
  const update = useMutation(trpc.registry.webhooks.update.mutationOptions(opts));
  const remove = useMutation(trpc.registry.webhooks.delete.mutationOptions(opts));
  const rotate = useMutation(trpc.registry.webhooks.rotateSecret.mutationOptions(opts));
  const actionError = test.error ?? update.error ?? remove.error ?? rotate.error;
  const busy = (m: { isPending: boolean; variables?: { webhookId: string } }, id: string) => m.isPending && m.variables?.webhookId === id;

  return (
    <>
      <Card title="New webhook" description="Keel POSTs a JSON body for each event; failed deliveries are retried with backoff.">
        <CreateWebhook onCreated={(url, s) => setSecret({ url, secret: s })} />
      </Card>
      {secret && <SecretOnce url={secret.url} secret={secret.secret} onDone={() => setSecret(null)} />}
      <Card title="Webhooks">
        {actionError && <Alert>{errorMessage(actionError)}</Alert>}
        {test.data && <Done>Test event queued; see its delivery below.</Done>}
        {hooks.isPending ? (
          <Skeleton rows={2} />
        ) : hooks.isError ? (
          <ErrorBox title="Could not load webhooks" message={errorMessage(hooks.error)} onRetry={() => void hooks.refetch()} />
        ) : hooks.data.items.length === 0 ? (
          <p className="text-sm text-slate-500">No webhooks yet.</p>
        ) : (
          <Table label="Webhooks">
            <thead>
              <tr>
                <Th>URL</Th>
                <Th>Events</Th>
                <Th>Status</Th>
                <Th>Created</Th>
                <Th>
                  <span className="sr-only">Actions</span>
                </Th>
              </tr>
            </thead>
            <tbody>
              {hooks.data.items.map((w) => (
                <tr key={w.id}>
                  <Td className="max-w-64">
                    <span className="font-mono text-xs break-all">{w.url}</span>
                    {w.description && <p className="text-xs text-slate-500">{w.description}</p>}
                  </Td>
                  <Td className="text-xs">{w.events.includes("*") ? "All events" : w.events.join(", ")}</Td>
                  <Td>{w.active ? <Badge tone="green">active</Badge> : <Badge>inactive</Badge>}</Td>
                  <Td>
                    <When at={w.createdAt} />
                  </Td>
                  <Td>
                    <div className="flex flex-wrap justify-end gap-1.5">
                      <Button size="sm" onClick={() => setOpen({ id: w.id, url: w.url })}>
                        Deliveries
                      </Button>
                      <Button
                        size="sm"
                        loading={busy(test, w.id)}
                        onClick={() => {
                          setOpen({ id: w.id, url: w.url });
                          test.mutate({ projectId: project.id, webhookId: w.id });
                        }}
                      >
                        Send test
                      </Button>
                      <Button
                        size="sm"
                        loading={busy(update, w.id)}
                        onClick={() => update.mutate({ projectId: project.id, webhookId: w.id, active: !w.active })}
                      >
                        {w.active ? "Deactivate" : "Activate"}
                      </Button>
                      <Button
                        size="sm"
                        loading={busy(rotate, w.id)}
                        onClick={() =>
                          rotate.mutate(
                            { projectId: project.id, webhookId: w.id },
                            { onSuccess: (r) => setSecret({ url: w.url, secret: r.secret }) },
                          )
                        }
                      >
                        Rotate secret
                      </Button>
                      <Button
                        size="sm"
                        variant="danger"
                        loading={busy(remove, w.id)}
                        onClick={() => {
                          if (!window.confirm(`Delete the webhook to ${w.url} and its deliveries?`)) return;
                          if (open?.id === w.id) setOpen(null);
                          remove.mutate({ projectId: project.id, webhookId: w.id });
                        }}
                      >
                        Delete
                      </Button>
                    </div>
                  </Td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </Card>
      {open && <WebhookDeliveries key={open.id} webhookId={open.id} url={open.url} onClose={() => setOpen(null)} />}
    </>
  );
}

function SecretOnce({ url, secret, onDone }: { url: string; secret: string; onDone: () => void }) {
  return (
    <div role="status" className="flex flex-col gap-2 rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900">
      <p className="font-medium">Signing secret for {url} (shown once; store it now)</p>
      <code className="rounded bg-white px-2 py-1 font-mono text-xs break-all text-slate-900">{secret}</code>
      <div className="flex gap-2">
        <Button size="sm" onClick={() => void navigator.clipboard?.writeText(secret)}>
          Copy secret
        </Button>
        <Button size="sm" variant="ghost" onClick={onDone}>
          I have stored it
        </Button>
      </div>
    </div>
  );
}

/** Create a webhook, validated by the registry's webhookForm (createWebhookInput, events required) before it is sent; events ["*"] is All events. */
function CreateWebhook({ onCreated }: { onCreated: (url: string, secret: string) => void }) {
  const trpc = useTRPC();
  const project = useProject();
  const queryClient = useQueryClient();
  const create = useMutation(trpc.registry.webhooks.create.mutationOptions());
  const defaults = { url: "", events: ["*"] };
  const form = useZodForm(webhookForm, defaults);
  const events = form.watch("events") ?? [];
  const all = events.includes("*");
  const setEvents = (next: string[]) => form.setValue("events", next, { shouldValidate: form.formState.isSubmitted });

  async function submit(values: z.output<typeof webhookForm>) {
    try {
      const w = await create.mutateAsync({ projectId: project.id, ...values });
      onCreated(w.url, w.secret);
      form.reset(defaults);
      await queryClient.invalidateQueries({ queryKey: trpc.registry.webhooks.pathKey() });
    } catch (err) {
      applyServerError(form, err, ["url", "events", "description"]);
    }
  }

  const eventsError = form.formState.errors.events?.message;
  return (
    <ZodForm form={form} onSubmit={submit} label="New webhook">
      <div className="grid gap-4 sm:grid-cols-2">
        <FormField name="url" label="Receiver URL">
          <Input type="url" {...form.register("url")} placeholder="https://example.com/keel-hook" />
        </FormField>
        <FormField name="description" label="Webhook description" hint="Optional.">
          <Input {...form.register("description", { setValueAs: emptyToUndefined })} maxLength={500} />
        </FormField>
      </div>
      <fieldset className="flex flex-col gap-2" aria-describedby={eventsError ? "webhook-events-error" : undefined}>
        <legend className="mb-1.5 text-sm font-medium text-slate-700">Events</legend>
        <label className="flex items-center gap-2 text-sm text-slate-700">
          <input
            type="checkbox"
            className="size-4 rounded border-slate-300"
            checked={all}
            onChange={(e) => setEvents(e.target.checked ? ["*"] : [])}
          />
          All events
        </label>
        <div className="flex flex-wrap gap-x-4 gap-y-1.5">
          {REGISTRY_EVENTS.map((ev) => (
            <label key={ev} className="flex items-center gap-2 font-mono text-xs text-slate-700">
              <input
                type="checkbox"
                className="size-4 rounded border-slate-300"
                disabled={all}
                checked={all || events.includes(ev)}
                onChange={(e) => setEvents(e.target.checked ? [...events, ev] : events.filter((x) => x !== ev))}
              />
              {ev}
            </label>
          ))}
        </div>
        {eventsError && (
          <p id="webhook-events-error" className="text-xs text-red-600">
            {eventsError.charAt(0).toUpperCase()}
            {eventsError.slice(1)}
          </p>
        )}
      </fieldset>
      <FormError />
      <div>
        <Button type="submit" variant="primary" loading={create.isPending}>
          Create webhook
        </Button>
      </div>
    </ZodForm>
  );
}
