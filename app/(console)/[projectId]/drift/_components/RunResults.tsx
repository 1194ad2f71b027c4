"use client";

import { useId, useState } from "react";
import { ColumnChart } from "./ColumnChart";
import { ColumnTable, columnVerdict } from "./ColumnTable";
import { EmbeddingPanel } from "./EmbeddingPanel";
import { formatCount, formatShare, windowDates } from "./format";
import { Fact, VerdictBadge } from "./shared";
import type { RunResult, WindowInfo } from "./types";

/**
 * One evaluation's results: the summary (verdict, both windows, drifted columns), the per-column
 * table, the picked column's distributions and, when watched, the embedding drift. The same view
 * shows a stored run (the monitor page) and the form's preview.
 */
export function RunResults({ result, threshold }: { result: RunResult; threshold?: number }) {
  const firstPick = result.columns.find((c) => c.drift) ?? result.columns.find((c) => c.status === "tested") ?? result.columns[0];
  const [picked, setPicked] = useState<string | null>(null);
  const id = useId();
  const column = result.columns.find((c) => c.name === picked) ?? firstPick;
  return (
    <div className="flex flex-col gap-6">
      <section aria-label="Run summary" className="flex flex-col gap-3">
        <dl className="grid gap-x-6 gap-y-3 sm:grid-cols-2 lg:grid-cols-4">
          <Fact label="Verdict">
            <span data-testid="run-verdict">
              <VerdictBadge verdict={result.verdict} />
            </span>
          </Fact>
          <Fact label="Drifted columns">
            <span data-testid="drifted-count">
              {result.driftedCount} of {result.columnCount} tested
            </span>{" "}
            <span className="text-slate-500">
              ({formatShare(result.driftShare)}
              {threshold !== undefined ? `; drift at ${formatShare(threshold)}` : ""})
            </span>
            {result.columns.length > result.columnCount && (
              <span className="block text-xs text-slate-500">{result.columns.length - result.columnCount} not tested</span>
            )}
          </Fact>
          <WindowFact label="Reference window" w={result.reference} />
          <WindowFact label="Current window" w={result.current} />
        </dl>
        {result.message && (
          <p role="note" className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
            {result.message}
          </p>
        )}
      </section>

      {result.columns.length > 0 && (
        <section aria-labelledby={`${id}-columns`} className="flex flex-col gap-3">
          <div>
            <h3 id={`${id}-columns`} className="text-sm font-medium text-slate-900">
              Columns
            </h3>
            <p className="text-xs text-slate-500">
              Click a header to sort; click a column name to chart it. Dropped: values that are no number in a numerical column.
            </p>
          </div>
          <ColumnTable columns={result.columns} selected={column?.name ?? null} onSelect={setPicked} />
          {column && (
            <div className="pt-2">
              <ColumnChart key={column.name} column={column} />
              {columnVerdict(column) === "failed" && column.error && <p className="mt-2 text-sm text-red-700">{column.error}</p>}
            </div>
          )}
        </section>
      )}

      {result.embeddings && (
        <section aria-labelledby={`${id}-embeddings`} className="flex flex-col gap-3 border-t border-slate-200 pt-4">
          <h3 id={`${id}-embeddings`} className="text-sm font-medium text-slate-900">
            Embeddings
          </h3>
          <EmbeddingPanel e={result.embeddings} />
        </section>
      )}
    </div>
  );
}

function WindowFact({ label, w }: { label: string; w: WindowInfo }) {
  const dates = windowDates(w);
  return (
    <Fact label={label}>
      <span className="font-medium">{w.label || "—"}</span> · {formatCount(w.size)} rows
      {dates && <span className="block text-xs text-slate-500">{dates}</span>}
    </Fact>
  );
}
