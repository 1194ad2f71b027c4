// Entry of the dataset-parse worker thread (parse-pool.ts). Keel runs its TypeScript through tsx's
// loader (bin/keel.mjs), and a worker thread does not inherit the loader registered by the API, so
// it registers its own before loading the one parse module (parse-thread.ts -> parse.ts).
import { parentPort } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
const { serveParseJobs } = await import("./parse-thread.ts");
serveParseJobs(parentPort);
parentPort.postMessage({ kind: "ready" });
