"use client";

import Link from "next/link";
import type { ReactNode } from "react";
import { Badge, Card } from "@/app/_components/ui";
import { formatCost, formatDateTime, formatRelative } from "@/app/_lib/format";
import type { RouterOutputs } from "@/app/_lib/trpc";
import { formatInt, formatLatency, formatRating } from "../format";

export type Trace = RouterOutputs["logs"]["traces"]["get"]["trace"];

/** A link to the explorer filtered by one field (user, session, release, tag, model). */
function FilterLink({ slug, param, value }: { slug: string; param: string; value: string }) {
  return (
    <Link
      href={`/${slug}/logs?${new URLSearchParams({ [param]: value })}`}
      className="font-mono text-xs break-all text-indigo-600 hover:text-indigo-500"
      title={`Show traces with this ${param}`}
    >
      {value}
    </Link>
  );
}

const dash = <span className="text-slate-400">—</span>;

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className="mt-0.5 text-slate-900 tabular-nums">{children}</dd>
    </div>
  );
}

function routeValue(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

export function TraceHeader({ trace, slug }: { trace: Trace; slug: string }) {
  const route = trace.routeDecision && typeof trace.routeDecision === "object" ? Object.entries(trace.routeDecision) : [];

  return (
    <Card>
      <div className="flex flex-col gap-4">
        <div className="flex flex-wrap items-center gap-3">
          <h1 className="text-xl font-semibold tracking-tight text-slate-900">{trace.name ?? "Unnamed trace"}</h1>
          <Badge tone={trace.status === "error" ? "red" : "green"}>{trace.status}</Badge>
          <code className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs break-all text-slate-600">{trace.id}</code>
        </div>
        <dl className="grid grid-cols-2 gap-x-6 gap-y-3 text-sm sm:grid-cols-3 lg:grid-cols-5">
          <Fact label="Time">
            <time dateTime={trace.timestamp.toISOString()} title={formatRelative(trace.timestamp)}>
              {formatDateTime(trace.timestamp)}
            </time>
          </Fact>
          <Fact label="Model">{trace.model ? <FilterLink slug={slug} param="model" value={trace.model} /> : dash}</Fact>
          <Fact label="Tokens in / out">
            {formatInt(trace.inputTokens)} / {formatInt(trace.outputTokens)}
          </Fact>
          <Fact label="Cost">{formatCost(trace.cost)}</Fact>
          <Fact label="Latency">{formatLatency(trace.latencyMs)}</Fact>
          <Fact label="Rating">{formatRating(trace.ratingMean, trace.ratingCount)}</Fact>
          <Fact label="User">{trace.userId ? <FilterLink slug={slug} param="user" value={trace.userId} /> : dash}</Fact>
          <Fact label="Session">{trace.sessionId ? <FilterLink slug={slug} param="session" value={trace.sessionId} /> : dash}</Fact>
          <Fact label="Release">{trace.release ? <FilterLink slug={slug} param="release" value={trace.release} /> : dash}</Fact>
          <Fact label="Tags">
            {trace.tags.length ? (
              <span className="flex flex-wrap gap-1">
                {trace.tags.map((t) => (
                  <Link key={t} href={`/${slug}/logs?${new URLSearchParams({ tags: t })}`} title="Show traces with this tag">
                    <Badge>{t}</Badge>
                  </Link>
                ))}
              </span>
            ) : (
              dash
            )}
          </Fact>
          {trace.modelVersionId && (
            <Fact label="Model version">
              <span className="font-mono text-xs break-all">{trace.modelVersionId}</span>
            </Fact>
          )}
        </dl>
        {route.length > 0 && (
          <div className="rounded-md border border-indigo-100 bg-indigo-50/50 px-3 py-2">
            <h2 className="text-xs font-semibold tracking-wide text-indigo-700 uppercase">Route decision</h2>
            <dl className="mt-1 grid gap-x-6 gap-y-1 text-sm sm:grid-cols-2">
              {route.map(([k, v]) => (
                <div key={k} className="flex min-w-0 gap-2">
                  <dt className="shrink-0 text-slate-500">{k}</dt>
                  <dd className="truncate font-mono text-xs leading-5 text-slate-900" title={routeValue(v)}>
                    {routeValue(v)}
                  </dd>
                </div>
              ))}
            </dl>
          </div>
        )}
      </div>
    </Card>
  );
}
