/**
 * `keel router eval`: labelled prompts in, RouteLLM's measures per router kind out. Train on a seeded
 * split, score the test split, evaluate. Pure apart from the injected embedding function.
 *
 * Router kinds and their scores (predicted need for the large model, higher = more likely large):
 *   random   seeded uniform draws (the baseline; its expected APGR is 0.5)
 *   length   the prompt's length in characters (longer prompts go large first)
 *   learned  1 - P(small good enough), logistic regression on embedding + text features (learned.ts)
 */
import { type CurvePoint, evaluateRouter, qualityGap } from "./evaluate";
import { type EmbedFn, embedInBatches, featureSpec, featureVector } from "./features";
import { type LearnedModel, predict, TrainingDataError, trainLearned } from "./learned";
import { seededRandom, trainTestSplit } from "./split";

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

/** Parse JSONL lines {"prompt", "small_quality", "large_quality"}; blank lines are skipped. */
export function parseEvalJsonl(text: string): EvalRow[] {
  const rows: EvalRow[] = [];
  const lines = text.split("\n");
  for (const [i, raw] of lines.entries()) {
    const src = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (src.trim() === "") continue;
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
    rows.push({ line: i, prompt: o.prompt, small: o.small_quality as number, large: o.large_quality as number });
  }
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
