import type { DbOrTx } from "../../db/client";
import { artifactStore } from "../core/artifacts";
import { DomainError } from "../core/errors";
import { versionFiles } from "../registry";

/**
 * The config.json `model_type` values the Python SFT trainers (`lora`, `full`) rebuild, train and
 * export; the same list as `ARCHITECTURES` in workers/trainers/decoder_onnx.py (SmolLM and TinyLlama
 * are `llama`).
 */
export const SFT_ARCHITECTURES = ["gpt2", "llama", "mistral", "qwen2"] as const;

/** config.json is a few kB; a larger one is not a transformers config and is not read here. */
const MAX_CONFIG_BYTES = 1 << 20;

/**
 * Refuse a lora/full job whose base model is of an architecture the trainer does not know, with a 400
 * naming it, before anything is queued. The base version's config.json is read from the artifact
 * store; a version without one passes here, and the trainer fails naming what it found.
 */
export async function checkSftArchitecture(db: DbOrTx, method: string, base: { id: string; model: string; version: number }) {
  if (method !== "lora" && method !== "full") return;
  const file = (await versionFiles(db, base.id)).find((f) => f.path === "config.json");
  if (!file || file.size > MAX_CONFIG_BYTES) return;
  const chunks: Buffer[] = [];
  for await (const c of artifactStore().open(file.sha256)) chunks.push(c as Buffer);
  let config: { model_type?: unknown; architectures?: unknown };
  try {
    config = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    return; // not JSON: the trainer reports it
  }
  const type = typeof config.model_type === "string" ? config.model_type : null;
  if (type && (SFT_ARCHITECTURES as readonly string[]).includes(type)) return;
  const arch = Array.isArray(config.architectures) ? config.architectures.join(", ") : "no architectures";
  throw new DomainError(
    "BAD_REQUEST",
    `${method} cannot train ${base.model} v${base.version}: its architecture ${type ?? "(no model_type)"} (${arch}) is not supported; ` +
      `the trainer knows model_type ${SFT_ARCHITECTURES.join(", ")}`,
    "base",
  );
}
