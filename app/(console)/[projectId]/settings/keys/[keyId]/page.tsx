"use client";

import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useParams } from "next/navigation";
import { useState } from "react";
import { buttonClass } from "@/app/_components/classes";
import { EmptyState } from "@/app/_components/EmptyState";
import { BackLink, Badge, Button, Card, Done, ErrorBox, PageHeader, Skeleton } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { formatCost } from "@/app/_lib/format";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { formatInt } from "../../../logs/_components/format";
import { compactNumber } from "../../../logs/charts/_components/series";
import { TimeChart } from "../../../logs/charts/_components/TimeChart";
import { EditLimits } from "../../_components/EditLimits";
import { useMonthSpend } from "../../_components/keySpend";
import { bucketPoints, formatBudget, limitsSummary, RANGES, type RangeKey, rangeWindow, spendThisPeriod } from "../../_components/limits";
import { RangePicker } from "../../_components/RangePicker";

/** One secret key: its limits, what is left of its budget, and its spend, requests and tokens over time. */
export default function KeyPage() {
  const trpc = useTRPC();
  const project = useProject();
  const { keyId } = useParams<{ keyId: string }>();
  const keys = useQuery(trpc.workspace.keys.list.queryOptions({ projectId: project.slug, includeRevoked: true, limit: 200 }));
  const key = keys.data?.items.find((k) => k.id === keyId);
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState(false);
  const back = <BackLink href={`/${project.slug}/settings`}>Settings</BackLink>;

  if (keys.isPending) return <Skeleton rows={6} />;
  if (keys.isError)
    return <ErrorBox title="Could not load the key" message={errorMessage(keys.error)} onRetry={() => void keys.refetch()} />;
  if (key?.kind !== "secret")
    return (
      <div className="flex flex-col gap-4">
        {back}
        <EmptyState title="Key not found">There is no secret key with this id in {project.name}.</EmptyState>
      </div>
    );
  return (
    <div className="flex flex-col gap-4">
      {back}
      <PageHeader
        title={key.name}
        description={
          <>
            <span className="font-mono">{key.prefix}…</span> · {limitsSummary(key) || "no limits"}
            {key.revokedAt && (
              <>
                {" "}
                <Badge tone="red">Revoked</Badge>
              </>
            )}
          </>
        }
        actions={
          <>
            {/* the explorer filtered by the calls this key made (its ?key= filter) */}
            <Link href={`/${project.slug}/logs?${new URLSearchParams({ key: key.id })}`} className={buttonClass("secondary")}>
              Traces
            </Link>
            {!key.revokedAt && !editing && (
              <Button
                onClick={() => {
                  setSaved(false);
                  setEditing(true);
                }}
              >
                Edit limits
              </Button>
            )}
          </>
        }
      />
      {saved && <Done>Saved the limits of {key.name}.</Done>}
      {editing && (
        <EditLimits
          apiKey={key}
          onDone={async (ok) => {
            setEditing(false);
            setSaved(ok);
            if (ok) await queryClient.invalidateQueries({ queryKey: trpc.workspace.keys.list.pathKey() });
          }}
        />
      )}
      <Budget keyId={key.id} budgetUsd={key.budgetUsd} period={key.budgetPeriod} mode={key.budgetMode} />
      <Charts keyId={key.id} />
    </div>
  );
}

/** What the key spent in its budget period (UTC day or month) and what is left. */
function Budget({
  keyId,
  budgetUsd,
  period,
  mode,
}: {
  keyId: string;
  budgetUsd: number | null;
  period: "day" | "month" | null;
  mode: "hard" | "soft" | null;
}) {
  const { query: spend, now } = useMonthSpend(keyId);
  if (spend.isError) return <ErrorBox title="Could not load the budget" message={errorMessage(spend.error)} />;
  const spent = spend.data ? spendThisPeriod(spend.data.points, keyId, period, now) : null;
  const remaining = budgetUsd === null || spent === null ? null : Math.max(0, budgetUsd - spent);
  const label = period === "day" ? "today (UTC)" : "this month (UTC)";
  const items = [
    { label: `Spent ${label}`, value: spent === null ? "…" : formatCost(spent) },
    { label: "Budget", value: budgetUsd === null ? "None" : `${formatBudget(budgetUsd)} per ${period ?? "month"}, ${mode ?? "hard"}` },
    { label: "Remaining budget", value: budgetUsd === null ? "—" : remaining === null ? "…" : formatCost(remaining) },
  ];
  const share = budgetUsd && spent !== null ? Math.min(1, spent / budgetUsd) : null;
  return (
    <section aria-label="Budget" className="flex flex-col gap-2">
      <dl className="grid grid-cols-1 gap-3 sm:grid-cols-3">
        {items.map((it) => (
          // biome-ignore lint/a11y/useSemanticElements: a <dl> pairs a term and its value in a <div>; a <fieldset> is for form controls
          <div
            key={it.label}
            role="group"
            aria-label={it.label}
            className="rounded-lg border border-slate-200 bg-white px-4 py-3 shadow-sm"
          >
            <dt className="text-xs font-medium text-slate-500">{it.label}</dt>
            <dd className="mt-1 text-lg font-semibold text-slate-900 tabular-nums">{it.value}</dd>
          </div>
        ))}
      </dl>
      {share !== null && (
        <div aria-hidden="true" className="h-2 overflow-hidden rounded-full bg-slate-100">
          <div className={share >= 1 ? "h-full bg-red-500" : "h-full bg-indigo-500"} style={{ width: `${share * 100}%` }} />
        </div>
      )}
    </section>
  );
}

/** Spend (USD), requests and tokens per hour (last 24 h) or per UTC day (7 and 30 days). */
function Charts({ keyId }: { keyId: string }) {
  const trpc = useTRPC();
  const project = useProject();
  const [range, setRange] = useState<RangeKey>("24h");
  const [anchor, setAnchor] = useState(() => ({ range, now: new Date() }));
  if (anchor.range !== range) setAnchor({ range, now: new Date() });
  const w = rangeWindow(range, anchor.now);
  const q = useQuery(
    trpc.routing.spend.keys.queryOptions({ projectId: project.slug, from: w.from, to: w.to, keyId }, { placeholderData: keepPreviousData }),
  );
  const b = bucketPoints(q.data?.points ?? [], w.times, w.bucket);
  const grid = { times: b.times, present: b.times.map(() => true), bucket: w.bucket };
  const per = w.bucket === "hour" ? "per hour" : "per UTC day";
  const busy = q.isPlaceholderData;
  const charts = [
    { title: "Spend", description: `Gateway spend ${per} (USD).`, values: b.cost, yTitle: "spend (USD)", format: formatCost },
    {
      title: "Requests",
      description: `Gateway calls ${per} (count).`,
      values: b.requests,
      yTitle: "requests",
      format: formatInt,
      integer: true,
    },
    { title: "Tokens", description: `Input + output tokens ${per}.`, values: b.tokens, yTitle: "tokens", format: formatInt, integer: true },
  ];
  return (
    <Card
      title={`Usage · ${RANGES[range].label.toLowerCase()}`}
      actions={<RangePicker value={range} onChange={setRange} />}
      className="flex flex-col"
    >
      {q.isError && <ErrorBox title="Could not load the spend" message={errorMessage(q.error)} onRetry={() => void q.refetch()} />}
      {q.isPending ? (
        <Skeleton rows={6} />
      ) : (
        <div className="grid gap-4 lg:grid-cols-3">
          {charts.map((c) => (
            <TimeChart
              key={c.title}
              title={c.title}
              description={c.description}
              grid={grid}
              series={[{ key: c.title, label: c.title, color: "#4f46e5", values: c.values }]}
              yTitle={c.yTitle}
              format={c.format}
              axisFormat={c.integer ? compactNumber : (v) => `$${compactNumber(v)}`}
              integer={c.integer}
              empty="No gateway calls with this key in this range."
              busy={busy}
            />
          ))}
        </div>
      )}
    </Card>
  );
}
