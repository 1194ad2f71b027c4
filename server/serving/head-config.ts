import fs from "node:fs";
import path from "node:path";
import { DomainError } from "../core/errors";

/**
 * A "keel-head" model: a small classifier (head.onnx: `embedding` float32 [N, D] → `probabilities`
 * [N, C]) over the vectors of a named embedding model, described by keel-head.json. Written by the
 * tuning domain's `head` trainer; served by `classify` (embed with the named model, then the head).
 */
export const HEAD_CONFIG_FILE = "keel-head.json";
export const HEAD_ONNX_FILE = "head.onnx";

/** Which embedding model a head was trained on, and how its vectors were made. */
export interface HeadEmbedding {
  /** bundled: models/<model>; registry: version `versionId` (number `version`) of registered model `model`; path: an absolute folder; hub: a Hugging Face id */
  source: "bundled" | "registry" | "path" | "hub";
  model: string;
  versionId?: string;
  version?: number;
  /** vector length D */
  dim: number;
  pooling: "mean" | "cls";
  normalize: boolean;
}

/** keel-head.json */
export interface HeadConfig {
  format: "keel-head";
  formatVersion: 1;
  task: "text-classification";
  /** class names in output order: probabilities[:, i] is labels[i] */
  labels: string[];
  kind: "logistic" | "mlp";
  /** MLP width; 0 for logistic */
  hidden: number;
  input: string;
  output: string;
  embedding: HeadEmbedding;
  /** training details (seed, hyperparameters, metrics); informational */
  training?: Record<string, unknown>;
}

const bad = (file: string, why: string) => new DomainError("UNPROCESSABLE_CONTENT", `${file}: ${why}`, "model");

/** Validate a parsed keel-head.json; throws a 422 naming what is wrong. */
export function parseHeadConfig(raw: unknown, file = HEAD_CONFIG_FILE): HeadConfig {
  const c = raw as Partial<HeadConfig> | null;
  if (!c || typeof c !== "object") throw bad(file, "is not a JSON object");
  if (c.format !== "keel-head") throw bad(file, `format must be "keel-head"`);
  if (!Array.isArray(c.labels) || c.labels.length < 2 || c.labels.some((l) => typeof l !== "string"))
    throw bad(file, "labels must be at least two strings");
  const e = c.embedding;
  if (!e || typeof e.model !== "string" || !e.model) throw bad(file, "embedding.model is missing");
  if (!["bundled", "registry", "path", "hub"].includes(e.source))
    throw bad(file, "embedding.source must be bundled, registry, path or hub");
  if (e.source === "registry" && (typeof e.versionId !== "string" || typeof e.version !== "number"))
    throw bad(file, "a registry embedding needs versionId and version");
  if (!Number.isInteger(e.dim) || e.dim < 1) throw bad(file, "embedding.dim must be a positive integer");
  if (e.pooling !== "mean" && e.pooling !== "cls") throw bad(file, "embedding.pooling must be mean or cls");
  if (typeof e.normalize !== "boolean") throw bad(file, "embedding.normalize must be a boolean");
  return {
    input: "embedding",
    output: "probabilities",
    hidden: 0,
    kind: "logistic",
    task: "text-classification",
    formatVersion: 1,
    ...c,
  } as HeadConfig;
}

/** keel-head.json of a model folder, or null when the folder has none. */
export function readHeadConfig(folder: string): HeadConfig | null {
  const file = path.join(folder, HEAD_CONFIG_FILE);
  if (!fs.existsSync(file)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw bad(HEAD_CONFIG_FILE, `is not valid JSON (${err instanceof Error ? err.message : err})`);
  }
  return parseHeadConfig(raw);
}

/**
 * The pooling and normalization an embedding model folder asks for: a sentence-transformers
 * layout (1_Pooling/config.json, modules.json with a Normalize module) when present, else Keel's
 * default for feature extraction, mean pooling with L2 normalization (what tiny-bert-embed's
 * model card asks for).
 */
export function embeddingSettings(folder: string | null): { pooling: "mean" | "cls"; normalize: boolean } {
  const out = { pooling: "mean" as "mean" | "cls", normalize: true };
  if (!folder || !fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) return out;
  const pool = path.join(folder, "1_Pooling", "config.json");
  if (fs.existsSync(pool)) {
    const p = JSON.parse(fs.readFileSync(pool, "utf8")) as Record<string, unknown>;
    if (p.pooling_mode_cls_token === true) out.pooling = "cls";
  }
  const modules = path.join(folder, "modules.json");
  if (fs.existsSync(modules)) {
    const m = JSON.parse(fs.readFileSync(modules, "utf8")) as { type?: string }[];
    out.normalize = Array.isArray(m) && m.some((x) => /Normalize$/.test(x.type ?? ""));
  }
  return out;
}
