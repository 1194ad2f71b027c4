import type { Example } from "./data";
import type { TuningJob } from "./jobs";

/**
 * What a trainer gets: the job, its base model (a local folder), its examples, and where to report.
 * No database: the same trainers run on remote workers, which have none.
 */
export interface TrainerRun {
  job: TuningJob;
  /** the base version's files, materialized (transformers.js layout) */
  baseDir: string;
  base: { versionId: string; model: string; version: number; format: string; task: string | null };
  examples: Example[];
  hyperparameters: Record<string, unknown>;
  /** an empty folder of this attempt, removed afterwards */
  workDir: string;
  signal: AbortSignal;
  log: (line: string, stream?: "worker" | "stdout" | "stderr") => void;
  /** one point of the metric series (loss, learning_rate, examples_per_sec, tokens_per_sec, gpu_memory_mb, ...) */
  metric: (step: number, values: Record<string, number>) => void;
  progress: (fraction: number, message?: string) => void;
}

/** A trainer's result: a folder of files to register as the new version, and its final metrics. */
export interface TrainerOutput {
  dir: string;
  metrics: Record<string, number>;
  /** the new version's task (text-classification, text-generation) */
  task: string;
  format?: "transformers.js" | "onnx" | "files" | "keel-head";
  metadata?: Record<string, unknown>;
}

export type Trainer = (run: TrainerRun) => Promise<TrainerOutput>;
