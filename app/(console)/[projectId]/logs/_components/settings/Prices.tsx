"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { Button, Card, Done, ErrorBox, Field, Input, Skeleton, Table, Td, Th } from "@/app/_components/ui";
import { errorMessage, fieldError, formError } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";

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

/** Recompute past costs after a price changed: the calls whose generations started in [from, to). */
function RecomputeCosts() {
  const trpc = useTRPC();
  const project = useProject();
  const [from, setFrom] = useState(() => localInput(new Date(Date.now() - 7 * 86_400_000)));
  const [to, setTo] = useState(() => localInput(new Date()));
  const [local, setLocal] = useState<{ field: string; message: string } | null>(null);
  const recompute = useMutation(trpc.logs.prices.recompute.mutationOptions());
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setLocal(null);
    const f = new Date(from);
    const t = new Date(to);
    if (Number.isNaN(f.getTime())) return setLocal({ field: "from", message: "Enter a start" });
    if (Number.isNaN(t.getTime())) return setLocal({ field: "to", message: "Enter an end" });
    if (t <= f) return setLocal({ field: "to", message: "The end must be after the start" });
    recompute.mutate({ projectId: project.slug, from: f.toISOString(), to: t.toISOString() });
  };
  const err = (f: string) => (local?.field === f ? local.message : fieldError(recompute.error, f));
  const general = formError(recompute.error, ["from", "to"]);
  return (
    <form onSubmit={submit} noValidate aria-label="Recompute costs" className="rounded-md border border-slate-200 p-4">
      <h3 className="text-sm font-medium text-slate-900">Recompute costs</h3>
      <p className="mb-3 text-sm text-slate-500">
        Prices the generations that started in this range again from the prices as they are now (a gateway deployment&apos;s own prices
        first). Costs nothing prices stay as they are.
      </p>
      {general && (
        <div className="mb-3">
          <ErrorBox title="Could not recompute" message={general} />
        </div>
      )}
      <div className="flex flex-wrap items-start gap-3">
        <Field label="From" error={err("from")} className="w-56">
          <Input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />
        </Field>
        <Field label="To (exclusive)" error={err("to")} className="w-56">
          <Input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} />
        </Field>
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
    </form>
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
  const [match, setMatch] = useState(initial?.match ?? "");
  const [input, setInput] = useState(initial ? String(initial.inputPerMillion) : "");
  const [output, setOutput] = useState(initial ? String(initial.outputPerMillion) : "");
  const [local, setLocal] = useState<{ field: string; message: string } | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  // "Edit" remounts this form with the price: move focus to its first price field.
  useEffect(() => {
    if (initial) formRef.current?.querySelectorAll("input")[1]?.focus();
  }, [initial]);
  const upsert = useMutation(
    trpc.logs.prices.upsert.mutationOptions({
      onSuccess: () => {
        setMatch("");
        setInput("");
        setOutput("");
        onDone();
        return onSaved();
      },
    }),
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setLocal(null);
    const i = Number(input);
    const o = Number(output);
    if (!input.trim() || !Number.isFinite(i) || i < 0) return setLocal({ field: "inputPerMillion", message: "Enter a price ≥ 0" });
    if (!output.trim() || !Number.isFinite(o) || o < 0) return setLocal({ field: "outputPerMillion", message: "Enter a price ≥ 0" });
    // uuid, not slug: the service spreads the input (projectId included) into the row (reported server-side)
    upsert.mutate({ projectId: project.id, match: match.trim(), inputPerMillion: i, outputPerMillion: o });
  };
  const err = (f: string) => (local?.field === f ? local.message : fieldError(upsert.error, f));
  const general = formError(upsert.error, ["match", "inputPerMillion", "outputPerMillion"]);

  return (
    <form
      ref={formRef}
      onSubmit={submit}
      noValidate
      aria-label="Add or update a price"
      className="rounded-md border border-slate-200 bg-slate-50 p-4"
    >
      <h3 className="mb-3 text-sm font-medium text-slate-900">{initial ? `Update ${initial.match}` : "Add or update a price"}</h3>
      {general && (
        <div className="mb-3">
          <ErrorBox title="Could not save the price" message={general} />
        </div>
      )}
      <div className="flex flex-wrap items-start gap-3">
        <Field label="Model match" hint="gpt-4o-mini or /^claude-3/" error={err("match")} className="min-w-56 flex-1">
          <Input value={match} onChange={(e) => setMatch(e.target.value)} spellCheck={false} readOnly={!!initial} maxLength={200} />
        </Field>
        <Field label="Input USD per 1M tokens" error={err("inputPerMillion")} className="w-48">
          <Input inputMode="decimal" value={input} onChange={(e) => setInput(e.target.value)} placeholder="0.15" />
        </Field>
        <Field label="Output USD per 1M tokens" error={err("outputPerMillion")} className="w-48">
          <Input inputMode="decimal" value={output} onChange={(e) => setOutput(e.target.value)} placeholder="0.60" />
        </Field>
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
    </form>
  );
}
