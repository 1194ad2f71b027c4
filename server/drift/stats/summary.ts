/**
 * Column summaries: what the monitor engine aggregates in SQL (value, count) and hands to the
 * tests, so that a window of a million rows costs its distinct values, not its rows.
 */

/** A numerical column: distinct finite values, sorted ascending, with how often each occurs. */
export type NumericSummary = { values: Float64Array; counts: Float64Array };

/** A categorical column: category (numbers by their string form) → count. */
export type CategoricalSummary = Map<string, number>;

/** A numerical summary with what was left out: `missing` nulls, `dropped` NaN and ±Infinity. */
export type NumericSummaryWithDropped = NumericSummary & { missing: number; dropped: number };

/** Summarise raw numbers: nulls are missing, NaN and ±Infinity are dropped (as Evidently drops them), both counted. */
export function numericSummary(values: ArrayLike<number | null>): NumericSummaryWithDropped {
  let missing = 0;
  let dropped = 0;
  const finite = new Float64Array(values.length);
  let k = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) missing++;
    else if (Number.isFinite(v)) finite[k++] = v;
    else dropped++;
  }
  const sorted = finite.subarray(0, k).sort();
  return { ...summaryOfSorted(sorted), missing, dropped };
}

/** The summary of sorted finite values (ascending). */
export function summaryOfSorted(sorted: ArrayLike<number>): NumericSummary {
  let distinct = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct++;
  const values = new Float64Array(distinct);
  const counts = new Float64Array(distinct);
  let j = -1;
  for (let i = 0; i < sorted.length; i++) {
    // -0 and 0 are one value
    if (i === 0 || sorted[i] !== sorted[i - 1]) values[++j] = sorted[i]! + 0;
    counts[j]! += 1;
  }
  return { values, counts };
}

/** Summarise raw categories: null and undefined are missing; numbers and booleans count by their string form. */
export function categoricalSummary(values: ArrayLike<string | number | boolean | null>): CategoricalSummary {
  const out: CategoricalSummary = new Map();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    const key = String(v);
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

/** Check a numeric summary's invariants (sorted, distinct, finite values; finite non-negative counts); returns its total count. */
export function numericTotal(s: NumericSummary, what: string): number {
  if (s.values.length !== s.counts.length) throw new Error(`${what}: values and counts differ in length`);
  let n = 0;
  for (let i = 0; i < s.values.length; i++) {
    const v = s.values[i]!;
    const c = s.counts[i]!;
    if (!Number.isFinite(v)) throw new Error(`${what}: values must be finite`);
    if (i > 0 && !(v > s.values[i - 1]!)) throw new Error(`${what}: values must be sorted ascending and distinct`);
    if (!(c >= 0) || !Number.isFinite(c)) throw new Error(`${what}: counts must be finite and non-negative`);
    n += c;
  }
  return n;
}

/** Total count of a categorical summary (counts must be finite and non-negative). */
export function categoricalTotal(s: CategoricalSummary, what: string): number {
  let n = 0;
  for (const c of s.values()) {
    if (!(c >= 0) || !Number.isFinite(c)) throw new Error(`${what}: counts must be finite and non-negative`);
    n += c;
  }
  return n;
}

/** Python's string order (by code point), for Evidently's sorted() over categories. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}
