/**
 * Drift statistics (pure TypeScript): scipy 1.17's ks_2samp, chisquare, chi2_contingency,
 * wasserstein_distance and jensenshannon, their distributions' tails, and Evidently's legacy
 * column drift (default test choice, PSI, binning, z-test) on column summaries. Results equal the
 * reference implementations to 1e-7 relative (test/fixtures/drift/reference.json).
 */
export {
  alignCategorical,
  alignNumeric,
  type BinnedShares,
  binnedShares,
  commonEdges,
  fillZeroShares,
  histogramCounts,
  linspace,
  sturgesEdges,
} from "./binning";
export { type ContingencyResult, chi2Contingency, chisquare } from "./chisquare";
export {
  type ColumnDriftInput,
  type ColumnDriftResult,
  checkThreshold,
  columnDrift,
  defaultStattest,
  STATTESTS,
  type Stattest,
} from "./column";
export { jensenshannon, proportionsDiffZTest, psi } from "./distance";
export { kstwobignSf, kstwoSf, smirnovSf } from "./kolmogorov";
export { type KsMethod, ks2samp, ks2sampFromStatistic, ks2sampWeighted, type TestResult } from "./ks";
export { chi2Sf, erfc, gammainc, gammaincc, lgamma, normalCdf, normalSf } from "./special";
export {
  type CategoricalSummary,
  categoricalSummary,
  type NumericSummary,
  type NumericSummaryWithDropped,
  numericSummary,
  summaryOfSorted,
} from "./summary";
export { summaryStd, wassersteinDistance, wassersteinSummary, weightedWassersteinDistance } from "./wasserstein";
