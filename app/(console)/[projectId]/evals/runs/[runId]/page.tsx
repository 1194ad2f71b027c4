"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useParams } from "next/navigation";
import { type FormEvent, type ReactNode, useState } from "react";
import { BackLink, Button, Card, ErrorBox, Field, PageHeader, Select, Skeleton, Table, Td, Th } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { formatDateTime } from "@/app/_lib/format";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";
import { aggregatesOf, figureLabel, fmt, isFinished, orderFigures, StatusBadge } from "../../_components/figures";

type Run = RouterOutputs["evals"]["runs"]["get"];

export default function RunPage() {
  const trpc = useTRPC();
  const project = useProject();
  const projectId = project.slug;
  const { runId } = useParams<{ runId: string }>();
  const run = useQuery(
    trpc.evals.runs.get.queryOptions(
      { projectId, runId },
      { refetchInterval: (q) => (q.state.data && isFinished(q.state.data.status) ? false : 1500) },
    ),
  );

  const back = <BackLink href={`/${projectId}/evals`}>Evaluations</BackLink>;
  if (run.isPending) return <Skeleton rows={4} />;
  if (run.isError)
    return (
      <div className="flex flex-col gap-6">
        {back}
        <ErrorBox title="Could not load the run" message={errorMessage(run.error)} onRetry={() => void run.refetch()} />
      </div>
    );
  const r = run.data;
  return (
    <div className="flex flex-col gap-6">
      {back}
      <PageHeader
        title={r.name}
        description={
          <span className="flex flex-wrap items-center gap-2">
            <StatusBadge status={r.status} />
            <span>{r.dataset ? `${r.dataset.name} v${r.dataset.version}` : "dataset version unavailable"}</span>
            {r.target.kind === "deployment" && <span>· answers by {r.target.name}</span>}
            {typeof failedOf(r.aggregates) === "number" && failedOf(r.aggregates) !== 0 && (
              <span>· {failedOf(r.aggregates)} items failed</span>
            )}
            <span>· started {formatDateTime(r.createdAt)}</span>
            {r.finishedAt && <span>· finished {formatDateTime(r.finishedAt)}</span>}
          </span>
        }
      />
      {!isFinished(r.status) && <RunProgress done={r.itemsDone} total={r.itemsTotal} status={r.status} />}
      {r.status === "failed" && <ErrorBox title="The run failed" message={r.error ?? "No error was recorded."} />}
      {r.status === "succeeded" && (
        <>
          <Figures run={r} />
          {atLeast(project.role, "engineer") && <EvaluateGate run={r} />}
          <Items projectId={projectId} runId={r.id} />
        </>
      )}
    </div>
  );
}

function RunProgress({ done, total, status }: { done: number; total: number; status: string }) {
  // The server counts the items scored so far against the version's rows; the run query refetches while it runs.
  const pct = total > 0 ? Math.min(100, Math.round((done / total) * 100)) : null;
  return (
    <Card title="Progress">
      <div role="status" className="flex flex-col gap-2 text-sm text-slate-600">
        <p>
          {status === "queued" ? "Waiting for a worker…" : "Scoring…"} {total > 0 ? `${done} / ${total} items` : null}
        </p>
        <div
          className="h-2 w-full overflow-hidden rounded-full bg-slate-100"
          role="progressbar"
          aria-label="Run progress"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={pct ?? undefined}
        >
          <div
            className={pct === null ? "h-full w-1/3 animate-pulse bg-indigo-300" : "h-full bg-indigo-500"}
            style={pct === null ? undefined : { width: `${pct}%` }}
          />
        </div>
      </div>
    </Card>
  );
}

function Figures({ run }: { run: Run }) {
  const agg = aggregatesOf(run.aggregates);
  const means = agg.means ?? {};
  const corpus = agg.corpus ?? {};
  return (
    <Card title="Figures" description="Mean over items with a 95% bootstrap interval; corpus scores pool all items.">
      <div className="flex flex-col gap-4">
        <div className="flex flex-wrap gap-3">
          {(["bleu", "chrf"] as const).map((k) =>
            corpus[k]?.score !== undefined ? (
              <div key={k} className="rounded-md border border-slate-200 px-4 py-2">
                <p className="text-xs text-slate-500">Corpus {k === "bleu" ? "BLEU" : "chrF"}</p>
                <p className="text-lg font-semibold text-slate-900 tabular-nums">{fmt(corpus[k]?.score, 2)}</p>
              </div>
            ) : null,
          )}
        </div>
        <Table label="Aggregates">
          <thead>
            <tr>
              <Th>Figure</Th>
              <Th className="text-right">Mean</Th>
              <Th>95% interval</Th>
              <Th className="text-right">Items</Th>
            </tr>
          </thead>
          <tbody>
            {orderFigures(Object.keys(means)).map((k) => {
              const m = means[k];
              return (
                <tr key={k}>
                  <Td>
                    {figureLabel(k)} <code className="ml-1 font-mono text-xs text-slate-400">{k}</code>
                  </Td>
                  <Td className="text-right font-medium tabular-nums">{fmt(m?.mean)}</Td>
                  <Td className="tabular-nums">
                    {fmt(m?.low)} – {fmt(m?.high)}
                  </Td>
                  <Td className="text-right tabular-nums">{m?.n}</Td>
                </tr>
              );
            })}
          </tbody>
        </Table>
      </div>
    </Card>
  );
}

function EvaluateGate({ run }: { run: Run }) {
  const trpc = useTRPC();
  const project = useProject();
  const gates = useQuery(trpc.evals.gates.list.queryOptions({ projectId: project.slug }));
  const runs = useQuery(trpc.evals.runs.list.queryOptions({ projectId: project.slug, limit: 100 }));
  const evaluate = useMutation(trpc.evals.gates.evaluate.mutationOptions());
  const [gateId, setGateId] = useState("");
  const [baselineId, setBaselineId] = useState("");
  const [local, setLocal] = useState<string | null>(null);
  const others = (runs.data?.items ?? []).filter((x) => x.id !== run.id && x.status === "succeeded");

  function submit(e: FormEvent) {
    e.preventDefault();
    setLocal(null);
    evaluate.reset();
    if (!gateId) return setLocal("Pick a gate.");
    evaluate.mutate({ projectId: project.id, gateId, runId: run.id, baselineRunId: baselineId || undefined });
  }

  const error = local ?? (evaluate.error ? errorMessage(evaluate.error) : null);
  const verdict = evaluate.data;
  return (
    <Card title="Evaluate a gate" description="Checks this run's figures against a gate's rules; baseline rules need a baseline run.">
      <form onSubmit={submit} noValidate aria-label="Evaluate a gate" className="flex flex-col gap-4">
        <div className="grid gap-4 sm:grid-cols-2">
          <Field label="Gate">
            <Select value={gateId} onChange={(e) => setGateId(e.target.value)}>
              <option value="">Pick a gate…</option>
              {(gates.data ?? []).map((g) => (
                <option key={g.id} value={g.id}>
                  {g.name}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Baseline run" hint="Optional">
            <Select value={baselineId} onChange={(e) => setBaselineId(e.target.value)}>
              <option value="">No baseline</option>
              {others.map((x) => (
                <option key={x.id} value={x.id}>
                  {x.name}
                </option>
              ))}
            </Select>
          </Field>
        </div>
        {error && (
          <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700">
            {error}
          </p>
        )}
        <div>
          <Button type="submit" variant="primary" loading={evaluate.isPending}>
            Evaluate
          </Button>
        </div>
      </form>
      {verdict && (
        <div
          role="status"
          className={`mt-4 rounded-md border px-4 py-3 ${verdict.passed ? "border-emerald-300 bg-emerald-50" : "border-red-300 bg-red-50"}`}
        >
          <p className={`text-lg font-semibold ${verdict.passed ? "text-emerald-800" : "text-red-800"}`}>
            {verdict.passed ? "Gate passed" : "Gate failed"}
          </p>
          <p className="text-xs text-slate-600">Gate {verdict.gate.name}</p>
          <ul className="mt-2 flex flex-col gap-1 text-sm">
            {verdict.results.map((res) => (
              <li key={res.rule} className="flex flex-wrap items-center gap-2">
                <span className={res.passed ? "text-emerald-700" : "text-red-700"}>{res.passed ? "✓" : "✗"}</span>
                <code className="font-mono text-xs">{res.rule}</code>
                <span className="text-slate-600 tabular-nums">
                  actual {fmt(res.actual)} vs threshold {fmt(res.threshold)}
                </span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </Card>
  );
}

const tokens = (s: string) => s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

/** How many generated items failed (runs on a deployment record it in their aggregates). */
const failedOf = (aggregates: unknown) => (aggregates as { failed?: number } | null)?.failed;

/** The prediction with the words that also appear in a reference marked (simple token overlap). */
function Highlighted({ text, references }: { text: string; references: string[] }) {
  const vocab = new Set(references.flatMap(tokens));
  const parts: ReactNode[] = [];
  const re = /([\p{L}\p{N}]+)|([^\p{L}\p{N}]+)/gu;
  let i = 0;
  for (const m of text.matchAll(re)) {
    const word = m[1];
    if (word && vocab.has(word.toLowerCase())) {
      parts.push(
        <mark key={i} className="rounded-sm bg-emerald-100 px-0.5 text-emerald-900">
          {word}
        </mark>,
      );
    } else parts.push(m[0]);
    i++;
  }
  return <>{parts}</>;
}

const show = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value));

function Items({ projectId, runId }: { projectId: string; runId: string }) {
  const trpc = useTRPC();
  const [limit, setLimit] = useState(50);
  const items = useQuery(trpc.evals.runs.items.queryOptions({ projectId, runId, limit }));
  const figures = orderFigures(Object.keys(items.data?.[0]?.scores ?? {})).slice(0, 3);
  return (
    <Card
      title="Items"
      description={
        <>
          Prediction beside its references; <mark className="rounded-sm bg-emerald-100 px-0.5 text-emerald-900">matched words</mark> also
          appear in a reference.
        </>
      }
    >
      {items.isPending ? (
        <Skeleton rows={4} />
      ) : items.isError ? (
        <ErrorBox title="Could not load the items" message={errorMessage(items.error)} onRetry={() => void items.refetch()} />
      ) : (
        <div className="flex flex-col gap-3">
          <Table label="Run items">
            <thead>
              <tr>
                <Th>#</Th>
                <Th>Input</Th>
                <Th>Prediction</Th>
                <Th>References</Th>
                {figures.map((f) => (
                  <Th key={f} className="text-right">
                    {figureLabel(f)}
                  </Th>
                ))}
              </tr>
            </thead>
            <tbody>
              {items.data.map((it) => (
                <tr key={it.idx}>
                  <Td className="align-top text-xs text-slate-500 tabular-nums">{it.idx + 1}</Td>
                  <Td className="max-w-56 align-top text-xs break-words whitespace-pre-wrap">{show(it.input)}</Td>
                  <Td className="max-w-72 align-top text-xs break-words whitespace-pre-wrap">
                    {it.error !== null ? (
                      <span className="text-red-700">Failed: {it.error}</span>
                    ) : (
                      <Highlighted text={it.prediction} references={it.references} />
                    )}
                  </Td>
                  <Td className="max-w-72 align-top text-xs">
                    <ul className="flex flex-col gap-1">
                      {it.references.map((ref, i) => (
                        // biome-ignore lint/suspicious/noArrayIndexKey: references are an ordered, fixed list
                        <li key={i} className="break-words whitespace-pre-wrap">
                          {ref}
                        </li>
                      ))}
                    </ul>
                  </Td>
                  {figures.map((f) => (
                    <Td key={f} className="text-right align-top tabular-nums">
                      {fmt(it.scores[f])}
                    </Td>
                  ))}
                </tr>
              ))}
            </tbody>
          </Table>
          {items.data.length === limit && limit < 500 && (
            <div>
              <Button size="sm" onClick={() => setLimit((l) => Math.min(500, l + 100))}>
                Show more
              </Button>
            </div>
          )}
        </div>
      )}
    </Card>
  );
}
