import fs from "node:fs";
import { DomainError } from "../server/core/errors";
import {
  type EmbedFn,
  EVAL_EMBEDDING_MODEL,
  EVAL_MIN_LINES,
  EVAL_STREAM_MAX_BYTES,
  EvalLineError,
  type EvalRow,
  EvalTooLargeError,
  EXTRA_EVAL_KINDS,
  NoGapError,
  readEvalJsonl,
  runRouterEval,
} from "../server/routing";

export interface RouterOptions {
  data?: string;
  "train-frac"?: string;
  seed?: string;
  margin?: string;
  "scores-out"?: string;
  /** the learned router's embedding model, or "none" for text features only (default tiny-bert-embed) */
  embedding?: string;
}

function number(text: string | undefined, fallback: number, flag: string, ok: (v: number) => boolean, what: string): number {
  if (text === undefined) return fallback;
  const v = Number(text);
  if (text.trim() === "" || !ok(v)) throw new DomainError("BAD_REQUEST", `--${flag} must be ${what}, got ${JSON.stringify(text)}`, flag);
  return v;
}

/** `--seed 1` or `--seed 1,2,3,4,5` (distinct integers). */
function seeds(text: string | undefined): number[] {
  const list = (text ?? "1")
    .split(",")
    .map((s) => number(s, 1, "seed", (v) => Number.isSafeInteger(v), "an integer or a comma-separated list of integers"));
  if (new Set(list).size !== list.length) throw new DomainError("BAD_REQUEST", `--seed lists a seed twice: ${text}`, "seed");
  return list;
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

/** The file's rows, read as a stream; bad input becomes a BAD_REQUEST naming the line and field or the limit. */
async function readRows(file: string): Promise<EvalRow[]> {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch (err) {
    throw new DomainError("NOT_FOUND", `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, "data");
  }
  // refused before reading a byte; the stream's own count guards a file that grows meanwhile
  if (size > EVAL_STREAM_MAX_BYTES) throw new DomainError("BAD_REQUEST", new EvalTooLargeError(EVAL_STREAM_MAX_BYTES).message, "data");
  try {
    const rows = await readEvalJsonl(fs.createReadStream(file, { highWaterMark: 1 << 20 }));
    if (rows.length < EVAL_MIN_LINES)
      throw new DomainError("BAD_REQUEST", `data: need at least ${EVAL_MIN_LINES} labelled lines, got ${rows.length}`, "data");
    return rows;
  } catch (err) {
    if (err instanceof EvalLineError) throw new DomainError("BAD_REQUEST", err.message, err.field ?? "data");
    if (err instanceof EvalTooLargeError) throw new DomainError("BAD_REQUEST", err.message, "data");
    throw err;
  }
}

/**
 * Embeddings of every distinct prompt, computed once for all seeds: sorted by length so a batch pads
 * little (the cost of a batch follows its longest text), then handed out from the cache.
 */
async function embedOnce(model: string, prompts: readonly string[]): Promise<EmbedFn> {
  const { embedTexts } = await import("../server/serving");
  const distinct = [...new Set(prompts)].sort((a, b) => a.length - b.length);
  const cache = new Map<string, number[]>();
  for (let i = 0; i < distinct.length; i += 64) {
    const batch = distinct.slice(i, i + 64);
    const vectors = await embedTexts(batch, { model });
    for (const [j, t] of batch.entries()) cache.set(t, vectors[j] as number[]);
  }
  return async (texts) => texts.map((t) => cache.get(t) as number[]);
}

type Measures = { kind: string; apgr: number; cpt50: number; cpt80: number };

/** Mean and sample standard deviation of each measure per router kind, over the seeds' runs. */
function summarize(
  runs: Measures[][],
): Array<{ kind: string } & Record<"apgr" | "cpt50" | "cpt80", { mean: number; sd: number; min: number; max: number }>> {
  const kinds = [...new Set(runs.flatMap((r) => r.map((m) => m.kind)))];
  const stat = (xs: number[]) => {
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
    return { mean, sd, min: Math.min(...xs), max: Math.max(...xs) };
  };
  return kinds.map((kind) => {
    const mine = runs.flatMap((r) => r.filter((m) => m.kind === kind));
    return { kind, apgr: stat(mine.map((m) => m.apgr)), cpt50: stat(mine.map((m) => m.cpt50)), cpt80: stat(mine.map((m) => m.cpt80)) };
  });
}

/** `keel router eval`: RouteLLM's measures on a labelled JSONL file (see server/routing/eval-run.ts). */
export async function routerCommand(sub: string | undefined, opts: RouterOptions, say: (human: string, data: unknown) => void) {
  if (sub !== "eval") throw new DomainError("BAD_REQUEST", `unknown router command: ${sub ?? "(none)"}; try eval`);
  const file = opts.data;
  if (!file) throw new DomainError("BAD_REQUEST", "missing --data FILE.jsonl", "data");
  const trainFrac = number(opts["train-frac"], 0.5, "train-frac", (v) => v > 0 && v < 1, "a number between 0 and 1 (exclusive)");
  const seedList = seeds(opts.seed);
  const margin = number(opts.margin, 0, "margin", (v) => Number.isFinite(v) && v >= 0, "a number >= 0");
  const embeddingModel = opts.embedding ?? EVAL_EMBEDDING_MODEL;
  const rows = await readRows(file);
  const embed =
    embeddingModel === "none"
      ? undefined
      : await embedOnce(
          embeddingModel,
          rows.map((r) => r.prompt),
        );

  const results = [];
  for (const seed of seedList) {
    try {
      results.push(await runRouterEval(rows, { trainFrac, seed, margin, embed, embeddingModel, kinds: EXTRA_EVAL_KINDS }));
    } catch (err) {
      if (err instanceof NoGapError || err instanceof RangeError) throw new DomainError("BAD_REQUEST", err.message, "data");
      throw err;
    }
  }
  const res = results[0] as (typeof results)[number];
  const measures = (r: typeof res): Measures[] => r.routers.map(({ kind, apgr, cpt50, cpt80 }) => ({ kind, apgr, cpt50, cpt80 }));
  if (opts["scores-out"]) fs.writeFileSync(opts["scores-out"], res.scores.map((s) => `${JSON.stringify(s)}\n`).join(""));
  const head = `${res.n_train} train, ${res.n_test} test; test quality: small only ${res.small_only.toFixed(4)}, large only ${res.large_only.toFixed(4)}`;
  const skippedLines = res.skipped.map((s) => `${s.kind}: not trained (${s.reason})`);

  if (seedList.length === 1) {
    const out = {
      n_train: res.n_train,
      n_test: res.n_test,
      small_only: res.small_only,
      large_only: res.large_only,
      routers: measures(res),
      ...(res.skipped.length ? { skipped: res.skipped } : {}),
    };
    const human = [
      head,
      "kind      APGR    CPT(50%)  CPT(80%)",
      ...res.routers.map((r) => `${r.kind.padEnd(8)}  ${r.apgr.toFixed(4)}  ${pct(r.cpt50).padStart(8)}  ${pct(r.cpt80).padStart(8)}`),
      ...skippedLines,
    ].join("\n");
    return say(human, out);
  }
  // several seeds: each its own split; the spread says how much of a difference between kinds is the split's
  const summary = summarize(results.map(measures));
  const out = {
    seeds: seedList,
    n_train: res.n_train,
    n_test: res.n_test,
    routers: summary,
    runs: results.map((r, i) => ({
      seed: seedList[i],
      small_only: r.small_only,
      large_only: r.large_only,
      routers: measures(r),
      skipped: r.skipped,
    })),
  };
  const human = [
    `${head} (seed ${seedList[0]}); ${seedList.length} seeds: ${seedList.join(",")}`,
    "kind      APGR mean ± sd      CPT(50%) mean  CPT(80%) mean",
    ...summary.map(
      (s) =>
        `${s.kind.padEnd(8)}  ${s.apgr.mean.toFixed(4)} ± ${s.apgr.sd.toFixed(4)}  ${pct(s.cpt50.mean).padStart(13)}  ${pct(s.cpt80.mean).padStart(13)}`,
    ),
    ...skippedLines,
  ].join("\n");
  say(human, out);
}
