/**
 * `keel router eval`: labelled prompts in, RouteLLM's measures per router kind out. Train on a seeded
 * split, score the test split, evaluate. Pure apart from the injected embedding function.
 *
 * Router kinds and their scores (predicted need for the large model, higher = more likely large):
 *   random   seeded uniform draws (the baseline; its expected APGR is 0.5)
 *   length   the prompt's length in characters (longer prompts go large first)
 *   learned  1 - P(small good enough), logistic regression on embedding + text features (learned.ts)
 *   tfidf    1 - P(small good enough), logistic regression on TF-IDF words and word pairs (tfidf.ts; opt-in)
 *   knn      1 - P, the smoothed label share of the nearest training prompts by embedding (knn.ts; opt-in)
 *   mlp      1 - P, one hidden layer over the embedding (mlp.ts; opt-in)
 *   mf       1 - P, RouteLLM's matrix factorization over the embedding (mf.ts; opt-in)
 * knn, mlp and mf need embeddings: without an embedding function they are listed as skipped.
 */
import { type CurvePoint, evaluateRouter, qualityGap } from "./evaluate";
import { type EmbedFn, embedInBatches, featureSpec, featureVector } from "./features";
import { predictKnn, trainKnn } from "./knn";
import { type LearnedModel, predict, TrainingDataError, trainLearned } from "./learned";
import { predictMf, trainMf } from "./mf";
import { predictMlp, trainMlp } from "./mlp";
import { seededRandom, trainTestSplit } from "./split";
import { predictTfidf, trainTfidf } from "./tfidf";

/** The router kinds beyond random, length and learned that an evaluation can add. */
export const EXTRA_EVAL_KINDS = ["tfidf", "knn", "mlp", "mf"] as const;
export type ExtraEvalKind = (typeof EXTRA_EVAL_KINDS)[number];

export interface EvalRow {
  /** 0-based line of the input file */
  line: number;
  prompt: string;
  small: number;
  large: number;
}

/** A bad input line; `line` is 1-based (as editors count), `field` the offending key. */
export class EvalLineError extends Error {
  constructor(
    readonly line: number,
    readonly field: string | null,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = "EvalLineError";
  }
}

/** One JSONL line (0-based `i`) as a row; null for a blank line. Only the three fields are kept. */
function parseEvalLine(raw: string, i: number): EvalRow | null {
  const src = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
  if (src.trim() === "") return null;
  let v: unknown;
  try {
    v = JSON.parse(src);
  } catch (err) {
    throw new EvalLineError(i + 1, null, `invalid JSON: ${(err as Error).message}`);
  }
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new EvalLineError(i + 1, null, "expected a JSON object");
  const o = v as Record<string, unknown>;
  if (typeof o.prompt !== "string") throw new EvalLineError(i + 1, "prompt", "prompt: expected a string");
  for (const f of ["small_quality", "large_quality"] as const)
    if (typeof o[f] !== "number" || !Number.isFinite(o[f])) throw new EvalLineError(i + 1, f, `${f}: expected a finite number`);
  return { line: i, prompt: o.prompt, small: o.small_quality as number, large: o.large_quality as number };
}

/** Parse JSONL lines {"prompt", "small_quality", "large_quality"}; blank lines are skipped. */
export function parseEvalJsonl(text: string): EvalRow[] {
  const rows: EvalRow[] = [];
  for (const [i, raw] of text.split("\n").entries()) {
    const row = parseEvalLine(raw, i);
    if (row) rows.push(row);
  }
  return rows;
}

/** The most a streamed evaluation file may hold: 256 MiB (the issue asks for at least 100 MB). */
export const EVAL_STREAM_MAX_BYTES = 256 * 1024 * 1024;

/** A streamed input over its byte limit; `field` is the input that carried it. */
export class EvalTooLargeError extends Error {
  constructor(
    readonly limit: number,
    readonly field = "data",
  ) {
    super(`${field}: the file is over the limit of ${(limit / 1024 / 1024).toFixed(0)} MiB (${limit} bytes); sample it`);
    this.name = "EvalTooLargeError";
  }
}

/**
 * parseEvalJsonl over a stream of chunks (a file's read stream, a request body): one line of text
 * held at a time, rows keep only the prompt and the two qualities, so memory follows the prompts
 * kept rather than the file. Stops with EvalTooLargeError as soon as more than `maxBytes` arrived.
 */
export async function readEvalJsonl(
  chunks: AsyncIterable<Uint8Array | string>,
  opts: { maxBytes?: number; field?: string } = {},
): Promise<EvalRow[]> {
  const maxBytes = opts.maxBytes ?? EVAL_STREAM_MAX_BYTES;
  const decoder = new TextDecoder("utf-8");
  const rows: EvalRow[] = [];
  let bytes = 0;
  let rest = "";
  let line = 0;
  const take = (text: string) => {
    const parts = (rest + text).split("\n");
    rest = parts.pop() as string;
    for (const raw of parts) {
      const row = parseEvalLine(raw, line++);
      if (row) rows.push(row);
    }
  };
  for await (const chunk of chunks) {
    const buf = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    bytes += buf.byteLength;
    if (bytes > maxBytes) throw new EvalTooLargeError(maxBytes, opts.field);
    take(decoder.decode(buf, { stream: true }));
  }
  take(decoder.decode());
  const last = parseEvalLine(rest, line);
  if (last) rows.push(last);
  return rows;
}

export interface RouterEvalOptions {
  trainFrac: number;
  seed: number;
  /** embeds prompts for the learned router; without it, the learned router uses text features only */
  embed?: EmbedFn;
  /** recorded in the model's feature spec */
  embeddingModel?: string;
  batchSize?: number;
  /** label margin (learned.ts) */
  margin?: number;
  /** also train and score the TF-IDF router (tfidf.ts); the same as listing "tfidf" in `kinds` */
  tfidf?: boolean;
  /** further router kinds to train and score; `keel router eval` asks for all of EXTRA_EVAL_KINDS */
  kinds?: readonly ExtraEvalKind[];
}

export interface RouterEvalResult {
  n_train: number;
  n_test: number;
  /** mean quality on the test split when everything goes to the small / the large model */
  small_only: number;
  large_only: number;
  /** measures per router kind, with the quality-versus-share-of-large curve they come from */
  routers: Array<{ kind: string; apgr: number; cpt50: number; cpt80: number; curve: CurvePoint[] }>;
  /** router kinds that could not be trained on this data, and why */
  skipped: Array<{ kind: string; reason: string }>;
  /** one per test item and router kind, in the test split's order */
  scores: Array<{ kind: string; line: number; score: number }>;
  /** the learned router's model, when trained */
  model: LearnedModel | null;
}

export async function runRouterEval(rows: readonly EvalRow[], opts: RouterEvalOptions): Promise<RouterEvalResult> {
  if (rows.length < 2) throw new RangeError(`need at least 2 labelled lines, got ${rows.length}`);
  const { train, test } = trainTestSplit(rows.length, opts.trainFrac, opts.seed);
  const trainRows = train.map((i) => rows[i] as EvalRow);
  const testRows = test.map((i) => rows[i] as EvalRow);
  const small = testRows.map((r) => r.small);
  const large = testRows.map((r) => r.large);
  qualityGap(small, large); // before any training: no gap on the test split, no measures

  const scored: Array<{ kind: string; scores: number[] }> = [];
  // a stream of its own, so the random router does not depend on the split's draws
  const rand = seededRandom(opts.seed ^ 0x5eed);
  scored.push({ kind: "random", scores: testRows.map(() => rand()) });
  scored.push({ kind: "length", scores: testRows.map((r) => r.prompt.length) });

  const skipped: RouterEvalResult["skipped"] = [];
  let model: LearnedModel | null = null;
  // train and test prompts embedded in one batched pass; the dimension is the model's
  const prompts = [...trainRows, ...testRows].map((r) => r.prompt);
  const vectors = opts.embed ? await embedInBatches(opts.embed, prompts, opts.batchSize) : null;
  const spec = featureSpec(vectors ? { model: opts.embeddingModel ?? "embedding", dim: vectors[0]?.length ?? 0 } : null);
  const X = prompts.map((p, i) => featureVector(spec, p, vectors?.[i]));
  try {
    model = trainLearned(
      X.slice(0, trainRows.length),
      trainRows.map((r) => r.small),
      trainRows.map((r) => r.large),
      { featureSpec: spec, seed: opts.seed, margin: opts.margin },
    );
    const m = model;
    scored.push({ kind: "learned", scores: X.slice(trainRows.length).map((x) => 1 - predict(m, x)) });
  } catch (err) {
    if (!(err instanceof TrainingDataError)) throw err;
    skipped.push({ kind: "learned", reason: err.message });
  }
  const extra = new Set<ExtraEvalKind>([...(opts.kinds ?? []), ...(opts.tfidf ? (["tfidf"] as const) : [])]);
  if (extra.has("tfidf")) {
    try {
      const m = trainTfidf(
        trainRows.map((r) => r.prompt),
        trainRows.map((r) => r.small),
        trainRows.map((r) => r.large),
        { seed: opts.seed, margin: opts.margin },
      );
      scored.push({ kind: "tfidf", scores: testRows.map((r) => 1 - predictTfidf(m, r.prompt)) });
    } catch (err) {
      if (!(err instanceof TrainingDataError)) throw err;
      skipped.push({ kind: "tfidf", reason: err.message });
    }
  }
  const trainers = { knn: [trainKnn, predictKnn], mlp: [trainMlp, predictMlp], mf: [trainMf, predictMf] } as const;
  for (const kind of ["knn", "mlp", "mf"] as const) {
    if (!extra.has(kind)) continue;
    if (!vectors) {
      skipped.push({ kind, reason: "needs an embedding model (the prompts were not embedded)" });
      continue;
    }
    const [train, predictOne] = trainers[kind];
    const embedding = { model: opts.embeddingModel ?? "embedding", dim: vectors[0]?.length ?? 0 };
    try {
      const m = train(
        vectors.slice(0, trainRows.length),
        trainRows.map((r) => r.small),
        trainRows.map((r) => r.large),
        { embedding, seed: opts.seed, margin: opts.margin },
      );
      const p = predictOne as (model: typeof m, v: readonly number[]) => number;
      scored.push({ kind, scores: vectors.slice(trainRows.length).map((v) => 1 - p(m, v)) });
    } catch (err) {
      if (!(err instanceof TrainingDataError)) throw err;
      skipped.push({ kind, reason: err.message });
    }
  }

  const routers = scored.map(({ kind, scores }) => {
    const e = evaluateRouter(scores, small, large); // NoGapError propagates: the measures are undefined
    return { kind, apgr: e.apgr, cpt50: e.cpt50, cpt80: e.cpt80, curve: e.curve };
  });
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    n_train: trainRows.length,
    n_test: testRows.length,
    small_only: mean(small),
    large_only: mean(large),
    routers,
    skipped,
    scores: scored.flatMap(({ kind, scores }) => scores.map((score, j) => ({ kind, line: (testRows[j] as EvalRow).line, score }))),
    model,
  };
}
