"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { z } from "zod";
import { applyServerError, FormError, FormField, toNumber, useZodForm, ZodForm } from "@/app/_components/form";
import { Button, Card, Done, ErrorBox, Input, Skeleton, Table, Td, Th } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";
import { priceInput, recomputeInput } from "@/server/logs/inputs";

type Price = RouterOutputs["logs"]["prices"]["list"][number];

const usd = (n: number) => `$${n.toLocaleString(undefined, { maximumFractionDigits: 4 })}`;

/** Per-model prices: the cost of a generation that did not report its own, computed at ingest. */
export function Prices() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const project = useProject();
  const canEdit = atLeast(project.role, "engineer");
  const prices = useQuery(trpc.logs.prices.list.queryOptions({ projectId: project.slug }));
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.logs.prices.list.pathKey() });
  const remove = useMutation(trpc.logs.prices.delete.mutationOptions({ onSuccess: refresh }));
  const [editing, setEditing] = useState<Price | null>(null);

  const onDelete = (p: Price) => {
    if (window.confirm(`Delete the price for ${p.match}? Costs already logged stay as they are.`))
      remove.mutate({ projectId: project.slug, id: p.id });
  };

  return (
    <Card
      title="Model prices"
      description="USD per million tokens. Match an exact model name, or a pattern written /regex/flags. Exact names win, then patterns, then the built-in prices below; applied to new generations (recompute below for past ones)."
    >
      <div className="flex flex-col gap-4">
        {canEdit ? (
          <PriceForm key={editing?.id ?? "new"} initial={editing} onDone={() => setEditing(null)} onSaved={refresh} />
        ) : (
          <p className="text-sm text-slate-500">Editing prices needs the engineer role.</p>
        )}
        {remove.error && <ErrorBox title="Could not delete the price" message={errorMessage(remove.error)} />}
        {prices.isPending ? (
          <Skeleton rows={3} />
        ) : prices.isError ? (
          <ErrorBox title="Could not load prices" message={errorMessage(prices.error)} onRetry={() => void prices.refetch()} />
        ) : prices.data.length === 0 ? (
          <p className="py-2 text-sm text-slate-500">
            No prices yet: generations without a reported cost are priced from the built-in prices below, or logged at $0.
          </p>
        ) : (
          <Table label="Model prices">
            <thead>
              <tr>
                <Th>Model match</Th>
                <Th className="text-right">Input / 1M</Th>
                <Th className="text-right">Output / 1M</Th>
                {canEdit && (
                  <Th>
                    <span className="sr-only">Actions</span>
                  </Th>
                )}
              </tr>
            </thead>
            <tbody>
              {prices.data.map((p) => (
                <tr key={p.id}>
                  <Td className="font-mono text-xs text-slate-900">{p.match}</Td>
                  <Td className="text-right tabular-nums">{usd(p.inputPerMillion)}</Td>
                  <Td className="text-right tabular-nums">{usd(p.outputPerMillion)}</Td>
                  {canEdit && (
                    <Td className="text-right whitespace-nowrap">
                      <Button size="sm" variant="ghost" onClick={() => setEditing(p)} aria-label={`Edit price for ${p.match}`}>
                        Edit
                      </Button>{" "}
                      <Button
                        size="sm"
                        variant="danger"
                        loading={remove.isPending && remove.variables?.id === p.id}
                        onClick={() => onDelete(p)}
                        aria-label={`Delete price for ${p.match}`}
                      >
                        Delete
                      </Button>
                    </Td>
                  )}
                </tr>
              ))}
            </tbody>
          </Table>
        )}
        {canEdit && <RecomputeCosts />}
        <CatalogPrices />
      </div>
    </Card>
  );
}

/** A datetime-local input's value for a moment (the browser's time zone). */
const localInput = (d: Date) => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
/** A datetime-local value (the browser's time zone) as the ISO instant the server's schema reads; "" when empty or invalid. */
const instantOf = (local: string) => {
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? "" : d.toISOString();
};

/** The range as typed (datetime-local boxes), checked by the server's recomputeInput. */
const recomputeForm = z
  .object({ from: z.string(), to: z.string() })
  .transform((r) => ({ from: instantOf(r.from), to: instantOf(r.to) }))
  .pipe(recomputeInput);

/** Recompute past costs after a price changed: the calls whose generations started in [from, to). */
function RecomputeCosts() {
  const trpc = useTRPC();
  const project = useProject();
  const form = useZodForm(
    recomputeForm,
    { from: localInput(new Date(Date.now() - 7 * 86_400_000)), to: localInput(new Date()) },
    { from: "enter a start", to: "enter an end after the start" },
  );
  const recompute = useMutation(trpc.logs.prices.recompute.mutationOptions());
  async function submit(r: z.output<typeof recomputeForm>) {
    try {
      await recompute.mutateAsync({ projectId: project.slug, from: r.from.toISOString(), to: r.to.toISOString() });
    } catch (err) {
      applyServerError(form, err, ["from", "to"]);
    }
  }
  return (
    <ZodForm form={form} onSubmit={submit} label="Recompute costs" className="rounded-md border border-slate-200 p-4">
      <h3 className="text-sm font-medium text-slate-900">Recompute costs</h3>
      <p className="mb-3 text-sm text-slate-500">
        Prices the generations that started in this range again from the prices as they are now (a gateway deployment&apos;s own prices
        first). Costs nothing prices stay as they are.
      </p>
      <div className="mb-3 empty:hidden">
        <FormError />
      </div>
      <div className="flex flex-wrap items-start gap-3">
        <FormField name="from" label="From" className="w-56">
          <Input type="datetime-local" {...form.register("from")} />
        </FormField>
        <FormField name="to" label="To (exclusive)" className="w-56">
          <Input type="datetime-local" {...form.register("to")} />
        </FormField>
        <div className="mt-6.5">
          <Button type="submit" loading={recompute.isPending}>
            Recompute
          </Button>
        </div>
      </div>
      {recompute.data && (
        <div className="mt-3">
          <Done>
            {recompute.data.updated === 0
              ? "Every cost in that range already matches the current prices."
              : `Updated ${recompute.data.updated.toLocaleString()} observation${recompute.data.updated === 1 ? "" : "s"} in ${recompute.data.traces.toLocaleString()} trace${recompute.data.traces === 1 ? "" : "s"}.`}
          </Done>
        </div>
      )}
    </ZodForm>
  );
}

/** The built-in prices, folded away: what a model costs when the table above has no match. */
function CatalogPrices() {
  const trpc = useTRPC();
  const project = useProject();
  const [open, setOpen] = useState(false);
  const catalog = useQuery({ ...trpc.logs.prices.catalog.queryOptions({ projectId: project.slug }), enabled: open, staleTime: Infinity });
  return (
    <details onToggle={(e) => setOpen(e.currentTarget.open)} className="text-sm">
      <summary className="cursor-pointer text-slate-700">
        Built-in prices (OpenAI, Anthropic, Google, Mistral){catalog.data ? `, as published on ${catalog.data.date}` : ""}
      </summary>
      <div className="mt-3">
        {catalog.isPending ? (
          <Skeleton rows={3} />
        ) : catalog.isError ? (
          <ErrorBox
            title="Could not load the built-in prices"
            message={errorMessage(catalog.error)}
            onRetry={() => void catalog.refetch()}
          />
        ) : (
          <>
            <p className="mb-2 text-slate-500">
              A name also matches its dated or suffixed versions (gpt-4o matches gpt-4o-2024-08-06); the longest match wins. Add a price
              above to override one.
            </p>
            <Table label="Built-in prices">
              <thead>
                <tr>
                  <Th>Model</Th>
                  <Th>Provider</Th>
                  <Th className="text-right">Input / 1M</Th>
                  <Th className="text-right">Output / 1M</Th>
                </tr>
              </thead>
              <tbody>
                {catalog.data.prices.map((p) => (
                  <tr key={p.match}>
                    <Td className="font-mono text-xs text-slate-900">{p.match}</Td>
                    <Td>{p.provider}</Td>
                    <Td className="text-right tabular-nums">{usd(p.inputPerMillion)}</Td>
                    <Td className="text-right tabular-nums">{usd(p.outputPerMillion)}</Td>
                  </tr>
                ))}
              </tbody>
            </Table>
          </>
        )}
      </div>
    </details>
  );
}

function PriceForm({ initial, onDone, onSaved }: { initial: Price | null; onDone: () => void; onSaved: () => Promise<unknown> }) {
  const trpc = useTRPC();
  const project = useProject();
  const form = useZodForm(priceInput, {
    match: initial?.match ?? "",
    inputPerMillion: initial?.inputPerMillion,
    outputPerMillion: initial?.outputPerMillion,
  });
  // "Edit" remounts this form with the price: move focus to its first price field.
  useEffect(() => {
    if (initial) form.setFocus("inputPerMillion");
  }, [initial, form]);
  const upsert = useMutation(trpc.logs.prices.upsert.mutationOptions());
  async function submit(price: z.output<typeof priceInput>) {
    try {
      // uuid, not slug: the service spreads the input (projectId included) into the row (reported server-side)
      await upsert.mutateAsync({ projectId: project.id, ...price });
    } catch (err) {
      return applyServerError(form, err, ["match", "inputPerMillion", "outputPerMillion"]);
    }
    form.reset({ match: "", inputPerMillion: undefined, outputPerMillion: undefined });
    onDone();
    await onSaved();
  }

  return (
    <ZodForm form={form} onSubmit={submit} label="Add or update a price" className="rounded-md border border-slate-200 bg-slate-50 p-4">
      <h3 className="mb-3 text-sm font-medium text-slate-900">{initial ? `Update ${initial.match}` : "Add or update a price"}</h3>
      <div className="mb-3 empty:hidden">
        <FormError />
      </div>
      <div className="flex flex-wrap items-start gap-3">
        <FormField name="match" label="Model match" hint="gpt-4o-mini or /^claude-3/" className="min-w-56 flex-1">
          <Input {...form.register("match")} spellCheck={false} readOnly={!!initial} maxLength={200} />
        </FormField>
        <FormField name="inputPerMillion" label="Input USD per 1M tokens" className="w-48">
          <Input inputMode="decimal" {...form.register("inputPerMillion", { setValueAs: toNumber })} placeholder="0.15" />
        </FormField>
        <FormField name="outputPerMillion" label="Output USD per 1M tokens" className="w-48">
          <Input inputMode="decimal" {...form.register("outputPerMillion", { setValueAs: toNumber })} placeholder="0.60" />
        </FormField>
        <div className="mt-6.5 flex gap-2">
          <Button type="submit" variant="primary" loading={upsert.isPending}>
            Save price
          </Button>
          {initial && (
            <Button variant="ghost" onClick={onDone}>
              Cancel
            </Button>
          )}
        </div>
      </div>
    </ZodForm>
  );
}
