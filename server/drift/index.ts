/** The drift domain's public face: what the workers, the HTTP layer and the demo seed use. */

export { recentDriftAlerts } from "./activity";
export { acknowledgeAlert, createRule, listAlerts } from "./alerts";
export { monitorInput } from "./contract";
export type { EmbeddingResult } from "./embedding-source";
export type { ColumnResult, Evaluation, WindowInfo } from "./engine";
export { driftRunJob } from "./jobs/run";
export { driftRetentionJob, driftTickJob } from "./jobs/tick";
export { createMonitor, getMonitor, listMonitors } from "./monitors";
export { getRun, listRuns, runMonitor } from "./runs";
export { seedDemoDrift } from "./seed";
/** the statistics, for `keel drift stats` (no database) */
export {
  categoricalSummary,
  chi2Contingency,
  chi2Sf,
  chisquare,
  columnDrift,
  jensenshannon,
  ks2samp,
  kstwobignSf,
  kstwoSf,
  numericSummary,
  psi,
  STATTESTS as STATTEST_NAMES,
  wassersteinDistance,
} from "./stats";
