/**
 * Experiment tracking's public face (re-exported by index.ts): experiments, runs, their params,
 * tags, metric series and artifacts, and the pure MLflow translation helpers.
 */
export {
  createExperiment,
  DEFAULT_EXPERIMENT,
  type Experiment,
  type ExperimentSummary,
  ensureExperiment,
  getExperiment,
  getExperimentByName,
  listExperiments,
  setExperimentLifecycle,
  setExperimentTag,
  updateExperiment,
} from "./experiments";
export {
  createLoggedModel,
  deleteLoggedModel,
  finalizeLoggedModel,
  getLoggedModel,
  type LoggedModel,
  type LoggedModelMetric,
  listLoggedModelFiles,
  loggedMetricValue,
  loggedModelFile,
  logLoggedModelParams,
  putLoggedModelFile,
  recordLoggedModelMetrics,
  searchLoggedModels,
  setLoggedModelTags,
} from "./logged-models";
export { loggedModelStatusOf, parseLoggedModelOrder } from "./logged-models-search";
export * as mlflowShapes from "./mlflow-translate";
export { type LatestMetric, latestMetrics, type MetricPoint, type MetricSeries } from "./run-metrics";
export {
  createRun,
  deleteRunTag,
  getRun,
  getRunDetail,
  logBatch,
  type Run,
  type RunDetail,
  setRunLifecycle,
  updateRun,
} from "./runs";
export { checkRunArtifactPath, directoryLevel, listRunArtifacts, openRunArtifact, putRunArtifact } from "./runs-artifacts";
export {
  createExperimentInput,
  createRunInput,
  listExperimentsInput,
  logInput,
  searchRunsInput,
  updateRunInput,
} from "./runs-contract";
export { compareRuns, metricHistories, metricHistory, metricHistoryJson } from "./runs-history";
export { type RunRow, searchRuns } from "./runs-search";
