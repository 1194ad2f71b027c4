/**
 * The evals domain's second public entry, for code that must not load the database layers (the
 * `keel score` command: its start time is measured, BENCHMARKS.md). Nothing here imports db/ or
 * another domain; scripts/check-boundaries.ts admits this file beside index.ts.
 */
export { LineError, type ScoreOptions, scoreJsonl } from "./score-jsonl";
