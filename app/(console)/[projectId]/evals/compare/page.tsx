"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { type ReactNode, Suspense, useEffect, useState } from "react";
import { EmptyState } from "@/app/_components/EmptyState";
import { BackLink, Card, ErrorBox, PageHeader, Select, Skeleton, Table, Td, Th } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { formatCost, percent } from "@/app/_lib/format";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";
import { aggregatesOf, figureLabel, fmt, orderFigures, signed } from "../_components/figures";
import { GatePanel } from "../_components/GatePanel";
import { Answerers } from "../_components/RunSummary";

export default function ComparePage() {
  return (
    <Suspense fallback={<Skeleton rows={4} />}>
      <Compare />
    </Suspense>
  );
}

const UUID = /^[0-9a-f-]{36}$/i;

const show = (value: unknown) => (value === null || value === undefined ? "—" : typeof value === "string" ? value : JSON.stringify(value));

function Compare() {
  const trpc = useTRPC();
  const project = useProject();
  const projectId = project.slug;
  const params = useSearchParams();
  const a = params.get("a") ?? "";
  const b = params.get("b") ?? "";
  const valid = UUID.test(a) && UUID.test(b);
  const [focus, setFocus] = useState<string | undefined>(undefined);
  const cmp = useQuery(
    trpc.evals.runs.compare.queryOptions({ projectId, aRunId: a, bRunId: b, focus }, { enabled: valid, placeholderData: keepPreviousData }),
  );
  // the server's default focus (BLEU) may not be a figure of these runs: the first one that is
  const figureKeys = orderFigures(Object.keys(cmp.data?.figures ?? {}));
  const fallback = cmp.data && !(cmp.data.focus in cmp.data.figures) ? figureKeys[0] : undefined;
  useEffect(() => {
    if (fallback) setFocus(fallback);
  }, [fallback]);
  // each side's own means, beside the paired difference
  const runA = useQuery(trpc.evals.runs.get.queryOptions({ projectId, runId: a }, { enabled: valid }));
  const runB = useQuery(trpc.evals.runs.get.queryOptions({ projectId, runId: b }, { enabled: valid }));
  const meansA = aggregatesOf(runA.data?.aggregates).means ?? {};
  const meansB = aggregatesOf(runB.data?.aggregates).means ?? {};

  const back = <BackLink href={`/${projectId}/evals`}>Evaluations</BackLink>;
  if (!valid)
    return (
      <div className="flex flex-col gap-6">
        {back}
        <EmptyState
          title="Pick two runs to compare"
          action={
            <Link href={`/${projectId}/evals`} className="text-sm font-medium text-indigo-600 hover:text-indigo-500">
              Go to Evaluations →
            </Link>
          }
        >
          On the Evaluations page, choose a Run A and a Run B (two finished runs on the same dataset version), then Compare: each metric's
          paired difference with its confidence interval shows here.
        </EmptyState>
      </div>
    );
  if (cmp.isPending) return <Skeleton rows={4} />;
  if (cmp.isError)
    return (
      <div className="flex flex-col gap-6">
        {back}
        <ErrorBox title="Could not compare the runs" message={errorMessage(cmp.error)} onRetry={() => void cmp.refetch()} />
      </div>
    );
  const c = cmp.data;
  const run = (r: { id: string; name: string }) => (
    <Link href={`/${projectId}/evals/runs/${r.id}`} className="font-medium text-indigo-600 hover:text-indigo-500">
      {r.name}
    </Link>
  );
  return (
    <div className="flex flex-col gap-6">
      {back}
      <PageHeader
        title="Compare runs"
        description={
          <>
            B ({run(c.b)}) against A ({run(c.a)}) over {c.items} paired items: paired bootstrap of B − A, 95% interval.
          </>
        }
      />
      <Sides a={c.a} b={c.b} />
      <Card title="Figures">
        <Table label="Comparison figures">
          <thead>
            <tr>
              <Th>Figure</Th>
              <Th className="text-right">A</Th>
              <Th className="text-right">B</Th>
              <Th className="text-right">B − A</Th>
              <Th>95% interval</Th>
              <Th className="text-right">Wins</Th>
              <Th className="text-right">Losses</Th>
              <Th className="text-right">Ties</Th>
              <Th className="text-right">p-value</Th>
            </tr>
          </thead>
          <tbody>
            {orderFigures(Object.keys(c.figures)).map((k) => {
              const f = c.figures[k];
              if (!f) return null;
              const significant = f.pValue < 0.05;
              return (
                <tr key={k}>
                  <Td>
                    {figureLabel(k)} <code className="ml-1 font-mono text-xs text-slate-400">{k}</code>
                  </Td>
                  <Td className="text-right tabular-nums">{value(k, meansA[k]?.mean)}</Td>
                  <Td className="text-right tabular-nums">{value(k, meansB[k]?.mean)}</Td>
                  <Td
                    className={`text-right font-medium tabular-nums ${f.mean > 0 ? "text-emerald-700" : f.mean < 0 ? "text-red-700" : ""}`}
                  >
                    {k === "cost.usd" ? `${f.mean > 0 ? "+" : ""}${formatCost(f.mean)}` : signed(f.mean)}
                  </Td>
                  <Td className="tabular-nums">
                    {signed(f.low)} – {signed(f.high)}
                  </Td>
                  <Td className="text-right tabular-nums">{f.wins}</Td>
                  <Td className="text-right tabular-nums">{f.losses}</Td>
                  <Td className="text-right tabular-nums">{f.ties}</Td>
                  <Td className={`text-right tabular-nums ${significant ? "font-semibold" : "text-slate-500"}`}>{fmt(f.pValue, 3)}</Td>
                </tr>
              );
            })}
          </tbody>
        </Table>
      </Card>
      {atLeast(project.role, "engineer") && (
        <GatePanel
          runs={[
            { id: c.b.id, name: `B: ${c.b.name}` },
            { id: c.a.id, name: `A: ${c.a.name}` },
          ]}
          baselines={[
            { id: c.a.id, name: `A: ${c.a.name}` },
            { id: c.b.id, name: `B: ${c.b.name}` },
          ]}
        />
      )}
      <Card
        actions={
          <Select aria-label="Focus figure" value={c.focus} onChange={(e) => setFocus(e.target.value)} className="w-56">
            {figureKeys.map((k) => (
              <option key={k} value={k}>
                {figureLabel(k)}
              </option>
            ))}
          </Select>
        }
        title="Items that changed most"
        description={`By ${figureLabel(c.focus)} (${c.focus}), largest absolute change first: both predictions beside the references.`}
      >
        {c.changed.length === 0 ? (
          <p className="text-sm text-slate-500">No items.</p>
        ) : (
          <Table label="Changed items">
            <thead>
              <tr>
                <Th>#</Th>
                <Th>Input</Th>
                <Th>References</Th>
                <Th>Prediction A ({c.a.name})</Th>
                <Th>Prediction B ({c.b.name})</Th>
                <Th className="text-right">A</Th>
                <Th className="text-right">B</Th>
                <Th className="text-right">B − A</Th>
              </tr>
            </thead>
            <tbody>
              {c.changed.map((x) => (
                <tr key={x.idx}>
                  <Td className="align-top text-xs text-slate-500 tabular-nums">{x.idx + 1}</Td>
                  <Td className="max-w-56 align-top text-xs break-words whitespace-pre-wrap">{show(x.input)}</Td>
                  <Td className="max-w-64 align-top text-xs">
                    {x.references.length === 0 ? (
                      <span className="text-slate-400">—</span>
                    ) : (
                      <ul className="flex flex-col gap-1">
                        {x.references.map((ref, i) => (
                          // biome-ignore lint/suspicious/noArrayIndexKey: references are an ordered, fixed list
                          <li key={i} className="break-words whitespace-pre-wrap">
                            {ref}
                          </li>
                        ))}
                      </ul>
                    )}
                  </Td>
                  <Td className="max-w-64 align-top text-xs break-words whitespace-pre-wrap">
                    {x.predictionA || <span className="text-slate-400">—</span>}
                  </Td>
                  <Td className="max-w-64 align-top text-xs break-words whitespace-pre-wrap">
                    {x.predictionB || <span className="text-slate-400">—</span>}
                  </Td>
                  <Td className="text-right align-top tabular-nums">{fmt(x.a)}</Td>
                  <Td className="text-right align-top tabular-nums">{fmt(x.b)}</Td>
                  <Td
                    className={`text-right align-top font-medium tabular-nums ${x.diff > 0 ? "text-emerald-700" : x.diff < 0 ? "text-red-700" : ""}`}
                  >
                    {signed(x.diff)}
                  </Td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </Card>
    </div>
  );
}

type Side = RouterOutputs["evals"]["runs"]["compare"]["a"];

/** A figure's value: USD as money (per-item costs are far below a cent), others by size. */
const value = (key: string, n: number | undefined) => (key === "cost.usd" ? formatCost(n) : fmt(n));

/** What each run was of, what it cost, its router's large share and who answered: side by side. */
function Sides({ a, b }: { a: Side; b: Side }) {
  const rows: { label: string; cell: (s: Side) => ReactNode }[] = [
    { label: "Target", cell: (s) => <code className="font-mono text-xs">{s.target}</code> },
    { label: "Cost", cell: (s) => (s.cost === null ? "—" : formatCost(s.cost)) },
    { label: "Large share", cell: (s) => (s.largeShare === null ? "—" : `${percent(s.largeShare)}%`) },
    { label: "Answered by", cell: (s) => <Answerers counts={s.answeredBy} /> },
  ];
  return (
    <Card title="Runs" description="What each side answered with, what it cost, and who answered.">
      <Table label="Runs compared">
        <thead>
          <tr>
            <Th />
            <Th>A: {a.name}</Th>
            <Th>B: {b.name}</Th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.label}>
              <Th scope="row" className="bg-white normal-case">
                {r.label}
              </Th>
              <Td className="align-top">{r.cell(a)}</Td>
              <Td className="align-top">{r.cell(b)}</Td>
            </tr>
          ))}
        </tbody>
      </Table>
    </Card>
  );
}
