"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { type ReactNode, useState } from "react";
import { linkClass } from "@/app/_components/classes";
import { Badge, Button, Card, ErrorBox, Skeleton, Table, Td, Th } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { formatCost } from "@/app/_lib/format";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";
import { enc } from "@/app/_lib/url";
import { figureLabel, fmt, MAIN_FIGURES, orderFigures } from "./figures";

type Item = RouterOutputs["evals"]["runs"]["items"][number];

const tokens = (s: string) => s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

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

/** Figures the Call column shows already. */
const CALL_FIGURES = new Set(["latency.ms", "cost.usd"]);
/** Keys of the scorers beyond the reference metrics (server/evals/scorers): `<kind>.<name>`. */
const isScorerKey = (k: string) => /^(judge|embedding|regex|json)\./.test(k);

interface Detail {
  verdict?: unknown;
  reasoning?: unknown;
  method?: unknown;
  unscored?: unknown;
  reason?: unknown;
}

/** One scorer's figure on an item, with a judge's verdict and reasoning, or why it is unscored. */
function ScoreCell({ item, figure }: { item: Item; figure: string }) {
  const d = (item.details?.[figure] ?? null) as Detail | null;
  if (item.error !== null) return <span className="text-slate-400">—</span>;
  if (d?.unscored)
    return (
      <span className="flex flex-col items-end gap-1">
        <Badge tone="amber">unscored</Badge>
        {typeof d.reason === "string" && <span className="max-w-48 text-left text-xs text-slate-500">{d.reason}</span>}
      </span>
    );
  return (
    <span className="flex flex-col items-end gap-1">
      <span className="tabular-nums">{fmt(item.scores[figure])}</span>
      {d?.verdict !== undefined && (
        <span className="text-xs text-slate-600">
          verdict <strong className="font-medium text-slate-800">{show(d.verdict)}</strong>
          {typeof d.method === "string" && <span className="text-slate-400"> ({d.method === "logprobs" ? "log-probs" : d.method})</span>}
        </span>
      )}
      {typeof d?.reasoning === "string" && d.reasoning.trim() !== "" && (
        <details className="max-w-64 text-left text-xs">
          <summary className="cursor-pointer text-indigo-600">Reasoning</summary>
          <p className="mt-1 break-words whitespace-pre-wrap text-slate-600">{d.reasoning}</p>
        </details>
      )}
    </span>
  );
}

/** A run's items: each answer beside its references, who answered, latency, cost, every figure, the judge's verdict, the trace. */
export function RunItems({ projectId, runId, live }: { projectId: string; runId: string; live: boolean }) {
  const trpc = useTRPC();
  const [limit, setLimit] = useState(50);
  const items = useQuery(trpc.evals.runs.items.queryOptions({ projectId, runId, limit }));
  const keys = new Set((items.data ?? []).flatMap((it) => [...Object.keys(it.scores), ...Object.keys(it.details ?? {})]));
  const all = orderFigures([...keys].filter((k) => !CALL_FIGURES.has(k)));
  // the reference metrics' main figures (BLEU, chrF, ROUGE-L; else the first), then every scorer's
  const main = all.filter((k) => MAIN_FIGURES.includes(k));
  const figures = [...(main.length ? main : all.filter((k) => !isScorerKey(k)).slice(0, 1)), ...all.filter(isScorerKey)];
  const answer = live ? "Answer" : "Prediction";
  return (
    <Card
      title="Items"
      description={
        <>
          {answer} beside its references; <mark className="rounded-sm bg-emerald-100 px-0.5 text-emerald-900">matched words</mark> also
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
                <Th>{answer}</Th>
                <Th>References</Th>
                {live && <Th>Call</Th>}
                {figures.map((f) => (
                  <Th key={f} className="text-right">
                    {figureLabel(f)}
                  </Th>
                ))}
                {live && <Th>Trace</Th>}
              </tr>
            </thead>
            <tbody>
              {items.data.map((it) => (
                <tr key={it.idx}>
                  <Td className="align-top text-xs text-slate-500 tabular-nums">{it.idx + 1}</Td>
                  <Td className="max-w-56 align-top text-xs break-words whitespace-pre-wrap">{show(it.input)}</Td>
                  <Td className="max-w-72 align-top text-xs break-words whitespace-pre-wrap">
                    {it.error !== null ? (
                      <span className="flex flex-col items-start gap-1">
                        <Badge tone="red">failed</Badge>
                        <span className="text-red-700">{it.error}</span>
                      </span>
                    ) : it.prediction === "" ? (
                      <span className="text-slate-400">(empty)</span>
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
                  {live && (
                    <Td className="align-top text-xs whitespace-nowrap text-slate-600">
                      {it.answeredBy ?? <span className="text-slate-400">—</span>}
                      <br />
                      <span className="tabular-nums">{it.latencyMs !== null ? `${Math.round(it.latencyMs)} ms` : "—"}</span>
                      {" · "}
                      <span className="tabular-nums">{formatCost(it.cost)}</span>
                    </Td>
                  )}
                  {figures.map((f) => (
                    <Td key={f} className="text-right align-top">
                      <ScoreCell item={it} figure={f} />
                    </Td>
                  ))}
                  {live && (
                    <Td className="align-top text-xs">
                      {it.traceId ? (
                        <Link
                          href={`/${projectId}/logs/traces/${enc(it.traceId)}`}
                          className={linkClass}
                          aria-label={`Trace of item ${it.idx + 1}`}
                        >
                          Trace
                        </Link>
                      ) : (
                        <span className="text-slate-400">—</span>
                      )}
                    </Td>
                  )}
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
