"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { Alert, Badge, Button, Spinner } from "@/app/_components/ui";
import { formatCost } from "@/app/_lib/format";
import { useTRPC } from "@/app/_lib/trpc";
import type { RunState } from "./run";

const ms = (v: number | null) => (v === null ? "—" : v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(2)} s`);

/**
 * One target's answer: the text as it streams in, then tokens, latency (here, browser to last byte),
 * cost (the logged trace's, priced at ingest), the trace link and, for a router, where it went.
 * A stopped run keeps the text it had, marked "stopped"; `onStop` (a comparison) stops this side alone.
 */
export function ResultPanel({
  projectSlug,
  title,
  run,
  onStop,
}: {
  projectSlug: string;
  title: string;
  run: RunState;
  onStop?: () => void;
}) {
  const trpc = useTRPC();
  const traceId = run.traceId ?? "";
  // the trace is written just after the answer (the gateway's group commit): retried until it is there
  const trace = useQuery({
    ...trpc.logs.traces.get.queryOptions({ projectId: projectSlug, traceId }),
    // a stopped call is logged too (cut, its text so far)
    enabled: (run.status === "done" || run.status === "stopped") && !!traceId,
    retry: 8,
    retryDelay: 400,
  });
  return (
    <section
      aria-label={`Answer of ${title}`}
      className="flex min-w-0 flex-col gap-2 rounded-md border border-slate-200 bg-slate-50 px-3 py-2"
    >
      <header className="flex flex-wrap items-center gap-2 text-sm">
        <strong className="text-slate-900">{title}</strong>
        {run.status === "running" && <Spinner className="size-3.5" label="Running" />}
        {run.status === "done" && <Badge tone="green">done</Badge>}
        {run.status === "error" && <Badge tone="red">error</Badge>}
        {run.status === "stopped" && <Badge tone="amber">stopped</Badge>}
        {run.status === "running" && onStop && (
          <Button variant="ghost" size="sm" aria-label={`Stop ${title}`} onClick={onStop}>
            Stop
          </Button>
        )}
      </header>
      {run.route && (
        <p className="text-sm text-slate-700">
          Router {run.route.router} sent it to <strong>{run.route.target ?? "?"}</strong>
          {run.route.reason && <span className="text-slate-500"> ({run.route.reason})</span>}
          {run.route.cache && run.route.cache !== "miss" && <span className="text-slate-500"> · cache {run.route.cache}</span>}
        </p>
      )}
      {run.error ? (
        <Alert>{run.errorParam ? `${run.error} (field ${run.errorParam})` : run.error}</Alert>
      ) : (
        <output aria-label="Output" className="min-h-12 whitespace-pre-wrap wrap-break-word text-sm text-slate-900">
          {run.text || (run.status === "done" ? <em className="text-slate-400">empty answer</em> : null)}
        </output>
      )}
      <dl className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-600">
        <div className="flex gap-1">
          <dt>Tokens</dt>
          <dd>{run.usage ? `${run.usage.prompt_tokens ?? "?"} in / ${run.usage.completion_tokens ?? "?"} out` : "—"}</dd>
        </div>
        <div className="flex gap-1">
          <dt>Latency</dt>
          <dd>{ms(run.latencyMs)}</dd>
        </div>
        {run.firstTokenMs !== null && (
          <div className="flex gap-1">
            <dt>First token</dt>
            <dd>{ms(run.firstTokenMs)}</dd>
          </div>
        )}
        <div className="flex gap-1">
          <dt>Cost</dt>
          <dd>{trace.data ? formatCost(trace.data.trace.cost) : "—"}</dd>
        </div>
        {traceId && (
          <div>
            <Link
              href={`/${projectSlug}/logs/traces/${encodeURIComponent(traceId)}`}
              className="font-medium text-indigo-600 hover:text-indigo-500"
            >
              Open the trace
            </Link>
          </div>
        )}
      </dl>
    </section>
  );
}
