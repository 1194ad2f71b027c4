import { createDatabase } from "../db/client";
import { env } from "../env";
import { startWorker, type WorkerHandle } from "../server/core/worker";
import { availableTrainers, startTuningAgent } from "../server/tuning";
import { JOBS, SCHEDULES } from "./registry";

/** Start a worker with every registered job and schedule, and a tuning agent with the trainers this machine can run. */
export async function bootWorker(url: string, concurrency = env.KEEL_WORKER_CONCURRENCY): Promise<WorkerHandle> {
  const queue = await startWorker({ url, jobs: JOBS, schedules: SCHEDULES, concurrency });
  const database = createDatabase(url, { max: 4 });
  const agent = await startTuningAgent({ db: database.db, trainers: await availableTrainers() });
  return {
    workerId: queue.workerId,
    stop: async (graceMs?: number) => {
      await agent.stop();
      await queue.stop(graceMs);
      await database.close();
    },
  };
}
