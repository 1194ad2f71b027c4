import type { CategoricalSummary, NumericSummary } from "./summary";

/**
 * Evidently's get_binned_data (legacy stattests/utils.py) on column summaries: a numerical column
 * with more than 20 distinct reference values gets common bin edges by Sturges' rule over both
 * windows (numpy.histogram_bin_edges(..., "sturges")) counted as numpy.histogram counts (each bin
 * [e_i, e_i+1), the last one closed); any other column is compared value by value over the union of
 * both windows' values. Shares are counts over the window's size.
 */

/**
 * numpy.histogram_bin_edges(data, "sturges") for data of `size` values between `min` and `max`:
 * width = ptp / (log2(size) + 1), ceil(range / width) bins (computed in floating point as numpy
 * does, so the count is not always ceil(log2(size)) + 1), edges by numpy.linspace.
 */
export function sturgesEdges(min: number, max: number, size: number): Float64Array {
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new Error(`sturgesEdges: autodetected range of [${min}, ${max}] is not finite`);
  if (!(size >= 1)) throw new Error("sturgesEdges: no data");
  const ptp = max - min;
  let first = min;
  let last = max;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const width = ptp / (Math.log2(size) + 1.0);
  const bins = width ? Math.ceil((last - first) / width) : 1;
  const edges = linspace(first, last, bins + 1);
  for (let i = 0; i + 1 < edges.length; i++)
    if (!(edges[i]! < edges[i + 1]!)) throw new Error(`Too many bins for data range. Cannot create ${bins} finite-sized bins.`);
  return edges;
}

/** numpy.linspace(start, stop, num) with endpoint: i·step + start, the last one exactly stop. */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  const div = num - 1;
  const delta = stop - start;
  if (div > 0) {
    const step = delta / div;
    for (let i = 0; i < num; i++) out[i] = (step === 0 ? (i / div) * delta : i * step) + start;
    out[num - 1] = stop;
  } else if (num === 1) out[0] = start;
  return out;
}

/** numpy.histogram(data, edges)[0] for a summary: bins [e_i, e_i+1), the last [e_n-1, e_n]; values outside are not counted. */
export function histogramCounts(s: NumericSummary, edges: ArrayLike<number>): Float64Array {
  const nb = edges.length - 1;
  const out = new Float64Array(Math.max(nb, 0));
  if (nb < 1) return out;
  // cum[k] = count of values < edges[k] (searchsorted left), the last edge inclusive (right)
  let i = 0;
  let cum = 0;
  let prev = 0;
  for (let k = 0; k <= nb; k++) {
    const e = edges[k]!;
    if (k < nb) while (i < s.values.length && s.values[i]! < e) cum += s.counts[i++]!;
    else while (i < s.values.length && s.values[i]! <= e) cum += s.counts[i++]!;
    if (k > 0) out[k - 1] = cum - prev;
    prev = cum;
  }
  return out;
}

export function summaryCount(s: NumericSummary): number {
  let n = 0;
  for (let i = 0; i < s.counts.length; i++) n += s.counts[i]!;
  return n;
}

/** Sturges edges over both windows together (the chart's and the >20-values tests' common bins). */
export function commonEdges(reference: NumericSummary, current: NumericSummary): Float64Array {
  const lo = Math.min(reference.values[0]!, current.values[0]!);
  const hi = Math.max(reference.values[reference.values.length - 1]!, current.values[current.values.length - 1]!);
  return sturgesEdges(lo, hi, summaryCount(reference) + summaryCount(current));
}

/** The union of two summaries' values (sorted) with each window's count per value. */
export function alignNumeric(reference: NumericSummary, current: NumericSummary) {
  const a = reference.values;
  const b = current.values;
  const keys = new Float64Array(a.length + b.length);
  const ref = new Float64Array(keys.length);
  const cur = new Float64Array(keys.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length || j < b.length) {
    const x = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    keys[k] = x;
    if (i < a.length && a[i] === x) ref[k] = reference.counts[i++]!;
    if (j < b.length && b[j] === x) cur[k] = current.counts[j++]!;
    k++;
  }
  return { keys: keys.subarray(0, k), reference: ref.subarray(0, k), current: cur.subarray(0, k) };
}

/** The union of two categorical summaries' categories (reference's first, then new ones) with each window's count. */
export function alignCategorical(reference: CategoricalSummary, current: CategoricalSummary) {
  const keys = [...reference.keys()];
  for (const k of current.keys()) if (!reference.has(k)) keys.push(k);
  return {
    keys,
    reference: Float64Array.from(keys, (k) => reference.get(k) ?? 0),
    current: Float64Array.from(keys, (k) => current.get(k) ?? 0),
  };
}

/**
 * Evidently's replacement of empty bins before PSI: each window's zero shares become 0.0001, or
 * that window's smallest non-zero share / 10^6 where that share is at most 0.0001.
 */
export function fillZeroShares(shares: Float64Array): Float64Array {
  let min = Number.POSITIVE_INFINITY;
  for (const s of shares) if (s !== 0 && s < min) min = s;
  if (min === Number.POSITIVE_INFINITY) throw new Error("fillZeroShares: every share is zero");
  const fill = min <= 0.0001 ? min / 10 ** 6 : 0.0001;
  return shares.map((s) => (s === 0 ? fill : s));
}

export interface BinnedShares {
  /** bin edges (Sturges) or the distinct values / categories compared one by one */
  edges: Float64Array | null;
  keys: Float64Array | string[] | null;
  reference: Float64Array;
  current: Float64Array;
}

const shares = (counts: Float64Array, n: number) => counts.map((c) => c / n);

/** get_binned_data(reference, current, type, n, feel_zeroes): shares per bin of both windows. */
export function binnedShares(
  col:
    | { type: "numerical"; reference: NumericSummary; current: NumericSummary }
    | { type: "categorical"; reference: CategoricalSummary; current: CategoricalSummary },
  fillZeroes: boolean,
): BinnedShares {
  let out: BinnedShares;
  if (col.type === "numerical" && col.reference.values.length > 20) {
    const edges = commonEdges(col.reference, col.current);
    out = {
      edges,
      keys: null,
      reference: shares(histogramCounts(col.reference, edges), summaryCount(col.reference)),
      current: shares(histogramCounts(col.current, edges), summaryCount(col.current)),
    };
  } else {
    const al = col.type === "numerical" ? alignNumeric(col.reference, col.current) : alignCategorical(col.reference, col.current);
    const nr = al.reference.reduce((s, x) => s + x, 0);
    const nc = al.current.reduce((s, x) => s + x, 0);
    out = { edges: null, keys: al.keys, reference: shares(al.reference, nr), current: shares(al.current, nc) };
  }
  if (fillZeroes) {
    out.reference = fillZeroShares(out.reference);
    out.current = fillZeroShares(out.current);
  }
  return out;
}
