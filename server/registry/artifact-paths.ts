/**
 * Artifact paths are relative POSIX paths inside a version ("onnx/model.onnx"): no absolute paths,
 * no `.` or `..` segments, no backslashes or control characters, so a download can never escape
 * the version and `keel models download` can never write outside its target folder.
 */
export function checkArtifactPath(path: string): string | null {
  if (!path) return "is empty";
  if (path.length > 500) return "is longer than 500 characters";
  if (path.startsWith("/")) return "must be relative";
  if (/[\\\p{Cc}]/u.test(path)) return "contains a backslash or control character";
  const segs = path.split("/");
  if (segs.some((s) => s === "" || s === "." || s === "..")) return "has an empty, . or .. segment";
  return null;
}

/**
 * What a set of files is: a transformers.js folder (config.json + onnx/*.onnx), a keel-head
 * classifier (keel-head.json + head.onnx: an ONNX head over a named embedding model, task
 * text-classification), one ONNX graph, or plain files.
 */
export function detectFormat(paths: readonly string[]): "transformers.js" | "keel-head" | "onnx" | "files" {
  const set = new Set(paths);
  if (set.has("keel-head.json") && set.has("head.onnx")) return "keel-head";
  if (set.has("config.json") && paths.some((p) => /^onnx\/[^/]+\.onnx$/.test(p))) return "transformers.js";
  if (paths.length === 1 && paths[0]?.endsWith(".onnx")) return "onnx";
  return "files";
}

/** The pipeline task a format implies by itself (a keel-head is always a text classifier). */
export function taskFromFormat(format: string): string | null {
  return format === "keel-head" ? "text-classification" : null;
}

/** Pipeline task from a transformers.js config.json, when it says. */
export function taskFromConfig(config: { architectures?: string[] } | null): string | null {
  const arch = config?.architectures?.[0] ?? "";
  if (/ForCausalLM$|LMHeadModel$/.test(arch)) return "text-generation";
  if (/ForSequenceClassification$/.test(arch)) return "text-classification";
  if (/Model$/.test(arch)) return "feature-extraction";
  return null;
}
