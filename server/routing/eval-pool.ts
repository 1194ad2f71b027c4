import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { logger } from "../core/logger";
import type { RouterEvalResult } from "./eval-run";
import type { EvalJob, EvalReply } from "./eval-thread";
import { NoGapError } from "./evaluate";

/**
 * A worker thread per router evaluation (eval-worker.mjs -> eval-thread.ts). Evaluations are rare
 * and take seconds, so a thread is started for each and ended after; service-eval.ts bounds how many
 * run at once. Where the entry cannot be found or fails to start (a bundled `next dev` route, whose
 * import.meta.url is the bundle's), null: the caller computes inline, said once in the log.
 */
const ENTRY = (() => {
  try {
    const file = path.join(path.dirname(fileURLToPath(import.meta.url)), "eval-worker.mjs");
    return fs.existsSync(file) ? file : null;
  } catch {
    return null;
  }
})();
let broken = false;

/** The errors the service maps to a 400 keep their type across the thread boundary. */
function revive(e: { name: string; message: string }): Error {
  if (e.name === "RangeError") return new RangeError(e.message);
  if (e.name === "NoGapError") {
    const err = new NoGapError(0, 0);
    err.message = e.message;
    return err;
  }
  return new Error(e.message);
}

/** Runs `job` in a worker; once it is posted, `job.rows` is emptied and its buffers detached (the worker owns them). */
export async function runOffThread(job: EvalJob): Promise<Omit<RouterEvalResult, "model"> | null> {
  if (!ENTRY || broken) return null;
  const worker = new Worker(ENTRY);
  // removeAllListeners() would also drop the listeners Node's Worker keeps for its own port: off() each
  let off = () => {};
  const settle = <T>(on: (resolve: (v: T) => void, reject: (e: Error) => void) => void) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (m: T) => resolve(m);
      const onError = (e: Error) => reject(e);
      const onExit = (code: number) => reject(new Error(`the evaluation worker exited with code ${code}`));
      worker.on("message", onMessage);
      worker.on("error", onError);
      worker.on("exit", onExit);
      off = () => {
        worker.off("message", onMessage);
        worker.off("error", onError);
        worker.off("exit", onExit);
      };
      on(resolve, reject);
    }).finally(() => off());
  try {
    await settle<unknown>(() => {});
  } catch (err) {
    broken = true;
    logger.warn({ err }, "router evaluation worker unavailable; evaluating on the web thread");
    void worker.terminate();
    return null;
  }
  try {
    const reply = await settle<EvalReply>(() => {
      worker.postMessage(job, [job.vectors.buffer as ArrayBuffer, job.rowOf.buffer as ArrayBuffer]);
      // posting moved the job, as it detached the buffers: the worker holds the rows now, and the
      // prompts are not kept a second time here while it trains (an upload may hold 256 MiB of them)
      job.rows.length = 0;
    });
    if ("error" in reply) throw revive(reply.error);
    return reply.ok;
  } finally {
    void worker.terminate();
  }
}
