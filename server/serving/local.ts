import fs from "node:fs";
import path from "node:path";
import type { DbOrTx } from "../../db/client";
import { env, modelsDir } from "../../env";
import { DomainError } from "../core/errors";
import { resolveVersion, versionFiles } from "../registry";
import { HEAD_CONFIG_FILE, type HeadConfig, readHeadConfig } from "./head-config";
import { materializeVersion, modelCacheDir } from "./materialize";

/** The declared inputs and outputs of a raw ONNX graph (version metadata `inputSchema`). */
export interface OnnxSchema {
  inputs: { name: string; type?: "float32" | "float64" | "int32" | "int64"; shape?: number[] }[];
  outputs?: { name: string; shape?: number[] }[];
}

/** ONNX precision to load: fp32 is onnx/model.onnx, q8 is onnx/model_quantized.onnx. */
export type Dtype = "fp32" | "fp16" | "q8" | "int8" | "uint8" | "q4";

/**
 * Where a local model comes from. `key` identifies it in the model cache (a version id, a bundled
 * name, a hub id); `location` is what gets loaded: an absolute folder (transformers.js) or .onnx
 * file (raw graphs), or a Hugging Face id.
 */
export interface ModelSource {
  kind: "bundled" | "version" | "path" | "hub";
  key: string;
  location: string;
  /** registry format: transformers.js | onnx | keel-head | files */
  format: string;
  dtype?: Dtype;
  inputSchema?: OnnxSchema;
  versionId?: string;
  /** pipeline task when known (config.json or the registered model) */
  task?: string | null;
  /** registered model name and version number (registry versions) */
  model?: string;
  version?: number;
  /** a keel-head classifier (format keel-head): its keel-head.json and the embedding model it runs on */
  head?: { config: HeadConfig; embedder: ModelSource };
}

/** A source, or a name: a bundled model (`tiny-gpt2`), an absolute folder or .onnx file, or a hub id. */
export type SourceLike = string | ModelSource;

const isOnnxFile = (p: string) => p.endsWith(".onnx");

/** Bundled folder names, for error messages. */
function bundledNames(): string[] {
  const dir = modelsDir();
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(dir, d.name, "config.json")))
    .map((d) => d.name)
    .sort();
}

/** Turn a name into a source; throws a 404 DomainError naming the options when nothing matches. */
export function resolveSource(input: SourceLike): ModelSource {
  if (typeof input !== "string") return input;
  const name = input.trim();
  if (!name) throw new DomainError("BAD_REQUEST", "model name is empty", "model");
  if (path.isAbsolute(name)) {
    if (!fs.existsSync(name)) throw new DomainError("NOT_FOUND", `no model at ${name}`, "model");
    if (fs.existsSync(path.join(name, HEAD_CONFIG_FILE)))
      return headSource({ kind: "path", key: `path:${name}`, location: name, format: "keel-head" });
    const format = isOnnxFile(name) ? "onnx" : "transformers.js";
    return { kind: "path", key: `path:${name}`, location: name, format };
  }
  if (/^[\w.-]+$/.test(name) && !name.startsWith(".")) {
    const dir = path.join(modelsDir(), name);
    if (fs.existsSync(path.join(dir, "config.json")))
      return { kind: "bundled", key: `bundled:${name}`, location: dir, format: "transformers.js" };
  }
  if (!env.KEEL_ALLOW_REMOTE_MODELS)
    throw new DomainError(
      "NOT_FOUND",
      `model "${name}" is not a bundled model (${bundledNames().join(", ") || "none in KEEL_MODELS_DIR"}) and downloading from Hugging Face is off; set KEEL_ALLOW_REMOTE_MODELS=1 to allow it`,
      "model",
    );
  if (!/^[\w.-]+(\/[\w.-]+)?$/.test(name) || name.includes(".."))
    throw new DomainError("BAD_REQUEST", `"${name}" is not a Hugging Face model id`, "model");
  return { kind: "hub", key: `hub:${name}`, location: name, format: "transformers.js" };
}

/**
 * A registry version (by number or alias) as a loadable source: its files are materialized from the
 * artifact store into <KEEL_DATA_DIR>/model-cache/<versionId>/ on first use.
 */
export async function sourceFromVersion(
  db: DbOrTx,
  projectId: string,
  model: string,
  ref: number | string,
  opts: { dtype?: Dtype } = {},
): Promise<ModelSource> {
  const v = await resolveVersion(db, projectId, model, ref, { kind: "model" });
  if (v.status !== "ready") throw new DomainError("PRECONDITION_FAILED", `version ${v.version} of ${model} is ${v.status}, not ready`);
  if (v.format === "uri")
    throw new DomainError("BAD_REQUEST", `version ${v.version} of ${model} points at a URI; it cannot be loaded locally`);
  const files = await versionFiles(db, v.id);
  const dir = await materializeVersion(v.id, files);
  const meta = v.metadata as { inputSchema?: OnnxSchema; task?: string };
  let location = dir;
  if (v.format === "onnx") {
    const onnx = files.find((f) => isOnnxFile(f.path));
    if (!onnx) throw new DomainError("PRECONDITION_FAILED", `version ${v.version} of ${model} has no .onnx file`);
    location = path.join(dir, ...onnx.path.split("/"));
  }
  const source: ModelSource = {
    kind: "version",
    key: `version:${v.id}`,
    location,
    format: v.format,
    dtype: opts.dtype,
    inputSchema: meta.inputSchema,
    versionId: v.id,
    task: meta.task ?? null,
    model: v.model,
    version: v.version,
  };
  if (v.format !== "keel-head") return source;
  const config = readHeadConfig(dir);
  if (!config) throw new DomainError("PRECONDITION_FAILED", `version ${v.version} of ${model} has no ${HEAD_CONFIG_FILE}`);
  const e = config.embedding;
  let embedder: ModelSource;
  if (e.source === "registry") {
    const ev = await sourceFromVersion(db, projectId, e.model, e.version as number, opts);
    if (ev.versionId !== e.versionId)
      throw new DomainError(
        "PRECONDITION_FAILED",
        `version ${v.version} of ${model} was trained on ${e.model} version ${e.version} (${e.versionId}), which is not in this project any more`,
      );
    embedder = ev;
  } else embedder = embedderWithoutDb(config);
  return { ...source, task: "text-classification", head: { config, embedder } };
}

/** The embedding model of a head, for sources resolved without a database (bundled, path, hub, or a registry version already materialized). */
function embedderWithoutDb(config: HeadConfig): ModelSource {
  const e = config.embedding;
  if (e.source !== "registry") return resolveSource(e.model);
  const dir = path.join(modelCacheDir(), e.versionId as string);
  if (!/^[0-9a-f-]{36}$/i.test(e.versionId ?? "") || !fs.existsSync(dir))
    throw new DomainError(
      "PRECONDITION_FAILED",
      `this head runs on registered model ${e.model} version ${e.version}; load it through the registry (sourceFromVersion)`,
      "model",
    );
  return {
    kind: "version",
    key: `version:${e.versionId}`,
    location: dir,
    format: "transformers.js",
    versionId: e.versionId,
    model: e.model,
    version: e.version,
  };
}

/** Fill in a keel-head source's config and embedding model (when not already known). */
export function headSource(source: ModelSource): ModelSource {
  if (source.head) return source;
  const config = readHeadConfig(source.location);
  if (!config) throw new DomainError("PRECONDITION_FAILED", `${source.key} has no ${HEAD_CONFIG_FILE}`, "model");
  return { ...source, format: "keel-head", task: "text-classification", head: { config, embedder: embedderWithoutDb(config) } };
}

const VARIANT = /_(quantized|fp16|q8|int8|uint8|q4|q4f16|bnb4)\.onnx$/;
const SUFFIX: Record<Dtype, string> = { fp32: "", fp16: "_fp16", q8: "_quantized", int8: "_int8", uint8: "_uint8", q4: "_q4" };

/**
 * Estimated resident size of a transformers.js model folder loaded at `dtype`: the bytes of the
 * ONNX files of that precision (and their external data). A hub model is measured in the download
 * cache after loading.
 */
export function estimateBytes(folder: string, dtype: Dtype = "fp32"): number {
  if (isOnnxFile(folder)) return fs.existsSync(folder) ? fs.statSync(folder).size : 0;
  const onnxDir = path.join(folder, "onnx");
  if (!fs.existsSync(onnxDir)) return 0;
  let total = 0;
  for (const f of fs.readdirSync(onnxDir)) {
    const base = f.replace(/\.onnx_data(_\d+)?$/, ".onnx");
    if (!base.endsWith(".onnx")) continue;
    const matches = dtype === "fp32" ? !VARIANT.test(base) : base.endsWith(`${SUFFIX[dtype]}.onnx`);
    if (matches) total += fs.statSync(path.join(onnxDir, f)).size;
  }
  return total;
}
