import fs from "node:fs";
import path from "node:path";
import { taskFromConfig } from "../registry";

export interface LocalModel {
  /** Folder name under the models dir; the id transformers.js loads it by. */
  id: string;
  task: "text-generation" | "feature-extraction" | "text-classification" | "unknown";
  architecture: string;
  /** ONNX files present, with sizes in bytes. */
  files: { name: string; bytes: number }[];
}

/** The models bundled under `dir` (see models/README.md); read from disk, nothing downloaded. */
export function listLocalModels(dir: string): LocalModel[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(dir, d.name, "config.json")))
    .map((d) => {
      const folder = path.join(dir, d.name);
      const config = JSON.parse(fs.readFileSync(path.join(folder, "config.json"), "utf8"));
      const onnxDir = path.join(folder, "onnx");
      const files = fs.existsSync(onnxDir)
        ? fs
            .readdirSync(onnxDir)
            .filter((f) => f.endsWith(".onnx"))
            .sort()
            .map((name) => ({ name: `onnx/${name}`, bytes: fs.statSync(path.join(onnxDir, name)).size }))
        : [];
      return {
        id: d.name,
        task: (taskFromConfig(config) ?? "unknown") as LocalModel["task"],
        architecture: config.architectures?.[0] ?? config.model_type ?? "unknown",
        files,
      };
    })
    .sort((a, b) => a.id.localeCompare(b.id));
}
