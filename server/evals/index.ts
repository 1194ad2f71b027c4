/** The evals domain's public face. */

export { evaluateGate, parseRule } from "./gates";
export { evaluateGateOnRun, listGates } from "./gate-service";
export { evalRunJob } from "./jobs/run";
export * from "./metrics";
export { LineError, type ScoreOptions, scoreJsonl } from "./score-jsonl";
export { bootstrapMean, pairedBootstrap } from "./stats";
