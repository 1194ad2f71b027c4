"use client";

import Link from "next/link";
import type { ReactNode } from "react";
import { Badge, Card } from "@/app/_components/ui";
import { formatCost, formatDateTime, formatRelative } from "@/app/_lib/format";
import type { RouterOutputs } from "@/app/_lib/trpc";
import { formatInt, formatLatency } from "../format";
import { type ScoreSummary, shortNumber } from "./scores";
import { Thumb } from "./Thumb";

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

/** The registry's name of the trace's model version, once known (null: the version is gone). */
export type VersionName = { model: string; version: number } | null | undefined;

function ModelVersion({ id, name, slug }: { id: string; name: VersionName; slug: string }) {
  if (!name) return <span className="font-mono text-xs break-all">{id}</span>;
  return (
    <Link
      href={`/${slug}/registry/models/${encodeURIComponent(name.model)}/versions/${name.version}`}
      className="break-all text-indigo-600 hover:text-indigo-500"
      title={`Model version ${id}`}
    >
      {name.model} v{name.version}
    </Link>
  );
}

/** The prompt version that made the call, linking to the prompt's page (its versions, diff and charts). */
function PromptVersion({ id, name, slug }: { id: string; name: VersionName; slug: string }) {
  if (!name) return <span className="font-mono text-xs break-all">{id}</span>;
  return (
    <Link
      href={`/${slug}/registry/prompts/${encodeURIComponent(name.model)}`}
      className="break-all text-indigo-600 hover:text-indigo-500"
      title={`Prompt version ${id}`}
    >
      {name.model} v{name.version}
    </Link>
  );
}

export type TraceKey = RouterOutputs["logs"]["traces"]["get"]["apiKey"];

/**
 * The gateway key that made the call: its name and prefix, linking to the key's page (its limits and
 * spend) for those who may open it; the bare id once the key is deleted.
 */
function GatewayKey({ apiKey, slug, link }: { apiKey: NonNullable<TraceKey>; slug: string; link: boolean }) {
  if (apiKey.name === null) return <span className="font-mono text-xs break-all">{apiKey.id}</span>;
  const label = (
    <>
      {apiKey.name} <span className="font-mono text-xs">({apiKey.prefix}…)</span>
    </>
  );
  if (!link) return <span className="break-all">{label}</span>;
  return (
    <Link
      href={`/${slug}/settings/keys/${apiKey.id}`}
      className="break-all text-indigo-600 hover:text-indigo-500"
      title={`Key ${apiKey.id}: its limits and spend`}
    >
      {label}
    </Link>
  );
}

/** One score's summary in its own terms: thumbs counts and share, a mean against the scale, label counts. */
function ScoreValue({ s }: { s: ScoreSummary }) {
  if (s.dataType === "boolean")
    return (
      <span className="inline-flex flex-wrap items-center gap-x-1.5" title={s.text}>
        <Thumb className="text-emerald-600" />
        <span className="sr-only">up</span>
        {s.up}
        <Thumb down className="text-red-600" />
        <span className="sr-only">down</span>
        {s.down}
        <span className="text-xs text-slate-500">({Math.round((s.up / s.count) * 100)}% up)</span>
      </span>
    );
  if (s.dataType === "numeric")
    return (
      <span title={s.count > 1 ? `from ${shortNumber(s.low)} to ${shortNumber(s.high)}` : undefined}>
        {s.text}
        {s.count > 1 && s.low !== s.high && (
          <span className="ml-1.5 text-xs text-slate-500">
            range {shortNumber(s.low)}–{shortNumber(s.high)}
          </span>
        )}
      </span>
    );
  return <span className="break-words">{s.text}</span>;
}

export function TraceHeader({
  trace,
  slug,
  scores,
  versionName,
  promptName,
  apiKey = null,
  linkKey = false,
}: {
  trace: Trace;
  slug: string;
  scores: ScoreSummary[];
  versionName: VersionName;
  /** the registry's name of the trace's prompt version (`model` is the prompt's name) */
  promptName?: VersionName;
  /** the gateway key that made the call (the trace detail's `apiKey`) */
  apiKey?: TraceKey;
  /** link the key to its page (engineers and up may open it) */
  linkKey?: boolean;
}) {
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
              <ModelVersion id={trace.modelVersionId} name={versionName} slug={slug} />
            </Fact>
          )}
          {trace.promptVersionId && (
            <Fact label="Prompt">
              <PromptVersion id={trace.promptVersionId} name={promptName} slug={slug} />
            </Fact>
          )}
          {apiKey && (
            <Fact label="Key">
              <GatewayKey apiKey={apiKey} slug={slug} link={linkKey} />
            </Fact>
          )}
        </dl>
        <div>
          <h2 className="text-xs text-slate-500">Scores</h2>
          {scores.length === 0 ? (
            <p className="mt-0.5 text-sm text-slate-400">No ratings yet</p>
          ) : (
            <dl data-testid="trace-scores" className="mt-1 flex flex-wrap gap-2 text-sm">
              {scores.map((s) => (
                <div key={s.name} className="flex min-w-0 items-center gap-2 rounded-md border border-slate-200 bg-slate-50 px-2.5 py-1">
                  <dt className="font-medium break-all text-slate-700">{s.name}</dt>
                  <dd className="text-slate-900 tabular-nums">
                    <ScoreValue s={s} />
                  </dd>
                </div>
              ))}
            </dl>
          )}
        </div>
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
