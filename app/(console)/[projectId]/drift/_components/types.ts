/** The drift API's shapes as the pages use them (types only: app/ reaches the server through tRPC). */

import type { RouterOutputs } from "@/app/_lib/trpc";

/** The engine's evaluation (server/drift/engine.ts), as the preview returns it; a stored run holds the same parts. */
export type Evaluation = RouterOutputs["drift"]["monitors"]["preview"];
export type ColumnResult = Evaluation["columns"][number];
export type EmbeddingResult = NonNullable<Evaluation["embeddings"]>;
export type WindowInfo = Evaluation["reference"];

export type Verdict = "drift" | "no_drift" | "not_enough_data" | "failed";

export type MonitorView = RouterOutputs["drift"]["monitors"]["get"];
export type MonitorItem = RouterOutputs["drift"]["monitors"]["list"]["items"][number];
export type TimelinePoint = MonitorView["timeline"][number];
export type RunSummary = RouterOutputs["drift"]["runs"]["list"]["items"][number];
export type RunDetail = RouterOutputs["drift"]["runs"]["get"];
export type AlertItem = RouterOutputs["drift"]["alerts"]["list"]["items"][number];
export type RuleItem = RouterOutputs["drift"]["rules"]["list"][number];
export type ColumnCatalog = RouterOutputs["drift"]["monitors"]["columns"];

/** One evaluation's results, stored (a run) or not (the form's preview): what the results view shows. */
export interface RunResult extends Omit<Evaluation, "verdict"> {
  verdict: Verdict;
}

/** A stored run's jsonb columns typed as the engine wrote them. */
export function resultOfRun(run: RunDetail): RunResult {
  return {
    verdict: run.verdict,
    reference: run.reference,
    current: run.current,
    columns: (run.columns ?? []) as ColumnResult[],
    columnCount: run.columnCount,
    driftedCount: run.driftedCount,
    driftShare: run.driftShare,
    embeddings: (run.embeddings ?? null) as EmbeddingResult | null,
    message: run.message,
  };
}

/** The fields of a monitor's config the pages read (the stored config is JSON: dates arrive as strings). */
export interface ConfigView {
  source: { kind?: string; filter?: Record<string, unknown>; view?: string; deployment?: string; refusalPhrases?: string[] };
  columns: { name: string; type?: "numerical" | "categorical"; stattest?: string; threshold?: number }[];
  embeddings?: { field: "input" | "output"; model?: string; method?: string; threshold?: number; pcaComponents?: number; maxRows?: number };
  reference:
    | { kind: "dataset"; dataset: string; version?: number }
    | { kind: "range"; from: string | Date; to: string | Date }
    | { kind: "previous" };
  current: { kind: "sliding"; window: "hour" | "day" | "week" } | { kind: "range"; from: string | Date; to: string | Date };
  minSamples?: number;
  driftShare?: number;
}
export const configOf = (m: { config: unknown }) => m.config as ConfigView;
