"use client";

import { useState } from "react";
import { cx } from "@/app/_components/classes";
import { Badge, type Tone } from "@/app/_components/ui";
import { formatCost, formatDateTime } from "@/app/_lib/format";
import type { RouterOutputs } from "@/app/_lib/trpc";
import { parseChat } from "../chat/parse";
import { formatInt, formatLatency } from "../format";
import { JsonBlock } from "../JsonBlock";
import { Conversation } from "./Conversation";

export type Observation = RouterOutputs["logs"]["traces"]["get"]["observations"][number];

const TYPE_TONE: Record<Observation["type"], Tone> = { generation: "indigo", span: "blue", event: "gray" };

/** Observations in tree order (children after their parent, by start time), with their depth. */
export function treeOrder(observations: Observation[]): { o: Observation; depth: number }[] {
  const ids = new Set(observations.map((o) => o.id));
  const children = new Map<string | null, Observation[]>();
  for (const o of observations) {
    // an unknown parent (not ingested yet) puts the observation at the top level
    const parent = o.parentObservationId && ids.has(o.parentObservationId) ? o.parentObservationId : null;
    children.set(parent, [...(children.get(parent) ?? []), o]);
  }
  const out: { o: Observation; depth: number }[] = [];
  const seen = new Set<string>();
  const walk = (parent: string | null, depth: number) => {
    for (const o of children.get(parent) ?? []) {
      if (seen.has(o.id)) continue; // a parent cycle in client data: show each once
      seen.add(o.id);
      out.push({ o, depth });
      walk(o.id, depth + 1);
    }
  };
  walk(null, 0);
  for (const o of observations) if (!seen.has(o.id)) out.push({ o, depth: 0 });
  return out;
}

/** Nested observations with a bar for each one's offset and duration within the trace. */
export function Timeline({ observations }: { observations: Observation[] }) {
  const [open, setOpen] = useState<Set<string>>(() => new Set());
  if (observations.length === 0) return <p className="text-sm text-slate-500">No observations in this trace.</p>;
  const start = Math.min(...observations.map((o) => o.startTime.getTime()));
  const end = Math.max(...observations.map((o) => (o.endTime ?? o.startTime).getTime()));
  const span = Math.max(end - start, 1);
  const toggle = (id: string) =>
    setOpen((s) => {
      const next = new Set(s);
      if (!next.delete(id)) next.add(id);
      return next;
    });

  return (
    <ol aria-label="Observations" className="flex flex-col divide-y divide-slate-100">
      {treeOrder(observations).map(({ o, depth }) => {
        const left = ((o.startTime.getTime() - start) / span) * 100;
        const width = o.endTime ? Math.max(((o.endTime.getTime() - o.startTime.getTime()) / span) * 100, 0.5) : 0;
        const expanded = open.has(o.id);
        const error = o.status === "error";
        return (
          <li key={o.id} className={cx(error && "bg-red-50/60")}>
            <button
              type="button"
              aria-expanded={expanded}
              onClick={() => toggle(o.id)}
              className="grid w-full grid-cols-[minmax(0,1fr)_minmax(8rem,40%)] items-center gap-4 px-2 py-2 text-left hover:bg-slate-50"
            >
              <span className="flex min-w-0 items-center gap-2" style={{ paddingLeft: `${depth * 1.25}rem` }}>
                <span aria-hidden="true" className="w-3 text-xs text-slate-400">
                  {expanded ? "▾" : "▸"}
                </span>
                <Badge tone={error ? "red" : TYPE_TONE[o.type]}>{o.type}</Badge>
                <span className="truncate text-sm font-medium text-slate-900">{o.name ?? o.id}</span>
                {o.model && <span className="hidden truncate font-mono text-xs text-slate-500 sm:inline">{o.model}</span>}
                {error && <Badge tone="red">error</Badge>}
                <span className="ml-auto shrink-0 text-xs text-slate-500 tabular-nums">{formatLatency(o.latencyMs)}</span>
              </span>
              <span className="relative h-2 rounded-full bg-slate-100" aria-hidden="true">
                {o.endTime ? (
                  <span
                    className={cx(
                      "absolute inset-y-0 rounded-full",
                      error ? "bg-red-500" : o.type === "generation" ? "bg-indigo-500" : "bg-sky-400",
                    )}
                    style={{ left: `${Math.min(left, 99.5)}%`, width: `${Math.min(width, 100 - left)}%` }}
                  />
                ) : (
                  <span className="absolute -top-0.5 size-3 rounded-full bg-slate-500" style={{ left: `calc(${left}% - 0.375rem)` }} />
                )}
              </span>
            </button>
            {expanded && <Details o={o} />}
          </li>
        );
      })}
    </ol>
  );
}

function Details({ o }: { o: Observation }) {
  // a generation's prompt and reply read as a chat where they are one, like the trace's own
  const chat = parseChat(o.input, "input") !== null || (o.output != null && parseChat(o.output, "output") !== null);
  const facts: [string, string][] = [
    ["Started", formatDateTime(o.startTime)],
    ["Latency", formatLatency(o.latencyMs)],
    ["Time to first token", formatLatency(o.timeToFirstTokenMs)],
    ["Tokens in / out", `${formatInt(o.inputTokens)} / ${formatInt(o.outputTokens)}`],
    ["Cost", formatCost(o.cost)],
    ["Model", o.model ?? "—"],
    ["Provider", o.provider ?? "—"],
    ["ID", o.id],
  ];
  return (
    <div className="flex flex-col gap-3 px-2 pt-1 pb-4">
      {o.statusMessage && (
        <p role="note" className={cx("rounded-md px-3 py-2 text-sm", o.status === "error" ? "bg-red-100 text-red-800" : "bg-slate-100")}>
          {o.statusMessage}
        </p>
      )}
      <dl className="grid grid-cols-2 gap-x-6 gap-y-1 text-xs sm:grid-cols-4">
        {facts.map(([k, v]) => (
          <div key={k} className="min-w-0">
            <dt className="text-slate-500">{k}</dt>
            <dd className="truncate font-medium text-slate-900 tabular-nums" title={v}>
              {v}
            </dd>
          </div>
        ))}
      </dl>
      {chat && <Conversation input={o.input} output={o.output} />}
      <div className="grid gap-3 lg:grid-cols-2">
        {!chat && o.input != null && <JsonBlock value={o.input} label="Input" />}
        {!chat && o.output != null && <JsonBlock value={o.output} label="Output" />}
        {o.modelParameters != null && <JsonBlock value={o.modelParameters} label="Model parameters" />}
        {o.metadata != null && <JsonBlock value={o.metadata} label="Metadata" />}
      </div>
    </div>
  );
}
