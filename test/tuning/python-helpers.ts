import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { modelsDir } from "../../env";

/** Shared by the tests of the Python SFT trainer (`workers/trainers/sft.py`): lora, full and decoders tests. */
export const repo = path.resolve(import.meta.dirname, "../..");
export const trainer = path.join(repo, "workers/trainers/sft.py");
const python = "python3";

/**
 * Why the trainer cannot run here (a Python package that is not installed), or null. It looks the
 * packages up without importing them (importing torch takes seconds, at every test file's collection);
 * an installed but broken package fails the test instead of skipping it.
 */
export function missingPython(): string | null {
  const probe = spawnSync(
    python,
    [
      "-c",
      "import importlib.util, sys\nfor m in ('torch','transformers','tokenizers','onnx','onnxruntime','safetensors','peft'):\n  if importlib.util.find_spec(m) is None: sys.exit(f'{m}: not installed')",
    ],
    { encoding: "utf8", timeout: 60_000 },
  );
  if (probe.error) return `${python} cannot be run (${probe.error.message})`;
  if (probe.status !== 0) return `${python} cannot import ${probe.stderr.trim().split("\n").at(-1)}`;
  return null;
}

export type Line = { type: string; [k: string]: unknown };
export interface Verify {
  prompt: string;
  prompt_ids: number[];
  tokens: number[];
  text: string;
}
export type Result = Line & { files: string[]; metrics: Record<string, number>; adapter: string | null; verify: Verify[] };

export function runTrainer(configPath: string): Promise<{ code: number | null; lines: Line[]; stderr: string; raw: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [trainer, configPath], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const raw = out.split("\n").filter((l) => l.length > 0);
      resolve({ code, raw, stderr, lines: raw.map((l) => JSON.parse(l) as Line) });
    });
  });
}

/** The first n train rows of the sentiment fixture as JSONL prompt/completion rows. */
export function sentimentRows(n: number): string {
  const tsv = zlib.gunzipSync(fs.readFileSync(path.resolve(repo, "test/fixtures/tuning/sentiment.tsv.gz"))).toString("utf8");
  return tsv
    .split("\n")
    .filter((l) => l.split("\t")[1] === "train")
    .slice(0, n)
    .map((l) => {
      const [label, , text] = l.split("\t");
      return JSON.stringify({ prompt: `Review: ${text}\nSentiment:`, completion: label === "1" ? " positive" : " negative" });
    })
    .join("\n");
}

/** The prompts the trainer's export check decodes in these tests (one the base model continues, one review). */
export const VERIFY_PROMPTS = ["The Python interpreter", "Review: the soup was cold and the waiter was rude.\nSentiment:"];

/**
 * sft.py on the CPU with tiny-gpt2: the first `rows` sentiment rows in `dir/train.jsonl`, the model
 * written to `dir/out`, the export checked on VERIFY_PROMPTS; `config` adds or overrides keys.
 */
export function trainTiny(dir: string, rows: number, config: Record<string, unknown>) {
  fs.writeFileSync(path.join(dir, "train.jsonl"), `${sentimentRows(rows)}\n`);
  const file = path.join(dir, "config.json");
  fs.writeFileSync(
    file,
    JSON.stringify({
      base_model_dir: path.join(modelsDir(), "tiny-gpt2"),
      dataset_path: path.join(dir, "train.jsonl"),
      output_dir: path.join(dir, "out"),
      device: "cpu",
      threads: 2,
      verify_prompts: VERIFY_PROMPTS,
      verify_max_new_tokens: 8,
      ...config,
    }),
  );
  return runTrainer(file);
}
