"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useEffect, useId, useState } from "react";
import { Alert, Spinner } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { formatCost } from "@/app/_lib/format";
import { useProject } from "@/app/_lib/project";
import { type RouterInputs, useTRPC } from "@/app/_lib/trpc";

type EstimateInput = Omit<RouterInputs["evals"]["runs"]["estimate"], "projectId">;

/** The value once it has stopped changing for `ms`: the estimate reads every row, so not on each keystroke. */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  const key = JSON.stringify(value);
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed by the value's JSON, a fresh object each render
  useEffect(() => {
    const t = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(t);
  }, [key, ms]);
  return settled;
}

const count = (n: number) => n.toLocaleString("en-US");
const range = (c: { low: number; high: number }) => (c.low === c.high ? formatCost(c.low) : `${formatCost(c.low)} – ${formatCost(c.high)}`);

/**
 * What the run would cost, asked again as its inputs settle: `input` null while the form cannot make
 * a run yet (`why` says what is missing). Shown before Start; a target or template the server refuses
 * shows its reason here first.
 */
export function Estimate({ input, why, maxCost }: { input: EstimateInput | null; why: string | null; maxCost: number | null }) {
  const trpc = useTRPC();
  const project = useProject();
  const settled = useSettled(input, 400);
  const headingId = useId();
  const q = useQuery({
    ...trpc.evals.runs.estimate.queryOptions({ projectId: project.slug, ...(settled ?? ({} as EstimateInput)) }),
    enabled: settled !== null,
    placeholderData: keepPreviousData,
    retry: false,
    staleTime: 30_000,
  });
  const stale = input !== null && (JSON.stringify(input) !== JSON.stringify(settled) || q.isFetching);
  const e = q.data;
  return (
    <section aria-labelledby={headingId} className="rounded-md border border-slate-200 bg-slate-50 px-4 py-3 text-sm">
      <h3 id={headingId} className="flex items-center gap-2 font-medium text-slate-800">
        Cost estimate {stale && <Spinner className="size-3.5" label="Estimating" />}
      </h3>
      {input === null ? (
        <p className="mt-1 text-slate-500">{why ?? "Pick a dataset version and a target."}</p>
      ) : q.isError ? (
        <div className="mt-2">
          <Alert>{errorMessage(q.error)}</Alert>
        </div>
      ) : !e ? (
        <p className="mt-1 text-slate-500">Estimating…</p>
      ) : (
        <div className="mt-1 flex flex-col gap-1 text-slate-700">
          <p>
            <span className="text-lg font-semibold text-slate-900 tabular-nums" data-testid="estimate-cost">
              {range(e.cost)}
            </span>{" "}
            for {count(e.items)} items
            {e.cached > 0 && <> ({count(e.cached)} answers already cached, free)</>}
          </p>
          {input.target.kind !== "predictions" && (
            <p className="text-xs text-slate-500 tabular-nums">
              Generation {range(e.generation)}: about {count(e.inputTokens)} prompt tokens and up to {count(e.outputTokens)} answer tokens (
              {count(e.maxTokensPerItem)} per item)
              {e.prices.input.low !== e.prices.input.high && (
                <> — from every item answered by the router's small target to every item by its large one</>
              )}
              .
            </p>
          )}
          {e.scorers.map((s) => (
            <p key={s.key} className="text-xs text-slate-500 tabular-nums">
              {s.key} on {s.deployment}: {count(s.calls)} calls, {formatCost(s.cost)}
            </p>
          ))}
          {maxCost !== null && e.cost.high > maxCost && (
            <p className="text-xs text-amber-700">
              Above the max cost of {formatCost(maxCost)} at the high end: the run may stop there, failed, keeping what it scored.
            </p>
          )}
          <p className="text-xs text-slate-400">Tokens are estimated at 4 characters each; unpriced deployments cost $0.</p>
        </div>
      )}
    </section>
  );
}
