/** Display formatting of the drift pages, in one place: verdicts, statistics, windows, monitor summaries. */

import { formatDateTime } from "@/app/_lib/format";
import type { Verdict } from "./types";

export const VERDICT_LABELS: Record<Verdict, string> = {
  drift: "drift",
  no_drift: "no drift",
  not_enough_data: "not enough data",
  failed: "failed",
};
export const verdictLabel = (v: string) => VERDICT_LABELS[v as Verdict] ?? v.replaceAll("_", " ");

/** Chart colours: verdicts as their badges, the two windows blue (reference) and orange (current), told apart without red/green. */
export const VERDICT_COLORS: Record<Verdict, string> = {
  drift: "#dc2626",
  no_drift: "#059669",
  not_enough_data: "#d97706",
  failed: "#64748b",
};
export const WINDOW_COLORS = { reference: "#4f46e5", current: "#ea580c" } as const;

/** A 0..1 share as a percentage, one decimal below 10%. */
export function formatShare(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return "—";
  const p = x * 100;
  return `${p.toFixed(p > 0 && p < 10 ? 1 : 0)}%`;
}

/** A test statistic or p-value: 3 significant digits, exponent form for tiny values (p = 2.1e-12). */
export function formatStat(v: number | null | undefined): string {
  if (v === null || v === undefined) return "—";
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e6) return v.toExponential(2);
  return String(+v.toPrecision(3));
}

/** Axis ticks and bin edges: short numbers (1.2k, 3.4M), up to 3 significant digits. */
export function compact(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toPrecision(3)}k`;
  if (a === 0) return "0";
  if (a < 0.01) return v.toExponential(1);
  return String(+v.toPrecision(3));
}

export const formatCount = (n: number) => n.toLocaleString();

/** The tests of server/drift/contract.ts STATTESTS, for people; p-value tests drift when the value is below the threshold. */
const TESTS: Record<string, { name: string; pValue: boolean }> = {
  ks: { name: "K-S test", pValue: true },
  chisquare: { name: "chi-square test", pValue: true },
  z: { name: "Z-test", pValue: true },
  wasserstein: { name: "Wasserstein distance (normed)", pValue: false },
  jensenshannon: { name: "Jensen-Shannon distance", pValue: false },
  psi: { name: "PSI", pValue: false },
};
export const isPValueTest = (t: string | null | undefined) => !!t && !!TESTS[t]?.pValue;
export function testLabel(t: string | null | undefined): string {
  if (!t) return "default";
  const k = TESTS[t];
  return k ? `${k.name}${k.pValue ? " (p-value)" : ""}` : t;
}
/** How a test's value is compared with its threshold, in words. */
export const ruleOf = (t: string | null | undefined) => (isPValueTest(t) ? "drift when p < threshold" : "drift when value ≥ threshold");

const EMBEDDING_METHODS: Record<string, string> = {
  model: "domain classifier (ROC AUC)",
  distance: "distance between mean embeddings",
  ratio: "share of drifted components",
  mmd: "maximum mean discrepancy",
};
export const embeddingMethodLabel = (m: string) => EMBEDDING_METHODS[m] ?? m;

/** A window's dates: "Mar 3, 2025, 10:00 AM – Mar 4, 2025, 10:00 AM"; a dataset has none. */
export function windowDates(w: { from: string | Date | null; to: string | Date | null }): string {
  if (!w.from && !w.to) return "";
  const d = (x: string | Date | null) => (x ? formatDateTime(new Date(x)) : "…");
  return `${d(w.from)} – ${d(w.to)}`;
}

/** A bin of shared histogram edges; the last bin includes its upper edge. */
export const binLabel = (lo: number, hi: number) => `${compact(lo)}–${compact(hi)}`;

/** An axis title: the column's label with its unit ("latency (ms)"). */
export const withUnit = (label: string, unit: string | null | undefined) => (unit ? `${label} (${unit})` : label);

/** Values of a window's histogram or categories as shares of that window (counts or shares alike). */
export function asShares(xs: number[]): number[] {
  const total = xs.reduce((s, x) => s + (Number.isFinite(x) ? x : 0), 0);
  return xs.map((x) => (total > 0 && Number.isFinite(x) ? x / total : 0));
}

interface ConfigLike {
  source?: { filter?: Record<string, unknown>; view?: string; deployment?: string };
  columns?: unknown[];
  embeddings?: { field: string } | null;
  reference?: { kind: string; dataset?: string; version?: number; from?: string | Date; to?: string | Date };
  current?: { kind: string; window?: string; from?: string | Date; to?: string | Date };
}

/** "traffic tagged gateway · view X · deployment Y": what a monitor watches. */
export function sourceSummary(config: ConfigLike): string {
  const s = config.source ?? {};
  const parts = ["traffic"];
  const f = s.filter ?? {};
  const tags = Array.isArray(f.tags) ? (f.tags as string[]) : [];
  if (tags.length) parts[0] = `traffic tagged ${tags.join(", ")}`;
  const models = Array.isArray(f.models) ? (f.models as string[]) : [];
  if (models.length) parts.push(`model ${models.join(", ")}`);
  const more = Object.keys(f).filter((k) => k !== "tags" && k !== "models").length;
  if (more) parts.push(`${more} more filter${more > 1 ? "s" : ""}`);
  if (s.view) parts.push(`view ${s.view}`);
  if (s.deployment) parts.push(`deployment ${s.deployment}`);
  const n = config.columns?.length ?? 0;
  parts.push(`${n} column${n === 1 ? "" : "s"}${config.embeddings ? ` + ${config.embeddings.field} embeddings` : ""}`);
  return parts.join(" · ");
}

/** "last day vs previous window": the two windows of a monitor. */
export function windowsSummary(config: ConfigLike): string {
  const c = config.current;
  const r = config.reference;
  const range = (w: { from?: string | Date; to?: string | Date }) => windowDates({ from: w.from ?? null, to: w.to ?? null });
  const cur = !c ? "?" : c.kind === "sliding" ? `last ${c.window}` : range(c);
  const ref = !r
    ? "?"
    : r.kind === "dataset"
      ? `dataset ${r.dataset}${r.version ? ` v${r.version}` : " (latest)"}`
      : r.kind === "previous"
        ? "the window before"
        : range(r);
  return `${cur} vs ${ref}`;
}

/** A share axis from 0 to a round top just above `max` (0..1), with evenly spaced ticks. */
export function shareTicks(max: number): number[] {
  const m = Math.min(1, Math.max(0, max));
  const step = m <= 0.1 ? 0.02 : m <= 0.25 ? 0.05 : m <= 0.5 ? 0.1 : 0.2;
  const top = Math.min(1, Math.max(step, Math.ceil(m / step - 1e-9) * step));
  const ticks: number[] = [];
  for (let k = 0; k * step <= top + 1e-9; k++) ticks.push(+(k * step).toFixed(4));
  if ((ticks.at(-1) ?? 0) < top) ticks.push(top);
  return ticks;
}
