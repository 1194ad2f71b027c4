"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import type { ReactNode } from "react";
import { Badge, Card, ErrorBox, Skeleton, type Tone, When } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { formatCost } from "@/app/_lib/format";
import { useProject } from "@/app/_lib/project";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";
import { scoreText } from "../logs/_components/ScoreSummaries";
import { AliasActor } from "../registry/_components/AliasActor";

type Overview = RouterOutputs["overview"]["get"];
const linkClass = "font-medium text-indigo-600 hover:text-indigo-500";
const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

/** "+12%" / "−3%" / "new" against the previous 24 hours; nothing when both are zero. */
function change(now: number, before: number): string | null {
  if (before === 0) return now === 0 ? null : "new";
  const pct = Math.round(((now - before) / before) * 100);
  return `${pct > 0 ? "+" : pct < 0 ? "−" : "±"}${Math.abs(pct)}% vs the day before`;
}

function Stat({ label, value, hint, href }: { label: string; value: string; hint?: string | null; href: string }) {
  return (
    <Link href={href} className="block rounded-lg border border-slate-200 bg-white px-4 py-3 shadow-sm hover:border-indigo-300">
      <div className="text-xs text-slate-500">{label}</div>
      <div className="text-xl font-semibold text-slate-900 tabular-nums">{value}</div>
      {hint && <div className="text-xs text-slate-500">{hint}</div>}
    </Link>
  );
}

/** A small list card: its rows, or a line saying what would show here and where to start. */
function ListCard({
  title,
  href,
  linkLabel,
  empty,
  children,
}: {
  title: string;
  href: string;
  linkLabel: string;
  empty: ReactNode;
  children: ReactNode[];
}) {
  return (
    <Card
      title={title}
      actions={
        <Link href={href} className={`text-sm ${linkClass}`}>
          {linkLabel} →
        </Link>
      }
    >
      {children.length === 0 ? (
        <p className="text-sm text-slate-500">{empty}</p>
      ) : (
        <ul className="flex flex-col gap-2 text-sm">{children}</ul>
      )}
    </Card>
  );
}

const RUN_TONE: Record<string, Tone> = { succeeded: "green", failed: "red", running: "blue", queued: "gray", cancelled: "gray" };
const JOB_TONE: Record<string, Tone> = { succeeded: "green", failed: "red", running: "blue", rejected: "red", awaiting_approval: "amber" };

/** The project's last 24 hours: traffic, ratings, aliases, eval gates, tuning, drift; each links to its page. */
export function Activity() {
  const trpc = useTRPC();
  const project = useProject();
  const overview = useQuery(trpc.overview.get.queryOptions({ projectId: project.slug }));
  if (overview.isPending) return <Skeleton rows={6} />;
  if (overview.isError)
    return (
      <ErrorBox title="Could not load the last 24 hours" message={errorMessage(overview.error)} onRetry={() => void overview.refetch()} />
    );
  return <ActivityView o={overview.data} slug={project.slug} />;
}

function ActivityView({ o, slug }: { o: Overview; slug: string }) {
  const { current: c, previous: p } = o.traffic;
  const errorRate = c.traces ? `${((c.errors / c.traces) * 100).toFixed(1)}% of traces` : null;
  return (
    <section aria-labelledby="last-24h" className="flex flex-col gap-4">
      <h2 id="last-24h" className="text-sm font-semibold text-slate-900">
        Last 24 hours
      </h2>
      <div className="grid grid-cols-2 gap-4 lg:grid-cols-4">
        <Stat label="Traces" value={integer.format(c.traces)} hint={change(c.traces, p.traces)} href={`/${slug}/logs`} />
        <Stat label="Errors" value={integer.format(c.errors)} hint={errorRate} href={`/${slug}/logs?status=error`} />
        <Stat label="Cost" value={formatCost(c.cost)} hint={change(c.cost, p.cost)} href={`/${slug}/logs/charts`} />
        <Stat label="Tokens" value={integer.format(c.tokens)} hint={change(c.tokens, p.tokens)} href={`/${slug}/logs/charts`} />
      </div>
      <div className="grid gap-4 lg:grid-cols-2">
        <ListCard
          title="Ratings"
          href={`/${slug}/logs/charts`}
          linkLabel="Charts"
          empty="No ratings given in the last 24 hours. Rate traces on their page, in a queue, or with the widget."
        >
          {o.ratings.map((r) => (
            <li key={`${r.name}:${r.dataType}`} className="flex flex-wrap items-baseline justify-between gap-2">
              <span>
                <span className="font-medium text-slate-900">{r.name}</span> <span className="text-xs text-slate-500">{r.dataType}</span>
              </span>
              <span className="tabular-nums">
                {scoreText(r)} <span className="text-xs text-slate-400">({r.count})</span>
                <span className="ml-2 text-xs text-slate-500">
                  {r.previous ? `day before: ${scoreText(r.previous)}` : "none the day before"}
                </span>
              </span>
            </li>
          ))}
        </ListCard>
        <ListCard title="Aliases moved" href={`/${slug}/registry`} linkLabel="Registry" empty="No alias moved in the last 24 hours.">
          {o.aliases.map((a) => (
            <li key={a.id} className="flex flex-wrap items-baseline justify-between gap-2">
              <Link href={`/${slug}/registry/models/${encodeURIComponent(a.model)}`} className={linkClass}>
                {a.model}@{a.alias}
              </Link>
              <span className="tabular-nums">
                {a.from !== null ? `v${a.from}` : "new"} → {a.to !== null ? `v${a.to}` : "deleted"}
              </span>
              <span className="text-xs text-slate-500">
                <AliasActor actor={a.actor} /> · <When at={a.createdAt} />
              </span>
            </li>
          ))}
        </ListCard>
        <ListCard
          title={`Eval runs (${o.evals.runs}) · gates ${o.evals.gatesPassed} passed, ${o.evals.gatesFailed} failed`}
          href={`/${slug}/evals`}
          linkLabel="Evals"
          empty="No eval run in the last 24 hours."
        >
          {o.evals.recent.map((r) => (
            <li key={r.id} className="flex flex-wrap items-baseline justify-between gap-2">
              <Link href={`/${slug}/evals/runs/${r.id}`} className={linkClass}>
                {r.name}
              </Link>
              <Badge tone={RUN_TONE[r.status] ?? "gray"}>{r.status}</Badge>
              <span className="flex flex-wrap gap-1">
                {r.gates.length === 0 ? (
                  <span className="text-xs text-slate-400">no gate judged</span>
                ) : (
                  r.gates.map((g) => (
                    <Badge key={g.gate} tone={g.passed ? "green" : "red"}>
                      {g.gate}: {g.passed ? "pass" : "fail"}
                    </Badge>
                  ))
                )}
              </span>
            </li>
          ))}
        </ListCard>
        <ListCard
          title={`Tuning jobs · ${o.tuning.active} active, ${o.tuning.succeeded} succeeded, ${o.tuning.failed} failed`}
          href={`/${slug}/tuning`}
          linkLabel="Tuning"
          empty="No tuning job running or finished in the last 24 hours."
        >
          {o.tuning.recent.map((j) => (
            <li key={j.id} className="flex flex-wrap items-baseline justify-between gap-2">
              <Link href={`/${slug}/tuning/${j.number}`} className={linkClass}>
                Job #{j.number} → {j.outputModel}
              </Link>
              <span className="text-xs text-slate-500">{j.method}</span>
              <Badge tone={JOB_TONE[j.status] ?? "gray"}>{j.status.replace("_", " ")}</Badge>
            </li>
          ))}
        </ListCard>
        <ListCard
          title={`Drift alerts · ${o.drift.open} open, ${o.drift.raised} raised`}
          href={`/${slug}/drift`}
          linkLabel="Drift"
          empty="No open drift alert, and none raised in the last 24 hours."
        >
          {o.drift.recent.map((a) => (
            <li key={a.id} className="flex flex-wrap items-baseline justify-between gap-2">
              <Link href={`/${slug}/drift/${encodeURIComponent(a.monitorId)}?run=${encodeURIComponent(a.runId)}`} className={linkClass}>
                {a.monitor}
              </Link>
              <Badge tone={a.status === "open" ? "red" : "gray"}>{a.status}</Badge>
              <span className="text-xs text-slate-500">
                <When at={a.createdAt} />
              </span>
            </li>
          ))}
        </ListCard>
      </div>
    </section>
  );
}
