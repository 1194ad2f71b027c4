import path from "node:path";
import type * as HF from "@huggingface/transformers";
import { dataDir, env, modelsDir } from "../../env";
import { DomainError } from "../core/errors";
import { type Batched, KeyedBatchers } from "./batcher";
import { HEAD_ONNX_FILE } from "./head-config";
import { estimateBytes, headSource, type ModelSource, resolveSource, type SourceLike } from "./local";
import { type CacheEntryStats, SizedLru } from "./lru";

export type Task = "text-generation" | "feature-extraction" | "text-classification";

/** The parts of a transformers.js pipeline Keel uses. */
export interface Pipe {
  (input: string | string[], opts?: Record<string, unknown>): Promise<unknown>;
  tokenizer: HF.PreTrainedTokenizer;
  model: HF.PreTrainedModel;
  dispose(): Promise<void>;
}

let hf: Promise<typeof HF> | null = null;

/**
 * transformers.js, imported on first use (a web process that serves no local model never loads
 * onnxruntime) and configured once: local files only unless KEEL_ALLOW_REMOTE_MODELS, downloads
 * (when allowed) cached under <KEEL_DATA_DIR>/hf-cache.
 */
export function transformers(): Promise<typeof HF> {
  hf ??= import("@huggingface/transformers").then((m) => {
    m.env.allowLocalModels = true;
    m.env.allowRemoteModels = env.KEEL_ALLOW_REMOTE_MODELS;
    m.env.localModelPath = `${modelsDir()}/`;
    m.env.cacheDir = path.join(dataDir(), "hf-cache");
    return m;
  });
  return hf;
}

/** What the model cache holds: a pipeline or an onnxruntime session, and how to free it. */
export interface CachedModel {
  value: unknown;
  dispose: () => Promise<void>;
}

/** Every loaded local model of this process (pipelines and raw ONNX sessions), LRU by estimated bytes. */
export const modelCache = new SizedLru<CachedModel>({
  budgetBytes: env.KEEL_MODEL_CACHE_MB * 1024 * 1024,
  dispose: (m) => m.dispose(),
});

export function modelCacheStats(): { budgetBytes: number; totalBytes: number; entries: CacheEntryStats[] } {
  return modelCache.stats();
}

/** Change the cache budget (MiB) for this process; what no longer fits is unloaded. */
export function setModelCacheBudget(mb: number): void {
  modelCache.resize(mb * 1024 * 1024);
}

/** Unload every local model (tests, shutdown); waits for the disposals that can run now. */
export async function unloadModels(): Promise<void> {
  await modelCache.clear();
}

export const pipelineKey = (task: Task, source: ModelSource) => `${task}|${source.key}|${source.dtype ?? "fp32"}`;

/** Turn a transformers.js "file not found" into a 404 that names the model. */
function loadError(source: ModelSource, err: unknown): unknown {
  const msg = err instanceof Error ? err.message : String(err);
  if (/not found|could not locate|ENOENT|local_files_only|allowRemoteModels/i.test(msg))
    return new DomainError("NOT_FOUND", `model ${source.key} could not be loaded: ${msg}`, "model");
  return err;
}

/** Run `fn` with the pipeline for (task, source), loading it once per process and keeping it leased meanwhile. */
export async function withPipeline<T>(task: Task, input: SourceLike, fn: (pipe: Pipe) => Promise<T>): Promise<T> {
  const source = resolveSource(input);
  if (source.format === "onnx") throw new DomainError("BAD_REQUEST", `${source.key} is a raw ONNX graph; use runOnnx`, "model");
  if (source.format === "keel-head" && task !== "text-classification")
    throw new DomainError("BAD_REQUEST", `${source.key} is a keel-head classifier; it serves text-classification only`, "model");
  const dtype = source.dtype ?? "fp32";
  const load = async () => {
    const m = await transformers();
    let pipe: Pipe;
    try {
      pipe = (await m.pipeline(task, source.location, { dtype })) as unknown as Pipe;
    } catch (err) {
      throw loadError(source, err);
    }
    const folder = source.kind === "hub" ? path.join(m.env.cacheDir ?? "", source.location) : source.location;
    return { value: { value: pipe, dispose: () => pipe.dispose() }, bytes: estimateBytes(folder, dtype) };
  };
  return modelCache.use(pipelineKey(task, source), load, (cached) => fn(cached.value as Pipe));
}

/**
 * Batching settings for every local model: the window a first call waits for company, the largest
 * batch, and whether a call skips the window while traffic is quiet (see batcher.ts).
 */
export const batching = { windowMs: 5, maxBatch: 16, adaptive: true };
let embedBatchers = new KeyedBatchers<string, EmbedRow>(batching);
let classifyBatchers = new KeyedBatchers<string, ClassifyRow>(batching);
const listeners: (() => void)[] = [];

/** Change the batching window and size (maxBatch 1 turns batching off); applies to calls made after. */
export function setBatching(opts: { windowMs?: number; maxBatch?: number; adaptive?: boolean }): void {
  Object.assign(batching, opts);
  embedBatchers = new KeyedBatchers(batching);
  classifyBatchers = new KeyedBatchers(batching);
  for (const l of listeners) l();
}

/** generate.ts rebuilds its batchers on setBatching. */
export function onBatchingChange(fn: () => void): void {
  listeners.push(fn);
}

/** Largest batch and longest wait among the batches a call's items rode in. */
export function batchInfo(parts: Batched<unknown>[]): { batchSize: number; waitMs: number } {
  return {
    batchSize: Math.max(0, ...parts.map((p) => p.batchSize)),
    waitMs: Math.max(0, ...parts.map((p) => p.waitMs)),
  };
}

interface EmbedRow {
  vector: number[];
  tokens: number;
}

export interface EmbedOptions {
  /** default mean */
  pooling?: "mean" | "cls";
  /** L2-normalize (default true) */
  normalize?: boolean;
  /**
   * Bulk work (training, batch jobs): run the texts in batches of this size, in order, outside the
   * dynamic batcher; larger batches of similar-length texts embed faster than the batcher's 16.
   */
  batchSize?: number;
}

export interface EmbedResult {
  vectors: number[][];
  /** tokens per text (after truncation to the model's length) */
  tokens: number[];
  promptTokens: number;
  batchSize: number;
  waitMs: number;
}

/** Token count per row of a padded batch (attention mask sums). */
function rowTokens(pipe: Pipe, texts: string[]): number[] {
  const tok = pipe.tokenizer;
  const enc = tok(texts, { padding: true, truncation: true }) as { attention_mask: HF.Tensor };
  return (enc.attention_mask.tolist() as (number | bigint)[][]).map((r) => r.reduce<number>((a, b) => a + Number(b), 0));
}

/** Embeddings of `texts` from a feature-extraction model; concurrent calls to one model are batched. */
export async function embed(input: SourceLike, texts: string[], opts: EmbedOptions = {}): Promise<EmbedResult> {
  const source = resolveSource(input);
  if (texts.length === 0) return { vectors: [], tokens: [], promptTokens: 0, batchSize: 0, waitMs: 0 };
  const pooling = opts.pooling ?? "mean";
  const normalize = opts.normalize ?? true;
  const run = (batch: string[]) =>
    withPipeline("feature-extraction", source, async (pipe) => {
      const out = (await pipe(batch, { pooling, normalize })) as HF.Tensor;
      const vectors = out.tolist() as number[][];
      const tokens = rowTokens(pipe, batch);
      return vectors.map((vector, i) => ({ vector, tokens: tokens[i] ?? 0 }));
    });
  if (opts.batchSize) {
    const size = Math.max(1, Math.floor(opts.batchSize));
    const rows: EmbedRow[] = [];
    for (let i = 0; i < texts.length; i += size) rows.push(...(await run(texts.slice(i, i + size))));
    const tokens = rows.map((r) => r.tokens);
    const promptTokens = tokens.reduce((a, b) => a + b, 0);
    return { vectors: rows.map((r) => r.vector), tokens, promptTokens, batchSize: Math.min(size, texts.length), waitMs: 0 };
  }
  const key = `${pipelineKey("feature-extraction", source)}|${pooling}|${normalize}`;
  const parts = await Promise.all(texts.map((t) => embedBatchers.submit(key, run, t)));
  const tokens = parts.map((p) => p.result.tokens);
  return {
    vectors: parts.map((p) => p.result.vector),
    tokens,
    promptTokens: tokens.reduce((a, b) => a + b, 0),
    ...batchInfo(parts),
  };
}

type ClassifyRow = { label: string; score: number }[];

export interface ClassifyResult {
  /** per text, labels by descending score */
  results: ClassifyRow[];
  batchSize: number;
  waitMs: number;
}

/** Labels and scores of `texts` from a text-classification model (topK labels each, default 1). */
export async function classify(input: SourceLike, texts: string[], opts: { topK?: number } = {}): Promise<ClassifyResult> {
  const source = resolveSource(input);
  if (texts.length === 0) return { results: [], batchSize: 0, waitMs: 0 };
  const topK = opts.topK ?? 1;
  if (source.format === "keel-head") return classifyHead(headSource(source), texts, topK);
  const run = (batch: string[]) =>
    withPipeline("text-classification", source, async (pipe) => {
      const out = await pipe(batch, { top_k: topK });
      // one input per row: transformers.js returns a flat list for top_k 1, nested lists otherwise
      return (out as unknown[]).map((r) => (Array.isArray(r) ? r : [r]) as ClassifyRow);
    });
  const key = `${pipelineKey("text-classification", source)}|${topK}`;
  const parts = await Promise.all(texts.map((t) => classifyBatchers.submit(key, run, t)));
  return { results: parts.map((p) => p.result), ...batchInfo(parts) };
}

/**
 * A keel-head classifier: the texts are embedded by the head's embedding model (pooling and
 * normalization as trained; batched with every other call to that model), then head.onnx maps the
 * vectors to class probabilities in one onnxruntime run. Rows look like the transformers.js
 * text-classification pipeline's: labels by descending score, topK of them.
 */
async function classifyHead(source: ModelSource, texts: string[], topK: number): Promise<ClassifyResult> {
  const head = source.head;
  if (!head) throw new Error("keel-head source without its config");
  const { config, embedder } = head;
  const e = await embed(embedder, texts, { pooling: config.embedding.pooling, normalize: config.embedding.normalize });
  const dim = config.embedding.dim;
  const x = new Float32Array(texts.length * dim);
  for (const [i, v] of e.vectors.entries()) {
    if (v.length !== dim)
      throw new DomainError(
        "PRECONDITION_FAILED",
        `${embedder.key} gives ${v.length}-dimensional vectors; the head expects ${dim}`,
        "model",
      );
    x.set(v, i * dim);
  }
  const ort = await import("onnxruntime-node");
  const file = path.join(source.location, HEAD_ONNX_FILE);
  const load = async () => {
    const session = await ort.InferenceSession.create(file);
    return { value: { value: session, dispose: () => session.release() }, bytes: estimateBytes(file) };
  };
  const probs = await modelCache.use(`head|${source.key}`, load, async (cached) => {
    const session = cached.value as import("onnxruntime-node").InferenceSession;
    const out = await session.run({ [config.input]: new ort.Tensor("float32", x, [texts.length, dim]) });
    const t = out[config.output];
    if (!t) throw new DomainError("PRECONDITION_FAILED", `${HEAD_ONNX_FILE} has no output ${config.output}`, "model");
    return t.data as Float32Array;
  });
  const C = config.labels.length;
  const k = Math.max(1, Math.min(topK, C));
  const results = texts.map((_, r) =>
    config.labels
      .map((label, j) => ({ label, score: probs[r * C + j] as number }))
      .sort((a, b) => b.score - a.score)
      .slice(0, k),
  );
  return { results, batchSize: e.batchSize, waitMs: e.waitMs };
}
