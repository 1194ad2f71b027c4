"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Badge, Card, ErrorBox, Field, Select, Skeleton, Table, Td, Th } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { formatCost } from "@/app/_lib/format";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { formatPercent } from "./shared";
import { TrafficChart } from "./TrafficChart";

const HOURS = [
  { value: 1, label: "Last hour" },
  { value: 24, label: "Last 24 hours" },
  { value: 168, label: "Last 7 days" },
];

function Stat({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    // biome-ignore lint/a11y/useSemanticElements: a <dl> pairs a term and its value in a <div>; a <fieldset> is for form controls
    <div role="group" aria-label={label} className="rounded-lg border border-slate-200 bg-white px-4 py-3 shadow-sm">
      <dt className="text-xs font-medium tracking-wide text-slate-500 uppercase">{label}</dt>
      <dd className="mt-1 text-xl font-semibold text-slate-900 tabular-nums">{value}</dd>
      {hint && <dd className="text-xs text-slate-500">{hint}</dd>}
    </div>
  );
}

const ms = (v: number) => `${Math.round(v)} ms`;

/** The router's traffic over a window: totals, calls per hour by target, and latency, cost and rating by target. */
export function RouterDashboard({ name }: { name: string }) {
  const trpc = useTRPC();
  const project = useProject();
  const [hours, setHours] = useState(24);
  const stats = useQuery(trpc.routing.stats.queryOptions({ projectId: project.slug, name, hours }, { refetchInterval: 15_000 }));

  const picker = (
    <Field label={<span className="sr-only">Window</span>} className="w-44">
      <Select aria-label="Window" value={hours} onChange={(e) => setHours(Number(e.target.value))}>
        {HOURS.map((h) => (
          <option key={h.value} value={h.value}>
            {h.label}
          </option>
        ))}
      </Select>
    </Field>
  );

  if (stats.isPending)
    return (
      <Card title="Traffic" actions={picker}>
        <Skeleton rows={4} />
      </Card>
    );
  if (stats.isError)
    return (
      <Card title="Traffic" actions={picker}>
        <ErrorBox title="Could not load the router's traffic" message={errorMessage(stats.error)} onRetry={() => void stats.refetch()} />
      </Card>
    );
  const { totals: t, buckets, byTarget } = stats.data;
  const targets = byTarget.map((b) => b.target);
  return (
    <>
      <Card title="Traffic" description="Route decisions at the gateway, refreshed every 15 seconds." actions={picker}>
        <dl aria-label="Totals" className="grid grid-cols-2 gap-3 sm:grid-cols-4 lg:grid-cols-7">
          <Stat label="Calls" value={String(t.calls)} />
          <Stat label="Large calls" value={formatPercent(t.largeShare)} hint={`${t.large} of ${t.calls}`} />
          <Stat label="Cost" value={formatCost(t.cost)} />
          <Stat label="Cost if all large" value={formatCost(t.largeCost)} />
          <Stat label="Saved" value={formatCost(t.saved)} />
          <Stat label="Cache hit rate" value={formatPercent(t.cacheHitRate)} hint={`${t.exactHits} exact, ${t.semanticHits} semantic`} />
          <Stat label="Fallbacks" value={String(t.fallbacks)} />
        </dl>
        <div className="mt-5">
          {t.calls === 0 ? (
            <p className="text-sm text-slate-500">No calls in this window. Send one with model: router:{name}.</p>
          ) : (
            <TrafficChart buckets={buckets} targets={targets} hours={hours} />
          )}
        </div>
      </Card>
      <Card title="By target">
        {byTarget.length === 0 ? (
          <p className="text-sm text-slate-500">No calls in this window.</p>
        ) : (
          <Table label="By target">
            <thead>
              <tr>
                <Th>Target</Th>
                <Th className="text-right">Calls</Th>
                <Th className="text-right">p50</Th>
                <Th className="text-right">p95</Th>
                <Th className="text-right">Cost</Th>
                <Th className="text-right">Mean rating</Th>
              </tr>
            </thead>
            <tbody>
              {byTarget.map((b) => (
                <tr key={b.target}>
                  <Td className="font-medium text-slate-900">
                    {b.target} {b.large && <Badge tone="amber">large</Badge>}
                  </Td>
                  <Td className="text-right tabular-nums">{b.calls}</Td>
                  <Td className="text-right tabular-nums">{ms(b.p50)}</Td>
                  <Td className="text-right tabular-nums">{ms(b.p95)}</Td>
                  <Td className="text-right tabular-nums">{formatCost(b.cost)}</Td>
                  <Td className="text-right tabular-nums">
                    {b.rating === null ? <span className="text-slate-400">—</span> : `${b.rating.toFixed(2)} (${b.rated})`}
                  </Td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </Card>
    </>
  );
}
