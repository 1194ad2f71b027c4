/**
 * Router evaluation as a service: JSONL text in, RouteLLM's measures and curves per router kind out.
 * One path for `keel router eval` and api.routing.evaluate: limits, parsing, the learned router's
 * embeddings and the mapping of bad data to a 400 naming the line and the field.
 */
import { z } from "zod";
import { DomainError, parseOrThrow } from "../core/errors";
import { embedTexts } from "../serving";
import { runOffThread } from "./eval-pool";
import { EvalLineError, type EvalRow, parseEvalJsonl, type RouterEvalResult } from "./eval-run";
import { runEvalJob } from "./eval-thread";
import { type CurvePoint, NoGapError, qualityGap } from "./evaluate";
import { embedInBatches } from "./features";
import { trainTestSplit } from "./split";

/** The embedding model of the learned router's features (bundled, offline). */
export const EVAL_EMBEDDING_MODEL = "tiny-bert-embed";
/** Input limits: 2 MB of UTF-8 and 10,000 labelled lines (about a minute of embedding on one core). */
export const EVAL_MAX_BYTES = 2_000_000;
export const EVAL_MAX_LINES = 10_000;
/** Fewer lines leave too few test items for the measures to mean anything. */
export const EVAL_MIN_LINES = 10;
/** Points per curve sent to a chart (the measures use every point). */
const CURVE_POINTS = 101;

export const evalInput = z.object({
  /** JSONL lines {"prompt", "small_quality", "large_quality"} */
  data: z.string(),
  trainFrac: z
    .number()
    .gt(0, "trainFrac must be between 0 and 1 (exclusive)")
    .lt(1, "trainFrac must be between 0 and 1 (exclusive)")
    .default(0.5),
  seed: z.number().int("seed must be an integer").default(1),
  /** label margin of the learned router (learned.ts) */
  margin: z.number().min(0).max(1000).default(0),
});
export type EvalInput = z.input<typeof evalInput>;

export interface RouterEvalReport {
  n_train: number;
  n_test: number;
  small_only: number;
  large_only: number;
  routers: Array<{ kind: string; apgr: number; cpt50: number; cpt80: number }>;
  skipped: Array<{ kind: string; reason: string }>;
  /** quality versus share of large calls per router kind, thinned to at most CURVE_POINTS points */
  curves: Array<{ kind: string; points: Array<Pick<CurvePoint, "share" | "quality" | "pgr">> }>;
  /** one per test item and router kind (the CLI's --scores-out) */
  scores: Array<{ kind: string; line: number; score: number }>;
}

/** Every k-th point, always keeping the first and the last (share 0 and share 1). */
function thin<T>(points: readonly T[], max: number): T[] {
  if (points.length <= max) return points.slice();
  const step = (points.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => points[Math.round(i * step)] as T);
}

const BATCH = 64;

/**
 * runRouterEval with its CPU-bound part (training, scoring, curves) in a worker thread (eval-pool.ts).
 * The prompts are embedded here first, through the shared model cache and batcher (one model load
 * per process; inference runs in native threads), in the order and batches runRouterEval would use
 * (train split, then test split), so the figures are the ones an inline run gives.
 */
async function evaluateOffThread(
  rows: EvalRow[],
  opts: { trainFrac: number; seed: number; margin: number },
): Promise<Omit<RouterEvalResult, "model">> {
  if (rows.length < 2) throw new RangeError(`need at least 2 labelled lines, got ${rows.length}`);
  const { train, test } = trainTestSplit(rows.length, opts.trainFrac, opts.seed);
  const testRows = test.map((i) => rows[i] as EvalRow);
  // no gap on the test split: refused before a minute of embedding, as runRouterEval does
  qualityGap(
    testRows.map((r) => r.small),
    testRows.map((r) => r.large),
  );
  const prompts = [...train, ...test].map((i) => (rows[i] as EvalRow).prompt);
  const embed = (texts: string[]) => embedTexts(texts, { model: EVAL_EMBEDDING_MODEL });
  const vectors = await embedInBatches(embed, prompts, BATCH);
  const dim = vectors[0]?.length ?? 0;
  const flat = new Float64Array(prompts.length * dim);
  for (const [i, v] of vectors.entries()) flat.set(v, i * dim);
  const job = { rows, ...opts, embeddingModel: EVAL_EMBEDDING_MODEL, batchSize: BATCH, prompts, vectors: flat, dim };
  // no worker here (see eval-pool.ts): the same computation inline, from the same vectors
  return (await runOffThread(job)) ?? runEvalJob(job);
}

/** Evaluate the random, length and learned routers on labelled JSONL; bad input is a BAD_REQUEST naming line and field. */
export async function evaluateRouterData(raw: EvalInput): Promise<RouterEvalReport> {
  const input = parseOrThrow(evalInput, raw);
  const bytes = Buffer.byteLength(input.data, "utf8");
  if (bytes > EVAL_MAX_BYTES)
    throw new DomainError(
      "BAD_REQUEST",
      `data: ${(bytes / 1e6).toFixed(1)} MB is over the limit of ${EVAL_MAX_BYTES / 1e6} MB; sample the file`,
      "data",
    );
  let res: Omit<RouterEvalResult, "model">;
  try {
    const rows = parseEvalJsonl(input.data);
    if (rows.length > EVAL_MAX_LINES)
      throw new DomainError("BAD_REQUEST", `data: ${rows.length} lines is over the limit of ${EVAL_MAX_LINES}; sample the file`, "data");
    if (rows.length < EVAL_MIN_LINES)
      throw new DomainError("BAD_REQUEST", `data: need at least ${EVAL_MIN_LINES} labelled lines, got ${rows.length}`, "data");
    res = await evaluateOffThread(rows, { trainFrac: input.trainFrac, seed: input.seed, margin: input.margin });
  } catch (err) {
    if (err instanceof EvalLineError) throw new DomainError("BAD_REQUEST", err.message, err.field ?? "data");
    if (err instanceof NoGapError || err instanceof RangeError) throw new DomainError("BAD_REQUEST", err.message, "data");
    throw err;
  }
  return {
    n_train: res.n_train,
    n_test: res.n_test,
    small_only: res.small_only,
    large_only: res.large_only,
    routers: res.routers.map(({ kind, apgr, cpt50, cpt80 }) => ({ kind, apgr, cpt50, cpt80 })),
    skipped: res.skipped,
    curves: res.routers.map(({ kind, curve }) => ({
      kind,
      points: thin(curve, CURVE_POINTS).map(({ share, quality, pgr }) => ({ share, quality, pgr })),
    })),
    scores: res.scores,
  };
}

/** Evaluations running in this process, by project: one per project, MAX_RUNNING in all. */
const running = new Set<string>();
const MAX_RUNNING = 2;

/**
 * api.routing.evaluate: one evaluation per project at a time (409) and two per process (429), each
 * up to a minute of embedding and training; the CLI calls evaluateRouterData itself.
 */
export async function evaluateForProject(projectId: string, raw: EvalInput): Promise<RouterEvalReport> {
  if (running.has(projectId))
    throw new DomainError("CONFLICT", "A router evaluation is already running in this project; wait for it to finish and try again");
  if (running.size >= MAX_RUNNING)
    throw new DomainError("TOO_MANY_REQUESTS", `${MAX_RUNNING} router evaluations are running on this server; try again in a minute`);
  running.add(projectId);
  try {
    return await evaluateRouterData(raw);
  } finally {
    running.delete(projectId);
  }
}
