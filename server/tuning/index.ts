import { spawn } from "node:child_process";
import { env } from "../../env";
import { headTrainer } from "./run-head";
import type { Trainer } from "./trainer";

export { type AgentHandle, detectCapabilities, reap, startTuningAgent } from "./agent";
export { BASE_TASKS, createJobInput, HYPERPARAMETERS, type TuningMethod } from "./contract";
export { type Example, fieldOf, loadExamples } from "./data";
export {
  cancelJob,
  createJob,
  getJob,
  hyperparametersOf,
  type JobView,
  jobLogs,
  listJobs,
  listWorkers,
  type TuningJob,
  type TuningWorker,
  WORKER_LOST_AFTER_MS,
  waitReasonFor,
} from "./jobs";
export type { Trainer, TrainerOutput, TrainerRun } from "./trainer";

let pythonOk: Promise<boolean> | null = null;
/** Whether KEEL_PYTHON can import torch and transformers (the lora and full trainers need them); asked once, without blocking. */
export function pythonTrainersAvailable(): Promise<boolean> {
  pythonOk ??= new Promise((resolve) => {
    const child = spawn(env.KEEL_PYTHON, ["-c", "import torch, transformers"], { stdio: "ignore" });
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", () => resolve(false));
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
  });
  return pythonOk;
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
