// Started by test/fault/queue-reclaim.test.ts: a Keel worker running only the slow job, until killed.
import { startWorker } from "../../server/core/worker";
import { slowJob } from "./slow-job";

const w = await startWorker({ url: process.argv[2] as string, jobs: [slowJob], concurrency: 1, pollIntervalMs: 200 });
console.log(JSON.stringify({ workerId: w.workerId }));
setInterval(() => {}, 1000);
