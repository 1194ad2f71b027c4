"use client";

import { useQueries, useQuery } from "@tanstack/react-query";
import { Badge, type Tone } from "@/app/_components/ui";
import { useTRPC } from "@/app/_lib/trpc";

export type RunStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled";

export interface Interval {
  mean: number;
  low: number;
  high: number;
  n: number;
}

export interface Aggregates {
  means?: Record<string, Interval>;
  corpus?: Record<string, { score?: number } | undefined>;
  /** a live run: items whose answer failed to generate (no figures), what the answers cost (USD), who answered how often */
  failed?: number;
  cost?: { total?: number };
  answeredBy?: Record<string, number>;
  /** a router run: the share of items its large targets answered */
  routing?: { largeShare?: number; large?: string[] };
  /** per scorer key: items it could not score (never counted as 0) */
  unscored?: Record<string, number>;
}

/** A run's target as the CLI names it: predictions, deployment:NAME, model:NAME@ALIAS, model:NAME:VERSION, router:NAME. */
export function targetLabel(t: { kind: string; name?: string; ref?: string; versionId?: string }): string {
  if (t.kind === "column") return "predictions";
  if (t.kind === "version") return `version:${t.versionId ?? ""}`;
  if (t.kind === "model") return /^\d+$/.test(t.ref ?? "") ? `model:${t.name}:${t.ref}` : `model:${t.name}@${t.ref ?? "production"}`;
  return `${t.kind}:${t.name ?? ""}`;
}

/** The run's aggregates as stored by the eval job (a loose JSON column on the server). */
export const aggregatesOf = (value: unknown): Aggregates => (value && typeof value === "object" ? (value as Aggregates) : {});

export const isFinished = (status: string) => status === "succeeded" || status === "failed" || status === "cancelled";

/** The figures shown first, in this order; others follow alphabetically. */
export const MAIN_FIGURES = ["bleu.score", "chrf.score", "rougeL.fmeasure"];

export const FIGURE_LABELS: Record<string, string> = {
  "bleu.score": "BLEU",
  "chrf.score": "chrF",
  "rouge1.fmeasure": "ROUGE-1 F",
  "rouge2.fmeasure": "ROUGE-2 F",
  "rougeL.fmeasure": "ROUGE-L F",
  "latency.ms": "Latency (ms)",
  "cost.usd": "Cost (USD)",
};

export const figureLabel = (key: string) => FIGURE_LABELS[key] ?? key;

export function orderFigures(keys: string[]): string[] {
  const main = MAIN_FIGURES.filter((k) => keys.includes(k));
  return [...main, ...keys.filter((k) => !main.includes(k)).sort()];
}

/** Scores in 0..1 get three decimals; BLEU/chrF-style 0..100 scores get two. */
export function fmt(n: number | null | undefined, digits?: number): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "—";
  const d = digits ?? (Math.abs(n) <= 1 ? 3 : 2);
  return n.toFixed(d);
}

export const signed = (n: number, digits?: number) => `${n > 0 ? "+" : ""}${fmt(n, digits)}`;

const STATUS_TONES: Record<string, Tone> = {
  queued: "gray",
  running: "blue",
  succeeded: "green",
  failed: "red",
  cancelled: "amber",
};

export function StatusBadge({ status }: { status: string }) {
  return <Badge tone={STATUS_TONES[status] ?? "gray"}>{status}</Badge>;
}

/** Every dataset version of the project (first 200 datasets, 200 versions each), labelled "name v3". */
export function useDatasetVersions(projectId: string) {
  const trpc = useTRPC();
  const datasets = useQuery(trpc.datasets.list.queryOptions({ projectId, limit: 200 }));
  const list = datasets.data?.items ?? [];
  const versions = useQueries({
    queries: list.map((d) => trpc.datasets.versions.queryOptions({ projectId, datasetId: d.id, limit: 200 })),
  });
  const options = list.flatMap((d, i) =>
    (versions[i]?.data?.items ?? []).map((v) => ({
      id: v.id,
      datasetId: d.id,
      label: `${d.name} v${v.version}`,
      rowCount: v.rowCount,
      hasPrediction: v.columns.includes("prediction"),
    })),
  );
  const labelOf = (id: string) => options.find((o) => o.id === id)?.label;
  return { datasets, options, labelOf, pending: datasets.isPending || versions.some((v) => v.isPending) };
}
