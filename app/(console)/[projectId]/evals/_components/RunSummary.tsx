"use client";

import type { ReactNode } from "react";
import { Card } from "@/app/_components/ui";
import { formatCost, percent } from "@/app/_lib/format";
import { type Aggregates, aggregatesOf } from "./figures";

function Stat({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="rounded-md border border-slate-200 px-4 py-2">
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className="text-lg font-semibold text-slate-900 tabular-nums">{children}</dd>
    </div>
  );
}

/** Who answered how often, most first. */
export function Answerers({ counts }: { counts: Record<string, number> | null | undefined }) {
  const list = Object.entries(counts ?? {}).sort((a, b) => b[1] - a[1]);
  if (!list.length) return <span className="text-slate-400">—</span>;
  return (
    <ul className="flex flex-col gap-0.5">
      {list.map(([who, n]) => (
        <li key={who} className="tabular-nums">
          <code className="font-mono text-xs">{who}</code> {n}
        </li>
      ))}
    </ul>
  );
}

/** A live run's own figures: what it cost, items that failed or a scorer could not score, who answered, a router's large share. */
export function RunSummary({ aggregates, items }: { aggregates: unknown; items: number }) {
  const a: Aggregates = aggregatesOf(aggregates);
  const unscored = Object.entries(a.unscored ?? {});
  const share = a.routing?.largeShare;
  return (
    <Card title="Summary" description="What the answers cost, what could not be scored, and who answered.">
      <dl aria-label="Run summary" className="flex flex-wrap gap-3">
        <Stat label="Cost">{formatCost(a.cost?.total ?? 0)}</Stat>
        <Stat label="Failed items">
          {a.failed ?? 0}
          <span className="ml-1 text-xs font-normal text-slate-500">of {items}</span>
        </Stat>
        <Stat label="Unscored">
          {unscored.length === 0 ? (
            0
          ) : (
            <span className="text-sm font-normal">
              {unscored.map(([k, n]) => (
                <span key={k} className="mr-2 inline-block">
                  <code className="font-mono text-xs">{k}</code> {n}
                </span>
              ))}
            </span>
          )}
        </Stat>
        {share !== undefined && (
          <Stat label="Large share">
            {percent(share)}%
            {a.routing?.large?.length ? (
              <span className="ml-1 text-xs font-normal text-slate-500">to {a.routing.large.join(", ")}</span>
            ) : null}
          </Stat>
        )}
        <Stat label="Answered by">
          <span className="text-sm font-normal">
            <Answerers counts={a.answeredBy} />
          </span>
        </Stat>
      </dl>
    </Card>
  );
}
