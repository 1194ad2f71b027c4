import type { MessagePort } from "node:worker_threads";
import { type EvalRow, type ExtraEvalKind, type RouterEvalResult, runRouterEval } from "./eval-run";

/**
 * The worker thread's side of the console's router evaluation (service-eval.ts starts it through
 * eval-worker.mjs): the routers' training (cross-validated logistic regression and the other kinds,
 * seconds of CPU on 10,000 lines), the scoring and the curves, which held the web event loop when run there.
 * The embeddings come precomputed from the web thread, which keeps the one shared model cache and
 * batcher (their inference runs in native threads already); they arrive flat, one per distinct
 * prompt in any order, each with a row that holds its prompt, and are handed out by prompt, so the
 * prompts cross the thread boundary once (in the rows) whatever order runRouterEval asks in.
 */
export interface EvalJob {
  rows: EvalRow[];
  trainFrac: number;
  seed: number;
  margin: number;
  /** null: text features only (nothing embedded; the kinds that need embeddings are listed as skipped) */
  embeddingModel: string | null;
  batchSize: number;
  /** router kinds beyond random, length and learned (eval-run.ts EXTRA_EVAL_KINDS) */
  kinds?: readonly ExtraEvalKind[];
  /** the vectors, `dim` numbers each; vector i embeds the prompt of rows[rowOf[i]] */
  rowOf: Int32Array;
  vectors: Float64Array;
  dim: number;
}
export type EvalReply = { ok: Omit<RouterEvalResult, "model"> } | { error: { name: string; message: string } };

export async function runEvalJob(job: EvalJob): Promise<Omit<RouterEvalResult, "model">> {
  const at = new Map<string, number>();
  for (const [i, row] of job.rowOf.entries()) at.set((job.rows[row] as EvalRow).prompt, i * job.dim);
  const embed = async (texts: string[]): Promise<number[][]> =>
    texts.map((t) => {
      const from = at.get(t);
      if (from === undefined) throw new Error("the evaluation asked for the embedding of a prompt that was not embedded");
      return Array.from(job.vectors.subarray(from, from + job.dim));
    });
  const { model: _model, ...result } = await runRouterEval(job.rows, {
    trainFrac: job.trainFrac,
    seed: job.seed,
    margin: job.margin,
    embed: job.embeddingModel === null ? undefined : embed,
    embeddingModel: job.embeddingModel ?? undefined,
    batchSize: job.batchSize,
    kinds: job.kinds,
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
