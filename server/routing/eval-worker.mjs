// Entry of the router-evaluation worker thread (service-eval.ts). Keel runs its TypeScript through
// tsx's loader (bin/keel.mjs); a worker thread does not inherit the loader registered by the API,
// so it registers its own before loading eval-thread.ts.
import { parentPort } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
const { serveEvalJobs } = await import("./eval-thread.ts");
serveEvalJobs(parentPort);
parentPort.postMessage({ ready: true });
