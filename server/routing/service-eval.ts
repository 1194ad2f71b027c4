/**
 * Router evaluation as a service: JSONL text in, RouteLLM's measures and curves per router kind out.
 * One path for `keel router eval` and api.routing.evaluate: limits, parsing, the learned router's
 * embeddings and the mapping of bad data to a 400 naming the line and the field.
 */
import { z } from "zod";
import { DomainError, parseOrThrow } from "../core/errors";
import { embedTexts } from "../serving";
import { EvalLineError, parseEvalJsonl, runRouterEval } from "./eval-run";
import { type CurvePoint, NoGapError } from "./evaluate";

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
  let res: Awaited<ReturnType<typeof runRouterEval>>;
  try {
    const rows = parseEvalJsonl(input.data);
    if (rows.length > EVAL_MAX_LINES)
      throw new DomainError("BAD_REQUEST", `data: ${rows.length} lines is over the limit of ${EVAL_MAX_LINES}; sample the file`, "data");
    if (rows.length < EVAL_MIN_LINES)
      throw new DomainError("BAD_REQUEST", `data: need at least ${EVAL_MIN_LINES} labelled lines, got ${rows.length}`, "data");
    res = await runRouterEval(rows, {
      trainFrac: input.trainFrac,
      seed: input.seed,
      margin: input.margin,
      // the shared model cache and batcher: one model load per process, one call per batch
      embed: (texts) => embedTexts(texts, { model: EVAL_EMBEDDING_MODEL }),
      embeddingModel: EVAL_EMBEDDING_MODEL,
      batchSize: 64,
    });
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
