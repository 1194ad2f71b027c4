import { pythonRuntime } from "./python";
import { headTrainer } from "./run-head";
import type { Trainer } from "./trainer";

export { recentTuningActivity } from "./activity";
export { type AgentHandle, detectCapabilities, startTuningAgent } from "./agent";
export { approverRolesFor, decideJob } from "./approval";
export { claim } from "./claim";
export { BASE_TASKS, createJobInput, HYPERPARAMETERS, type TuningMethod } from "./contract";
export type { ControlPlane } from "./control-plane";
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
export {
  appendReport,
  completeJob,
  failJob,
  type JobOutcome,
  type JobReport,
  type Lease,
  leaseBase,
  leaseExamples,
  leaseState,
  startJob,
} from "./lease";
export { databasePlane } from "./plane-db";
export { type HttpPlaneOptions, httpPlane } from "./plane-http";
export { type PythonRuntime, pythonRuntime } from "./python";
export { type ReapResult, reapLostWorkers, scheduleReap, tuningReapJob } from "./reaper";
export {
  CLAIM_WAIT_MAX_S,
  claimIn,
  heartbeatIn,
  ownWorker,
  registerRemoteWorker,
  registerWorkerIn,
  remoteClaim,
  remoteHeartbeat,
  workerCapabilitiesIn,
} from "./remote";
export type { Trainer, TrainerOutput, TrainerRun } from "./trainer";
export {
  createPool,
  createWorkerToken,
  listPools,
  listWorkerTokens,
  type PoolView,
  revokeWorkerToken,
  type WorkerPrincipal,
  type WorkerTokenView,
  workerFromToken,
} from "./worker-tokens";
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
