import type { TestResult } from "./ks";
import { chi2Sf } from "./special";

/** Pearson's chi-square tests, as scipy.stats.chisquare and scipy.stats.chi2_contingency (1.17). */

/** scipy's tolerance on sum(observed) vs sum(expected): sqrt(float64 eps). */
const SUM_RTOL = Math.sqrt(2 ** -52);

/**
 * scipy.stats.chisquare(observed, expected): statistic Σ (o - e)²/e, p-value from chi-square with
 * k - 1 - ddof degrees of freedom. An expected 0 with an observed count gives statistic Infinity and
 * p-value 0. Sums that differ by more than sqrt(eps) relative are an error, as in scipy.
 */
export function chisquare(observed: ArrayLike<number>, expected: ArrayLike<number>, ddof = 0): TestResult {
  if (observed.length !== expected.length)
    throw new Error(`chisquare: observed and expected differ in length (${observed.length} and ${expected.length})`);
  if (observed.length === 0) throw new Error("chisquare: no categories");
  let so = 0;
  let se = 0;
  for (let i = 0; i < observed.length; i++) {
    so += observed[i]!;
    se += expected[i]!;
  }
  const relDiff = Math.abs(so - se) / Math.min(so, se);
  if (relDiff > SUM_RTOL)
    throw new Error(
      `chisquare: the sum of the observed frequencies (${so}) must agree with the sum of the expected frequencies (${se}) to a relative tolerance of ${SUM_RTOL}, but they differ by ${relDiff}`,
    );
  let stat = 0;
  for (let i = 0; i < observed.length; i++) stat += (observed[i]! - expected[i]!) ** 2 / expected[i]!;
  return { statistic: stat, pvalue: chi2Sf(stat, observed.length - 1 - ddof) };
}

export interface ContingencyResult extends TestResult {
  dof: number;
}

/**
 * scipy.stats.chi2_contingency(table) for a two-way table (rows × columns of non-negative
 * counts), with Yates' continuity correction where dof is 1 (scipy's default correction=True).
 */
export function chi2Contingency(table: readonly (readonly number[])[]): ContingencyResult {
  const rows = table.length;
  const cols = rows ? table[0]!.length : 0;
  if (rows === 0 || cols === 0) throw new Error("chi2Contingency: no data; the table is empty");
  for (const row of table) {
    if (row.length !== cols) throw new Error("chi2Contingency: the table's rows differ in length");
    for (const x of row) if (!(x >= 0)) throw new Error("chi2Contingency: all values in the table must be non-negative");
  }
  const rowSums = table.map((r) => r.reduce((s, x) => s + x, 0));
  const colSums = Array.from({ length: cols }, (_, j) => table.reduce((s, r) => s + r[j]!, 0));
  const total = rowSums.reduce((s, x) => s + x, 0);
  const expected = table.map((_, i) => colSums.map((c) => (rowSums[i]! * c) / total));
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++)
      if (expected[i]![j] === 0)
        throw new Error(`chi2Contingency: the internally computed table of expected frequencies has a zero element at (${i}, ${j})`);
  const dof = rows * cols - rows - cols + 1;
  if (dof === 0) return { statistic: 0, pvalue: 1, dof: 0 };
  let stat = 0;
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      const e = expected[i]![j]!;
      let o = table[i]![j]!;
      if (dof === 1) {
        // Yates: move each count towards its expectation by 0.5, but never past it
        const diff = e - o;
        o += Math.sign(diff) * Math.min(0.5, Math.abs(diff));
      }
      stat += (o - e) ** 2 / e;
    }
  return { statistic: stat, pvalue: chi2Sf(stat, dof), dof };
}
