import { env } from "../env";
import { startWorker, type WorkerHandle } from "../server/core/worker";
import { JOBS, SCHEDULES } from "./registry";

/** Start a worker with every registered job and schedule. */
export function bootWorker(url: string, concurrency = env.KEEL_WORKER_CONCURRENCY): Promise<WorkerHandle> {
  return startWorker({ url, jobs: JOBS, schedules: SCHEDULES, concurrency });
}
