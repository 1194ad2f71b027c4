/** The evals domain's public face. */
export * from "./metrics";
export { LineError, type ScoreOptions, scoreJsonl } from "./score-jsonl";
