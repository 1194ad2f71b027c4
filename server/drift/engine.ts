import type { DbOrTx } from "../../db/client";
import { DomainError } from "../core/errors";
import { viewFilter } from "../logs";
import { type ColumnDef, DEFAULT_REFUSAL_PHRASES, defineColumn } from "./columns";
import type { MonitorConfig } from "./contract";
import { type EmbeddingResult, embeddingDrift } from "./embedding-source";
import { datasetVersionFor } from "./reference";
import { type CategoricalSummary, columnDrift, type NumericSummary } from "./stats";
import { aggregateDatasetRows, aggregateTraces, currentSpan, referenceSpan, type Span, trafficWhere, type WindowData } from "./windows";

/**
 * One evaluation of a monitor's configuration at `now`: both windows aggregated in PostgreSQL
 * (./windows.ts), each column tested (./stats, Evidently's defaults unless the column names a test),
 * the run's verdict from the share of drifted columns. Pure of side effects: runs.ts stores it,
 * preview shows it without storing.
 */

export interface WindowInfo {
  from: string | null;
  to: string | null;
  size: number;
  label: string;
}

export interface ColumnResult {
  name: string;
  type: "numerical" | "categorical";
  label: string;
  unit: string | null;
  /** tested; not_enough_data: a window had no value in this column; failed: the test could not run (error says why) */
  status: "tested" | "not_enough_data" | "failed";
  stattest: string | null;
  value: number | null;
  threshold: number | null;
  drift: boolean | null;
  referenceSize: number;
  currentSize: number;
  /** values that are no number in a numerical column: counted and dropped */
  dropped: { reference: number; current: number };
  /** NaN and ±Infinity in a numerical column: dropped before testing */
  nonFinite: { reference: number; current: number };
  histogram?: { edges: number[]; reference: number[]; current: number[] };
  categories?: { name: string; reference: number; current: number }[];
  error?: string;
}

export interface Evaluation {
  verdict: "drift" | "no_drift" | "not_enough_data";
  reference: WindowInfo;
  current: WindowInfo;
  columns: ColumnResult[];
  /** columns tested */
  columnCount: number;
  driftedCount: number;
  driftShare: number;
  embeddings: EmbeddingResult | null;
  message: string | null;
}

const info = (span: Span | null, size: number, label: string): WindowInfo => ({
  from: span?.from?.toISOString() ?? null,
  to: span?.to?.toISOString() ?? null,
  size,
  label,
});

const NON_FINITE = new Set(["NaN", "Infinity", "-Infinity", "+Infinity", "inf", "-inf", "nan"]);
/** A decimal number as JSON or PostgreSQL write one (no hex, no blanks). */
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Numbers from the text of each distinct value: non-numbers and NaN / ±Infinity are counted, not kept. */
function numeric(values: Map<string | null, number> | undefined): { summary: NumericSummary; dropped: number; nonFinite: number } {
  const pairs: [number, number][] = [];
  let dropped = 0;
  let nonFinite = 0;
  for (const [raw, n] of values ?? []) {
    if (raw === null) continue; // missing: not a value
    const text = raw.trim();
    if (NON_FINITE.has(text)) nonFinite += n;
    else if (!NUMBER.test(text)) dropped += n;
    else {
      const x = Number(text);
      if (Number.isFinite(x)) pairs.push([x, n]);
      else nonFinite += n; // 1e999
    }
  }
  pairs.sort((a, b) => a[0] - b[0]);
  // equal numbers written differently ("1" and "1.0" in metadata) merge
  const vs: number[] = [];
  const cs: number[] = [];
  for (const [x, n] of pairs) {
    if (vs.length && vs[vs.length - 1] === x) cs[cs.length - 1] = (cs[cs.length - 1] as number) + n;
    else {
      vs.push(x);
      cs.push(n);
    }
  }
  return { summary: { values: Float64Array.from(vs), counts: Float64Array.from(cs) }, dropped, nonFinite };
}

function categorical(values: Map<string | null, number> | undefined): CategoricalSummary {
  const m: CategoricalSummary = new Map();
  for (const [text, n] of values ?? []) if (text !== null) m.set(text, n);
  return m;
}

const total = (xs: Iterable<number>) => {
  let s = 0;
  for (const x of xs) s += x;
  return s;
};

function testColumn(def: ColumnDef, spec: MonitorConfig["columns"][number], ref: WindowData, cur: WindowData, key: string): ColumnResult {
  const base = { name: def.name, type: def.type, label: def.label, unit: def.unit ?? null };
  let reference: NumericSummary | CategoricalSummary;
  let current: NumericSummary | CategoricalSummary;
  let refSize: number;
  let curSize: number;
  const dropped = { reference: 0, current: 0 };
  const nonFinite = { reference: 0, current: 0 };
  if (def.type === "numerical") {
    const r = numeric(ref.values.get(key));
    const c = numeric(cur.values.get(key));
    reference = r.summary;
    current = c.summary;
    dropped.reference = r.dropped;
    dropped.current = c.dropped;
    nonFinite.reference = r.nonFinite;
    nonFinite.current = c.nonFinite;
    refSize = total(r.summary.counts);
    curSize = total(c.summary.counts);
  } else {
    reference = categorical(ref.values.get(key));
    current = categorical(cur.values.get(key));
    refSize = total((reference as CategoricalSummary).values());
    curSize = total((current as CategoricalSummary).values());
  }
  const empty = {
    ...base,
    stattest: spec.stattest ?? null,
    value: null,
    threshold: spec.threshold ?? null,
    drift: null,
    referenceSize: refSize,
    currentSize: curSize,
    dropped,
    nonFinite,
  };
  if (refSize === 0 || curSize === 0) return { ...empty, status: "not_enough_data" };
  try {
    const res = columnDrift({
      type: def.type,
      reference,
      current,
      stattest: spec.stattest,
      threshold: spec.threshold,
    } as Parameters<typeof columnDrift>[0]);
    return {
      ...empty,
      status: "tested",
      stattest: res.stattest,
      value: res.value,
      threshold: res.threshold,
      drift: res.drift,
      histogram: res.histogram,
      categories: res.categories,
    };
  } catch (err) {
    return { ...empty, status: "failed", error: (err as Error).message };
  }
}

export async function evaluate(db: DbOrTx, projectId: string, config: MonitorConfig, now: Date): Promise<Evaluation> {
  const phrases = config.source.refusalPhrases ?? DEFAULT_REFUSAL_PHRASES;
  const defs = config.columns.map((c) => defineColumn(c, phrases));
  const seen = new Set<string>();
  for (const d of defs) {
    if (seen.has(d.name)) throw new DomainError("BAD_REQUEST", `column ${d.name} is named twice`, "config.columns");
    seen.add(d.name);
  }
  const filter = config.source.view
    ? { ...(await viewFilter(db, projectId, config.source.view, "config.source.view")), ...config.source.filter }
    : config.source.filter;
  const curSpan = currentSpan(config.current, now);
  if (curSpan.from && curSpan.to && curSpan.from >= curSpan.to)
    throw new DomainError("BAD_REQUEST", "the current window's from must be before its to", "config.current");
  const refSpan = referenceSpan(config.reference, curSpan);
  if (refSpan?.from && refSpan.to && refSpan.from >= refSpan.to)
    throw new DomainError("BAD_REQUEST", "the reference window's from must be before its to", "config.reference");
  const current = await aggregateTraces(db, trafficWhere(projectId, filter, config.source.deployment, curSpan), defs);
  let reference: WindowData;
  let refInfo: WindowInfo;
  if (config.reference.kind === "dataset") {
    const version = await datasetVersionFor(db, projectId, config.reference.dataset, config.reference.version);
    reference = await aggregateDatasetRows(db, projectId, version.id, defs);
    refInfo = info(null, reference.size, `dataset ${config.reference.dataset} v${version.version}`);
  } else {
    reference = await aggregateTraces(db, trafficWhere(projectId, filter, config.source.deployment, refSpan as Span), defs);
    refInfo = info(refSpan, reference.size, (refSpan as Span).label);
  }
  const curInfo = info(curSpan, current.size, curSpan.label);
  const embeddings = config.embeddings
    ? await embeddingDrift(db, projectId, config, { filter, reference: refSpan, current: curSpan, minSamples: config.minSamples })
    : null;

  const short = reference.size < config.minSamples || current.size < config.minSamples;
  const columns = defs.map((def, i) => {
    const spec = config.columns[i] as MonitorConfig["columns"][number];
    if (short) {
      return {
        ...testColumn(def, spec, { size: 0, values: new Map() }, { size: 0, values: new Map() }, String(i)),
        referenceSize: reference.size,
        currentSize: current.size,
      };
    }
    return testColumn(def, spec, reference, current, String(i));
  });
  const tested = columns.filter((c) => c.status === "tested");
  const drifted = tested.filter((c) => c.drift).length;
  const share = tested.length ? drifted / tested.length : 0;
  let verdict: Evaluation["verdict"] = short || tested.length === 0 ? "not_enough_data" : share >= config.driftShare ? "drift" : "no_drift";
  if (verdict === "no_drift" && embeddings?.drift) verdict = "drift";
  const message = short
    ? `not enough data: the reference has ${reference.size} rows and the current window ${current.size}; at least ${config.minSamples} each are needed`
    : tested.length === 0
      ? "not enough data: no column had values in both windows"
      : null;
  return {
    verdict,
    reference: refInfo,
    current: curInfo,
    columns,
    columnCount: tested.length,
    driftedCount: drifted,
    driftShare: share,
    embeddings,
    message,
  };
}
