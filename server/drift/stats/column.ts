import { alignCategorical, alignNumeric, binnedShares, commonEdges, histogramCounts } from "./binning";
import { chisquare } from "./chisquare";
import { jensenshannon, proportionsDiffZTest, psi } from "./distance";
import { ks2sampWeighted } from "./ks";
import { type CategoricalSummary, categoricalTotal, compareCodePoints, type NumericSummary, numericTotal } from "./summary";
import { summaryStd, wassersteinSummary } from "./wasserstein";

/**
 * Drift of one column between a reference and a current window, as Evidently's legacy
 * ColumnDriftMetric computes it (calculations/data_drift.py get_one_column_drift, stattests/*):
 * the same default test for the column's type and sizes, the same formulas and drift rules, on
 * summaries instead of raw rows.
 */

export const STATTESTS = ["ks", "chisquare", "z", "wasserstein", "jensenshannon", "psi"] as const;
export type Stattest = (typeof STATTESTS)[number];

/** p-value tests (drift when p < threshold, K-S p <= threshold) and their default threshold; the rest are distances (drift when >= threshold). */
const PVALUE: ReadonlySet<Stattest> = new Set(["ks", "chisquare", "z"]);
const DEFAULT_THRESHOLD: Record<Stattest, number> = { ks: 0.05, chisquare: 0.05, z: 0.05, wasserstein: 0.1, jensenshannon: 0.1, psi: 0.1 };
const NUMERICAL_ONLY: ReadonlySet<Stattest> = new Set(["ks", "wasserstein"]);

export type ColumnDriftInput =
  | { type: "numerical"; reference: NumericSummary; current: NumericSummary; stattest?: Stattest; threshold?: number }
  | { type: "categorical"; reference: CategoricalSummary; current: CategoricalSummary; stattest?: Stattest; threshold?: number };

export interface ColumnDriftResult {
  stattest: Stattest;
  /** the p-value (ks, chisquare, z) or the distance (wasserstein normed by the reference's std, jensenshannon, psi) */
  value: number;
  threshold: number;
  drift: boolean;
  referenceSize: number;
  currentSize: number;
  /** numerical columns: Sturges bins over both windows, counts per window */
  histogram?: { edges: number[]; reference: number[]; current: number[] };
  /** categorical columns: counts per category, by name */
  categories?: { name: string; reference: number; current: number }[];
}

/**
 * Evidently's _get_default_stattest: reference of at most 1000 values → numerical with more than 5
 * distinct values (both windows) "ks", else "chisquare" (more than 2) or "z"; more than 1000 →
 * numerical with more than 5 distinct values "wasserstein", else "jensenshannon".
 */
export function defaultStattest(type: "numerical" | "categorical", referenceSize: number, distinct: number): Stattest {
  if (referenceSize <= 1000) {
    if (type === "numerical" && distinct > 5) return "ks";
    return distinct > 2 ? "chisquare" : "z";
  }
  return type === "numerical" && distinct > 5 ? "wasserstein" : "jensenshannon";
}

/** A threshold in range for its test: a p-value level in (0, 1), a distance >= 0. */
export function checkThreshold(stattest: Stattest, threshold: number): number {
  if (PVALUE.has(stattest)) {
    if (!(threshold > 0 && threshold < 1))
      throw new Error(`threshold must be a p-value level between 0 and 1 (exclusive) for ${stattest}, got ${threshold}`);
  } else if (!(threshold >= 0 && threshold < Number.POSITIVE_INFINITY))
    throw new Error(`threshold must be a finite distance >= 0 for ${stattest}, got ${threshold}`);
  return threshold;
}

/** Without zero counts (they are no values). */
function compactNumeric(s: NumericSummary): NumericSummary {
  let zeros = 0;
  for (let i = 0; i < s.counts.length; i++) if (s.counts[i] === 0) zeros++;
  if (!zeros) return s;
  const keep = (_: number, i: number) => s.counts[i] !== 0;
  return { values: s.values.filter(keep), counts: s.counts.filter(keep) };
}

function compactCategorical(s: CategoricalSummary): CategoricalSummary {
  return new Map([...s].filter(([, c]) => c !== 0));
}

/** Evidently's chi-square: expected = reference counts scaled to the current size, observed = current counts. */
function chiSquareP(ref: Float64Array, cur: Float64Array, nRef: number, nCur: number): number {
  const kNorm = nCur / nRef;
  return chisquare(
    cur,
    ref.map((c) => c * kNorm),
  ).pvalue;
}

/** Evidently's z-test: the first of the sorted distinct values is "0", any other "1"; p = 1 when both windows hold one same value. */
function zTestP(keys: Float64Array | string[], ref: Float64Array, cur: Float64Array, nRef: number, nCur: number): number {
  if (keys.length === 1) return 1;
  let first = 0; // numerical keys come sorted
  if (Array.isArray(keys)) for (let i = 1; i < keys.length; i++) if (compareCodePoints(keys[i]!, keys[first]!) < 0) first = i;
  return proportionsDiffZTest(nRef - ref[first]!, nRef, nCur - cur[first]!, nCur).pvalue;
}

/** The drift of one column (see the file's comment); throws on an empty window, an out-of-range threshold or a test that does not apply. */
export function columnDrift(input: ColumnDriftInput): ColumnDriftResult {
  const type = (input as { type: unknown }).type;
  if (type !== "numerical" && type !== "categorical") throw new Error(`type must be numerical or categorical, got ${String(type)}`);
  const col: ColumnDriftInput =
    input.type === "numerical"
      ? { ...input, reference: compactNumeric(input.reference), current: compactNumeric(input.current) }
      : { ...input, reference: compactCategorical(input.reference), current: compactCategorical(input.current) };
  const referenceSize = col.type === "numerical" ? numericTotal(col.reference, "reference") : categoricalTotal(col.reference, "reference");
  const currentSize = col.type === "numerical" ? numericTotal(col.current, "current") : categoricalTotal(col.current, "current");
  if (referenceSize === 0) throw new Error("the reference window has no values in this column");
  if (currentSize === 0) throw new Error("the current window has no values in this column");
  const aligned = col.type === "numerical" ? alignNumeric(col.reference, col.current) : alignCategorical(col.reference, col.current);
  if (col.stattest !== undefined && !STATTESTS.includes(col.stattest))
    throw new Error(`stattest must be one of ${STATTESTS.join(", ")}, got ${String(col.stattest)}`);
  const stattest = col.stattest ?? defaultStattest(col.type, referenceSize, aligned.keys.length);
  if (col.type === "categorical" && NUMERICAL_ONLY.has(stattest)) throw new Error(`stattest ${stattest} applies to numerical columns only`);
  const threshold = checkThreshold(stattest, col.threshold ?? DEFAULT_THRESHOLD[stattest]);

  let value: number;
  switch (stattest) {
    case "ks":
      value = ks2sampWeighted(col.reference as NumericSummary, col.current as NumericSummary).pvalue;
      break;
    case "chisquare":
      value = chiSquareP(aligned.reference, aligned.current, referenceSize, currentSize);
      break;
    case "z":
      value = zTestP(aligned.keys, aligned.reference, aligned.current, referenceSize, currentSize);
      break;
    case "wasserstein": {
      const ref = col.reference as NumericSummary;
      value = wassersteinSummary(ref, col.current as NumericSummary) / Math.max(summaryStd(ref), 0.001);
      break;
    }
    case "jensenshannon": {
      const b = binnedShares(col, false);
      value = jensenshannon(b.reference, b.current);
      break;
    }
    case "psi": {
      const b = binnedShares(col, true);
      value = psi(b.reference, b.current);
      break;
    }
  }
  // Evidently: K-S p <= threshold, chisquare and z p < threshold, distances >= threshold (NaN never drifts)
  const drift = stattest === "ks" ? value <= threshold : PVALUE.has(stattest) ? value < threshold : value >= threshold;
  const out: ColumnDriftResult = { stattest, value, threshold, drift, referenceSize, currentSize };
  if (col.type === "numerical") {
    const edges = commonEdges(col.reference, col.current);
    out.histogram = {
      edges: Array.from(edges),
      reference: Array.from(histogramCounts(col.reference, edges)),
      current: Array.from(histogramCounts(col.current, edges)),
    };
  } else {
    const order = Array.from({ length: aligned.keys.length }, (_, i) => i).sort((a, b) =>
      compareCodePoints(String(aligned.keys[a]), String(aligned.keys[b])),
    );
    out.categories = order.map((i) => ({ name: String(aligned.keys[i]), reference: aligned.reference[i]!, current: aligned.current[i]! }));
  }
  return out;
}
