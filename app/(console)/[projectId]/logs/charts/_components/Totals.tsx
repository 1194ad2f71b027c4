import { formatCost } from "@/app/_lib/format";
import { formatInt, formatLatency } from "../../_components/format";
import type { Totals as TotalsData } from "./series";

/** The filter's totals over the whole range, above the charts. */
export function Totals({ totals, loading }: { totals: TotalsData | null; loading?: boolean }) {
  const items = [
    { label: "Traces", value: totals ? formatInt(totals.traces) : "" },
    { label: "Error rate", value: totals ? (totals.errorRate === null ? "—" : `${(totals.errorRate * 100).toFixed(1)}%`) : "" },
    { label: "Total cost", value: totals ? formatCost(totals.cost) : "" },
    { label: "Latency p50 (mean of buckets)", value: totals ? formatLatency(totals.meanP50) : "" },
  ];
  return (
    <section aria-label="Totals" aria-busy={loading || undefined}>
      <dl className="grid grid-cols-2 gap-3 lg:grid-cols-4">
        {items.map((it) => (
          <div key={it.label} className="rounded-lg border border-slate-200 bg-white px-4 py-3 shadow-sm">
            <dt className="text-xs font-medium text-slate-500">{it.label}</dt>
            <dd className="mt-1 text-lg font-semibold text-slate-900 tabular-nums">
              {totals ? it.value : <span className="block h-6 w-16 animate-pulse rounded bg-slate-100" />}
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
