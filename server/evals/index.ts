/** The evals domain's public face. */

export { recentEvalActivity } from "./activity";
export { evaluateGateOnRun, listGates } from "./gate-service";
export { evaluateGate, parseRule } from "./gates";
export { evalRunRef } from "./inputs";
export { evalRunJob } from "./jobs/run";
export { type LiveRef, type LiveTarget, provideLiveTargets } from "./live";
export * from "./metrics";
export { createRunWithData, findRun, type RunWithDataInput, runWithDataInput } from "./run-with-data";
export { getRunWithProgress } from "./runs";
export { LineError, type ScoreOptions, scoreJsonl } from "./score-jsonl";
export { bootstrapMean, pairedBootstrap } from "./stats";
export { parseTargetSpec } from "./target";
export { evaluateVersion, type VersionEvalInput } from "./version-run";
