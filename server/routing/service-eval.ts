/**
 * Router evaluation as a service: a labelled JSONL file streamed in, RouteLLM's measures and curves
 * per router kind out. The console's Evaluate page uploads the file to the route in
 * server/http/routes-routing.ts; the file is read line by line with `keel router eval`'s reader
 * (readEvalJsonl: rows keep the prompt and the two qualities, never the file's text) and evaluated
 * by runRouterEval with the CLI's router kinds, its training and scoring in a worker thread.
 */
import { z } from "zod";
import { DomainError, parseOrThrow } from "../core/errors";
import { embedTexts } from "../serving";
import { runOffThread } from "./eval-pool";
import {
  EVAL_STREAM_MAX_BYTES,
  EvalLineError,
  type EvalRow,
  EvalTooLargeError,
  EXTRA_EVAL_KINDS,
  type RouterEvalResult,
  readEvalJsonl,
} from "./eval-run";
import { type EvalJob, runEvalJob } from "./eval-thread";
import { type CurvePoint, NoGapError, qualityGap } from "./evaluate";
import { trainTestSplit } from "./split";

/** The answer's shape (without `scores`), for the route's declaration and its OpenAPI document. */
export { evalReportOut } from "./contract";

/** The embedding model of the learned router's features (bundled, offline). */
export const EVAL_EMBEDDING_MODEL = "tiny-bert-embed";
/** Fewer lines leave too few test items for the measures to mean anything. */
export const EVAL_MIN_LINES = 10;
/** Points per curve sent to a chart (the measures use every point). */
const CURVE_POINTS = 101;
/** Prompts per embedding call, as `keel router eval` batches them. */
const BATCH = 64;

/** The evaluation's settings (the upload's query string; the file is the body). */
export const evalOptions = z
  .object({
    trainFrac: z
      .number({ error: "trainFrac must be a number between 0 and 1 (exclusive)" })
      .gt(0, "trainFrac must be between 0 and 1 (exclusive)")
      .lt(1, "trainFrac must be between 0 and 1 (exclusive)")
      .default(0.5),
    seed: z.number({ error: "seed must be an integer" }).int("seed must be an integer").default(1),
    /** label margin of the learned router (learned.ts) */
    margin: z.number({ error: "margin must be a number from 0 to 1000" }).min(0).max(1000).default(0),
    /** the learned router's embedding model, or `none`: text features only (fast; knn, mlp and mf are skipped) */
    embedding: z
      .enum([EVAL_EMBEDDING_MODEL, "none"], { error: `embedding must be ${EVAL_EMBEDDING_MODEL} or none` })
      .default(EVAL_EMBEDDING_MODEL),
  })
  .strict();
export type EvalOptions = z.input<typeof evalOptions>;

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

/** 413 before a byte is read, where the client declared a body over the limit. */
export function checkDeclaredSize(declared: number, maxBytes = EVAL_STREAM_MAX_BYTES): void {
  if (declared > maxBytes) throw new DomainError("PAYLOAD_TOO_LARGE", new EvalTooLargeError(maxBytes).message, "data");
}

/**
 * The rows of a JSONL stream (a request body), read as `keel router eval` reads a file: a bad line
 * is a 400 naming its number and field, a stream past `maxBytes` a 413 naming the limit.
 */
export async function readEvalRows(chunks: AsyncIterable<Uint8Array | string>, maxBytes = EVAL_STREAM_MAX_BYTES): Promise<EvalRow[]> {
  let rows: EvalRow[];
  try {
    rows = await readEvalJsonl(chunks, { maxBytes });
  } catch (err) {
    if (err instanceof EvalLineError) throw new DomainError("BAD_REQUEST", err.message, err.field ?? "data");
    if (err instanceof EvalTooLargeError) throw new DomainError("PAYLOAD_TOO_LARGE", err.message, "data");
    throw err;
  }
  if (rows.length < EVAL_MIN_LINES)
    throw new DomainError("BAD_REQUEST", `data: need at least ${EVAL_MIN_LINES} labelled lines, got ${rows.length}`, "data");
  return rows;
}

/**
 * Each distinct prompt embedded once, shortest first so that a batch pads little (a batch costs what
 * its longest text does), as `keel router eval` does: the same batches, so the same vectors and figures.
 */
async function embedDistinct(rows: readonly EvalRow[], model: string): Promise<Pick<EvalJob, "rowOf" | "vectors" | "dim">> {
  const first = new Map<string, number>();
  for (const [i, r] of rows.entries()) if (!first.has(r.prompt)) first.set(r.prompt, i);
  const order = [...first.entries()].sort((a, b) => a[0].length - b[0].length);
  const rowOf = Int32Array.from(order, ([, i]) => i);
  let vectors = new Float64Array(0);
  let dim = 0;
  for (let i = 0; i < order.length; i += BATCH) {
    const batch = await embedTexts(
      order.slice(i, i + BATCH).map(([p]) => p),
      { model },
    );
    if (i === 0) {
      dim = batch[0]?.length ?? 0;
      vectors = new Float64Array(order.length * dim);
    }
    for (const [j, v] of batch.entries()) vectors.set(v, (i + j) * dim);
  }
  return { rowOf, vectors, dim };
}

/**
 * runRouterEval with the CLI's router kinds, its CPU-bound part (training, scoring, curves) in a
 * worker thread (eval-pool.ts), the prompts embedded here first through the shared model cache and
 * batcher (one model load per process; inference runs in native threads). Handing the job to the
 * worker empties `rows`: the prompts are held by one thread at a time.
 */
async function evaluateOffThread(rows: EvalRow[], opts: z.output<typeof evalOptions>): Promise<Omit<RouterEvalResult, "model">> {
  if (rows.length < 2) throw new RangeError(`need at least 2 labelled lines, got ${rows.length}`);
  const { test } = trainTestSplit(rows.length, opts.trainFrac, opts.seed);
  // no gap on the test split: refused before minutes of embedding, as runRouterEval does
  qualityGap(
    test.map((i) => (rows[i] as EvalRow).small),
    test.map((i) => (rows[i] as EvalRow).large),
  );
  const embeddingModel = opts.embedding === "none" ? null : opts.embedding;
  const vectors = embeddingModel
    ? await embedDistinct(rows, embeddingModel)
    : { rowOf: new Int32Array(0), vectors: new Float64Array(0), dim: 0 };
  const job: EvalJob = {
    rows,
    trainFrac: opts.trainFrac,
    seed: opts.seed,
    margin: opts.margin,
    embeddingModel,
    batchSize: BATCH,
    kinds: EXTRA_EVAL_KINDS,
    ...vectors,
  };
  // no worker here (see eval-pool.ts): the same computation inline, from the same vectors
  return (await runOffThread(job)) ?? runEvalJob(job);
}

/** Evaluate the CLI's router kinds on parsed rows; data the measures cannot be taken on is a 400. */
export async function evaluateRows(rows: EvalRow[], raw: EvalOptions = {}): Promise<RouterEvalReport> {
  const opts = parseOrThrow(evalOptions, raw);
  let res: Omit<RouterEvalResult, "model">;
  try {
    res = await evaluateOffThread(rows, opts);
  } catch (err) {
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

/** Whether an evaluation holds the project's slot now (read by tests to order concurrent uploads). */
export const evaluationRunning = (projectId: string): boolean => running.has(projectId);

/**
 * The upload: one evaluation per project at a time (409) and two per process (429), each up to
 * minutes of embedding and seconds of training and holding up to 256 MiB of prompts. The slot is
 * taken before the body is read, so the limit bounds the memory of uploads too. The options are
 * checked first: a typo is a 400 before a byte of the file is read.
 */
export async function evaluateUpload(
  projectId: string,
  body: AsyncIterable<Uint8Array | string>,
  raw: EvalOptions,
  maxBytes = EVAL_STREAM_MAX_BYTES,
): Promise<RouterEvalReport> {
  const opts = parseOrThrow(evalOptions, raw);
  if (running.has(projectId))
    throw new DomainError("CONFLICT", "A router evaluation is already running in this project; wait for it to finish and try again");
  if (running.size >= MAX_RUNNING)
    throw new DomainError("TOO_MANY_REQUESTS", `${MAX_RUNNING} router evaluations are running on this server; try again in a minute`);
  running.add(projectId);
  try {
    return await evaluateRows(await readEvalRows(body, maxBytes), opts);
  } finally {
    running.delete(projectId);
  }
}
