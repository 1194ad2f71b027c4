import { pythonRuntime } from "./python";
import { headTrainer } from "./run-head";
import type { Trainer } from "./trainer";

export { type AgentHandle, claim, detectCapabilities, startTuningAgent } from "./agent";
export { approverRolesFor, decideJob } from "./approval";
export { BASE_TASKS, createJobInput, HYPERPARAMETERS, type TuningMethod } from "./contract";
export { type Example, fieldOf, loadExamples } from "./data";
export {
  type CreateJobOptions,
  cancelJob,
  createJob,
  getJob,
  hyperparametersOf,
  type JobTrigger,
  type JobView,
  jobLogs,
  listJobs,
  onlineCapabilities,
  parseJobInput,
  type TuningJob,
  type TuningWorker,
  WORKER_LOST_AFTER_MS,
  waitReason,
  waitReasonFor,
  workerLabel,
} from "./jobs";
export { type PythonRuntime, pythonRuntime } from "./python";
export { type ReapResult, reapLostWorkers, scheduleReap, tuningReapJob } from "./reaper";
export type { Trainer, TrainerOutput, TrainerRun } from "./trainer";
export { allWorkers, type InstanceWorkerView, type ProjectWorkerView, projectWorkers, WORKER_STATES, type WorkerState } from "./workers";

/** Whether the lora and full trainers can run here (KEEL_PYTHON imports torch and transformers). */
export async function pythonTrainersAvailable(): Promise<boolean> {
  return (await pythonRuntime()) !== null;
}

/** The trainers this machine can run: head always; lora and full where Python with torch is present. */
export async function availableTrainers(): Promise<Record<string, Trainer>> {
  const trainers: Record<string, Trainer> = { head: headTrainer };
  if (await pythonTrainersAvailable()) {
    const { pythonTrainer } = await import("./run-python");
    trainers.lora = pythonTrainer("lora");
    trainers.full = pythonTrainer("full");
  }
  return trainers;
}
