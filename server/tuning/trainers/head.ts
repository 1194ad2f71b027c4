/**
 * The `head` trainer: a classifier over a frozen embedding model. Every text is embedded once by
 * the embedding model (pooling and normalization as its folder asks), then a logistic-regression
 * or one-hidden-layer MLP head is trained in plain TypeScript (head-math.ts) and exported as
 * head.onnx plus keel-head.json, a registry version of format "keel-head" that serving's
 * `classify` runs. Deterministic for a seed (same embeddings, same init, same shuffles).
 */
import { DomainError } from "../../core/errors";
import {
  embed,
  embeddingSettings,
  HEAD_CONFIG_FILE,
  HEAD_ONNX_FILE,
  type HeadConfig,
  type HeadEmbedding,
  type ModelSource,
  resolveSource,
  type SourceLike,
} from "../../serving";
import { checkHyper, checkRows, type HeadHyper, type HeadRow } from "./head-input";
import { accuracy, type HeadParams, initHead, optimizer, predictProbs, rng, shuffle, trainStep } from "./head-math";
import { HEAD_INPUT, HEAD_OUTPUT, headToOnnx } from "./onnx-export";

export { checkHyper, checkRows, HEAD_DEFAULTS, type HeadHyper, type HeadRow } from "./head-input";
export { type HeadParams, predictProbs } from "./head-math";

/** One point of the training curve (emitted about ten times per epoch and at each epoch's end). */
export interface HeadMetricPoint {
  /** optimizer steps so far */
  step: number;
  /** 1-based epoch the step is in */
  epoch: number;
  /** mean cross-entropy of the steps since the previous point */
  loss: number;
  /** step size in effect (cosine-decayed) */
  learningRate: number;
  /** head-training examples per second since the previous point */
  examplesPerSec: number;
}

export interface HeadInput {
  /** a feature-extraction model: bundled name, absolute folder, or a registry version's source (sourceFromVersion) */
  embedder: SourceLike;
  rows: readonly HeadRow[];
  /** defaults: HEAD_DEFAULTS */
  hyper?: Partial<HeadHyper>;
  /** default 0 */
  seed?: number;
  /** aborting stops embedding or training within a batch and rejects with the signal's reason */
  signal?: AbortSignal;
  onMetric?: (m: HeadMetricPoint) => void;
  onLog?: (line: string) => void;
}

export interface HeadMetrics {
  train_accuracy: number;
  /** accuracy on the test split; null when there is none */
  test_accuracy: number | null;
  /** present when there is a validation split */
  validation_accuracy?: number;
  train_examples: number;
  test_examples: number;
  /** head training: train examples × epochs / training seconds */
  examples_per_sec: number;
  /** embedding: distinct texts / embedding seconds */
  embed_examples_per_sec: number;
  epochs: number;
  /** mean cross-entropy over the last epoch */
  final_loss: number;
}

export interface HeadFile {
  path: string;
  bytes: Uint8Array;
}

export interface HeadResult {
  /** head.onnx and keel-head.json: register them as a version (format keel-head, task text-classification) */
  files: HeadFile[];
  metrics: HeadMetrics;
  /** class names, in the order of the head's outputs */
  labels: string[];
  config: HeadConfig;
  /** the trained weights (first layer folded with the input standardization), for predictProbs */
  params: HeadParams;
}

/** Yield to the event loop about this often (ms) so an abort (and other work) gets through. */
const YIELD_MS = 20;
/** texts per embedding batch (sorted by length, so batches pad little) and between abort checks */
const EMBED_CHUNK = 128;
const EMBED_DIMENSION_UNKNOWN = -1;
const tick = () => new Promise<void>((r) => setImmediate(r));

function abortIfNeeded(signal?: AbortSignal): void {
  if (!signal?.aborted) return;
  const reason = signal.reason;
  throw reason instanceof Error ? reason : new DomainError("BAD_REQUEST", "training was cancelled");
}

/** Which embedding model this is, as keel-head.json records it. */
function embeddingIdentity(s: ModelSource): Pick<HeadEmbedding, "source" | "model" | "versionId" | "version"> {
  if (s.format !== "transformers.js")
    throw new DomainError("BAD_REQUEST", `${s.key} is a ${s.format} model, not a transformers.js feature-extraction model`, "embedder");
  if (s.task && s.task !== "feature-extraction")
    throw new DomainError("BAD_REQUEST", `${s.key} is a ${s.task} model; the head needs a feature-extraction model`, "embedder");
  if (s.kind === "bundled") return { source: "bundled", model: s.key.replace(/^bundled:/, "") };
  if (s.kind === "version") {
    if (!s.model || s.version === undefined || !s.versionId)
      throw new DomainError(
        "BAD_REQUEST",
        `${s.key}: resolve registry embedders with sourceFromVersion (model name and version needed)`,
        "embedder",
      );
    return { source: "registry", model: s.model, versionId: s.versionId, version: s.version };
  }
  return { source: s.kind, model: s.location };
}

/** Embed distinct texts, shortest first (batches of similar length pad little), into one [n, D] matrix. */
async function embedAll(
  source: ModelSource,
  texts: string[],
  settings: { pooling: "mean" | "cls"; normalize: boolean },
  input: HeadInput,
): Promise<{ x: Float32Array; dim: number; seconds: number }> {
  const order = texts.map((_, i) => i).sort((a, b) => (texts[a] as string).length - (texts[b] as string).length || a - b);
  let x = new Float32Array(0);
  let dim = EMBED_DIMENSION_UNKNOWN;
  const t0 = performance.now();
  let nextLog = 0.1;
  for (let i = 0; i < order.length; i += EMBED_CHUNK) {
    abortIfNeeded(input.signal);
    const idx = order.slice(i, i + EMBED_CHUNK);
    const r = await embed(
      source,
      idx.map((j) => texts[j] as string),
      settings,
    );
    if (dim === EMBED_DIMENSION_UNKNOWN) {
      dim = r.vectors[0]?.length ?? 0;
      if (dim < 1) throw new DomainError("BAD_REQUEST", `${source.key} returned empty vectors`, "embedder");
      x = new Float32Array(texts.length * dim);
    }
    for (const [k, j] of idx.entries()) {
      const v = r.vectors[k] as number[];
      if (v.length !== dim) throw new DomainError("BAD_REQUEST", `${source.key} returned vectors of varying length`, "embedder");
      x.set(v, j * dim);
    }
    const done = Math.min(order.length, i + EMBED_CHUNK) / order.length;
    if (done >= nextLog || done === 1) {
      const secs = (performance.now() - t0) / 1000;
      input.onLog?.(`embedded ${Math.min(order.length, i + EMBED_CHUNK)}/${order.length} texts (${Math.round((i + idx.length) / secs)}/s)`);
      nextLog = done + 0.1;
    }
  }
  abortIfNeeded(input.signal);
  return { x, dim, seconds: (performance.now() - t0) / 1000 };
}

/** Rows `idx` of the distinct-text matrix gathered into [idx.length, dim]. */
function gather(x: Float32Array, dim: number, idx: ArrayLike<number>): Float32Array {
  const out = new Float32Array(idx.length * dim);
  for (let k = 0; k < idx.length; k++) {
    const j = idx[k] as number;
    out.set(x.subarray(j * dim, (j + 1) * dim), k * dim);
  }
  return out;
}

/** Train a head (see the module comment). Throws BAD_REQUEST for bad rows or hyperparameters. */
export async function trainHead(input: HeadInput): Promise<HeadResult> {
  const hyper = checkHyper(input.hyper);
  const seed = input.seed ?? 0;
  if (!Number.isSafeInteger(seed)) throw new DomainError("BAD_REQUEST", `seed must be an integer (got ${seed})`, "seed");
  const split = checkRows(input.rows);
  const source = resolveSource(input.embedder);
  const identity = embeddingIdentity(source);
  const settings = embeddingSettings(source.kind === "hub" ? null : source.location);
  const log = input.onLog ?? (() => {});
  abortIfNeeded(input.signal);

  // one embedding per distinct text
  const textIndex = new Map<string, number>();
  const rowText = input.rows.map((r) => {
    const known = textIndex.get(r.text);
    if (known !== undefined) return known;
    textIndex.set(r.text, textIndex.size);
    return textIndex.size - 1;
  });
  const texts = [...textIndex.keys()];
  log(
    `embedding ${texts.length} distinct texts of ${input.rows.length} rows with ${source.key} (pooling ${settings.pooling}, normalize ${settings.normalize})`,
  );
  const emb = await embedAll(source, texts, settings, input);
  const D = emb.dim;
  const labelId = new Map(split.labels.map((l, i) => [l, i]));
  const matrix = (rows: number[]) => ({
    x: gather(
      emb.x,
      D,
      rows.map((i) => rowText[i] as number),
    ),
    y: Uint32Array.from(rows, (i) => labelId.get((input.rows[i] as HeadRow).label) as number),
  });
  const train = matrix(split.train);

  // standardize features (train mean and deviation): Adam converges far faster on unit-scale inputs; folded into W1/b1 at the end
  const N = split.train.length;
  const mu = new Float64Array(D);
  const sd = new Float64Array(D);
  for (let r = 0; r < N; r++) for (let k = 0; k < D; k++) mu[k] = (mu[k] as number) + (train.x[r * D + k] as number) / N;
  for (let r = 0; r < N; r++)
    for (let k = 0; k < D; k++) sd[k] = (sd[k] as number) + ((train.x[r * D + k] as number) - (mu[k] as number)) ** 2 / N;
  for (let k = 0; k < D; k++) sd[k] = Math.max(Math.sqrt(sd[k] as number), 1e-4);
  const xs = Float32Array.from(train.x, (v, i) => (v - (mu[i % D] as number)) / (sd[i % D] as number));

  const C = split.labels.length;
  const params = initHead(hyper.kind, D, C, hyper.hidden, seed);
  const opt = optimizer(params);
  const rand = rng(seed ^ 0x5eed);
  const order = Uint32Array.from({ length: N }, (_, i) => i);
  const stepsPerEpoch = Math.ceil(N / hyper.batchSize);
  const totalSteps = stepsPerEpoch * hyper.epochs;
  const every = Math.max(1, Math.floor(stepsPerEpoch / 10));
  log(
    `training a ${hyper.kind === "mlp" ? `${hyper.hidden}-unit MLP` : "logistic"} head: ${N} examples, ${C} labels, dim ${D}, ${hyper.epochs} epochs of ${stepsPerEpoch} steps`,
  );
  let step = 0;
  let lastLoss = 0;
  let trainSecs = 0;
  let windowLoss = 0;
  let windowSteps = 0;
  let windowExamples = 0;
  let windowStart = performance.now();
  let sinceYield = performance.now();
  for (let epoch = 1; epoch <= hyper.epochs; epoch++) {
    shuffle(order, rand);
    let epochLoss = 0;
    for (let b = 0; b < stepsPerEpoch; b++) {
      const idx = order.subarray(b * hyper.batchSize, (b + 1) * hyper.batchSize);
      // cosine decay from the peak to 5% of it over the whole run
      const lr = hyper.learningRate * (0.05 + 0.95 * 0.5 * (1 + Math.cos((Math.PI * step) / totalSteps)));
      const t = performance.now();
      const loss = trainStep(
        params,
        opt,
        gather(xs, D, idx),
        Uint32Array.from(idx, (i) => train.y[i] as number),
        lr,
        hyper.l2,
      );
      const now = performance.now();
      trainSecs += (now - t) / 1000;
      step++;
      epochLoss += loss;
      windowLoss += loss;
      windowSteps++;
      windowExamples += idx.length;
      if (step % every === 0 || b === stepsPerEpoch - 1) {
        const secs = (now - windowStart) / 1000;
        input.onMetric?.({
          step,
          epoch,
          loss: windowLoss / windowSteps,
          learningRate: lr,
          examplesPerSec: secs > 0 ? windowExamples / secs : 0,
        });
        windowLoss = windowSteps = windowExamples = 0;
        windowStart = now;
      }
      if (now - sinceYield > YIELD_MS) {
        await tick();
        abortIfNeeded(input.signal);
        sinceYield = performance.now();
        windowStart += sinceYield - now; // time spent away is not training time
      }
    }
    lastLoss = epochLoss / stepsPerEpoch;
    log(`epoch ${epoch}/${hyper.epochs}: loss ${lastLoss.toFixed(4)}`);
  }
  abortIfNeeded(input.signal);

  // fold the standardization into the first layer: ((x - mu) / sd) · W + b = x · (W / sd) + (b - (mu / sd) · W)
  const width = hyper.kind === "mlp" ? hyper.hidden : C;
  for (let k = 0; k < D; k++)
    for (let j = 0; j < width; j++) {
      const w = (params.w1[k * width + j] as number) / (sd[k] as number);
      params.w1[k * width + j] = w;
      params.b1[j] = (params.b1[j] as number) - (mu[k] as number) * w;
    }
  const test = matrix(split.test);
  const validation = matrix(split.validation);
  const metrics: HeadMetrics = {
    train_accuracy: accuracy(params, train.x, train.y),
    test_accuracy: split.test.length ? accuracy(params, test.x, test.y) : null,
    ...(split.validation.length ? { validation_accuracy: accuracy(params, validation.x, validation.y) } : {}),
    train_examples: N,
    test_examples: split.test.length,
    examples_per_sec: trainSecs > 0 ? (N * hyper.epochs) / trainSecs : 0,
    embed_examples_per_sec: emb.seconds > 0 ? texts.length / emb.seconds : 0,
    epochs: hyper.epochs,
    final_loss: lastLoss,
  };
  log(
    `train accuracy ${metrics.train_accuracy.toFixed(4)}, test accuracy ${metrics.test_accuracy?.toFixed(4) ?? "n/a"} (${split.test.length} examples)`,
  );

  const config: HeadConfig = {
    format: "keel-head",
    formatVersion: 1,
    task: "text-classification",
    labels: split.labels,
    kind: hyper.kind,
    hidden: hyper.kind === "mlp" ? hyper.hidden : 0,
    input: HEAD_INPUT,
    output: HEAD_OUTPUT,
    embedding: { ...identity, dim: D, pooling: settings.pooling, normalize: settings.normalize },
    training: { trainer: "head", seed, hyper, metrics },
  };
  const onnx = headToOnnx(params, { "keel.labels": JSON.stringify(split.labels), "keel.embedding": JSON.stringify(config.embedding) });
  return {
    files: [
      { path: HEAD_ONNX_FILE, bytes: onnx },
      { path: HEAD_CONFIG_FILE, bytes: new TextEncoder().encode(`${JSON.stringify(config, null, 2)}\n`) },
    ],
    metrics,
    labels: split.labels,
    config,
    params,
  };
}

/** Class probabilities of embeddings under a trained head (the TS forward pass head.onnx reproduces). */
export function headProbabilities(params: HeadParams, embeddings: Float32Array): Float32Array {
  return predictProbs(params, embeddings, embeddings.length / params.dim);
}
