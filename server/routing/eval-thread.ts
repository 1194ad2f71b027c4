import type { MessagePort } from "node:worker_threads";
import { type EvalRow, type RouterEvalResult, runRouterEval } from "./eval-run";

/**
 * The worker thread's side of api.routing.evaluate (service-eval.ts starts it through
 * eval-worker.mjs): the learned router's training (cross-validated logistic regression, seconds of
 * CPU on 10,000 lines), the scoring and the curves, which held the web event loop when run there.
 * The embeddings come precomputed from the web thread, which keeps the one shared model cache and
 * batcher (their inference runs in native threads already); they arrive flat, in the order
 * runRouterEval asks for them (train prompts, then test prompts), and are handed out in that order.
 */
export interface EvalJob {
  rows: EvalRow[];
  trainFrac: number;
  seed: number;
  margin: number;
  embeddingModel: string;
  batchSize: number;
  /** the prompts in the order they were embedded, and their vectors, `dim` numbers each */
  prompts: string[];
  vectors: Float64Array;
  dim: number;
}
export type EvalReply = { ok: Omit<RouterEvalResult, "model"> } | { error: { name: string; message: string } };

export async function runEvalJob(job: EvalJob): Promise<Omit<RouterEvalResult, "model">> {
  let next = 0;
  const embed = async (texts: string[]): Promise<number[][]> =>
    texts.map((t) => {
      if (job.prompts[next] !== t) throw new Error("the evaluation asked for embeddings in another order than they were computed");
      const at = next++ * job.dim;
      return Array.from(job.vectors.subarray(at, at + job.dim));
    });
  const { model: _model, ...result } = await runRouterEval(job.rows, {
    trainFrac: job.trainFrac,
    seed: job.seed,
    margin: job.margin,
    embed,
    embeddingModel: job.embeddingModel,
    batchSize: job.batchSize,
  });
  return result;
}

export function serveEvalJobs(port: MessagePort): void {
  port.on("message", (job: EvalJob) => {
    runEvalJob(job).then(
      (ok) => port.postMessage({ ok } satisfies EvalReply),
      (err: Error) => port.postMessage({ error: { name: err?.name ?? "Error", message: err?.message ?? String(err) } } satisfies EvalReply),
    );
  });
}
