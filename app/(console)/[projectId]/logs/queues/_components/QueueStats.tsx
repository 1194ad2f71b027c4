"use client";

import type { ReactNode } from "react";
import { Card, Table, Td, Th } from "@/app/_components/ui";
import { percent } from "@/app/_lib/format";
import type { RouterOutputs } from "@/app/_lib/trpc";

export type Stats = RouterOutputs["logs"]["queues"]["stats"];

/** done of total as a thin bar; an empty queue shows an empty bar. */
export function ProgressBar({ done, total, label }: { done: number; total: number; label: string }) {
  const pct = total ? percent(done / total) : 0;
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={pct}
      className="h-1.5 w-full min-w-24 overflow-hidden rounded-full bg-slate-200"
    >
      <div className={pct === 100 ? "h-full bg-emerald-500" : "h-full bg-indigo-500"} style={{ width: `${pct}%` }} />
    </div>
  );
}

/** An agreement coefficient to two decimals; null (too few overlapping ratings) is a dash. */
export const formatCoefficient = (v: number | null) => (v === null || !Number.isFinite(v) ? "—" : v.toFixed(2));

function Stat({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div>
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd data-testid={testId} className="mt-0.5 text-lg font-semibold text-slate-900 tabular-nums">
        {children}
      </dd>
    </div>
  );
}

/** Progress of the queue (items done need the queue's required ratings) and how well reviewers agree. */
export function QueueStats({ stats }: { stats: Stats }) {
  const { total, done, mine, agreement, queue } = stats;
  return (
    <Card title="Progress">
      <div className="flex flex-col gap-5">
        <dl className="grid grid-cols-2 gap-4 sm:grid-cols-4">
          <Stat label="Items done" testId="queue-done">
            {done} / {total}
          </Stat>
          <Stat label="Rated by you" testId="queue-mine">
            {mine}
          </Stat>
          <Stat label="Ratings per item">{queue.requiredRatings}</Stat>
          <Stat label="Left">{Math.max(0, total - done)}</Stat>
        </dl>
        <div>
          <h3 className="mb-2 text-sm font-medium text-slate-900">Agreement between reviewers</h3>
          {agreement.length === 0 ? (
            <p className="text-sm text-slate-500">This queue has no score configs.</p>
          ) : (
            <Table label="Agreement">
              <thead>
                <tr>
                  <Th>Score</Th>
                  <Th className="text-right">Items</Th>
                  <Th className="text-right">Raters</Th>
                  <Th className="text-right" title="Cohen's kappa: exactly two reviewers">
                    Kappa
                  </Th>
                  <Th className="text-right" title="Krippendorff's alpha: any number of reviewers">
                    Alpha
                  </Th>
                </tr>
              </thead>
              <tbody>
                {agreement.map((a) => (
                  <tr key={a.configId}>
                    <Td className="font-medium text-slate-900">{a.name}</Td>
                    <Td className="text-right tabular-nums">{a.items}</Td>
                    <Td className="text-right tabular-nums">{a.raters}</Td>
                    <Td className="text-right tabular-nums">{formatCoefficient(a.kappa)}</Td>
                    <Td className="text-right tabular-nums">{formatCoefficient(a.alpha)}</Td>
                  </tr>
                ))}
              </tbody>
            </Table>
          )}
          <p className="mt-2 text-xs text-slate-500">
            Over items rated by two or more reviewers in this queue. Kappa needs exactly two reviewers; 1 is full agreement, 0 is chance.
          </p>
        </div>
      </div>
    </Card>
  );
}
