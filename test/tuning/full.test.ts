import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { modelsDir } from "../../env";
import { generate, unloadModels } from "../../server/serving";
import { withPipeline } from "../../server/serving/pipelines";
import { missingPython, type Result, runTrainer, trainTiny, VERIFY_PROMPTS } from "./python-helpers";

/**
 * workers/trainers/sft.py with `method: "full"` on the CPU for a few steps on tiny-gpt2: every weight
 * trains (no adapter), the export keeps the tied lm_head/wte as one matrix, and Keel's serving
 * (transformers.js) decodes the exported model greedily to the trainer's own tokens. A bad method is
 * one error line naming `method`. Needs Python with torch, transformers, onnx and onnxruntime;
 * skipped, saying which import failed, where they are missing.
 */
const skip = missingPython();

describe.skipIf(Boolean(skip))(`full fine-tuning trainer on the CPU${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let dir: string;
  let outDir: string;
  let run: Awaited<ReturnType<typeof runTrainer>>;
  const prompts = VERIFY_PROMPTS;
  const base = () => path.join(modelsDir(), "tiny-gpt2");

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-full-"));
    outDir = path.join(dir, "out");
    run = await trainTiny(dir, 12, {
      method: "full",
      // r is LoRA-only: ignored here, even when invalid
      hyperparameters: { r: 0, learning_rate: 1e-4, weight_decay: 0.01, max_steps: 3, batch_size: 4, max_length: 48, seed: 1 },
    });
  }, 120_000);

  afterAll(async () => {
    await unloadModels();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("trains every weight, speaks the JSON-lines protocol and writes no adapter", () => {
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    expect(run.lines.every((l) => ["log", "metric", "result"].includes(l.type))).toBe(true);
    expect(run.lines.some((l) => l.type === "log" && /^full fine-tuning: [1-9]\d* trainable parameters$/.test(String(l.message)))).toBe(
      true,
    );
    const metrics = run.lines.filter((l) => l.type === "metric");
    expect(metrics.map((m) => m.step)).toEqual([1, 2, 3]);
    for (const m of metrics) {
      expect(Number.isFinite(m.loss)).toBe(true);
      expect(m.learning_rate).toBeGreaterThan(0);
      expect(m.gpu_memory_mb).toBeNull();
    }
    const result = run.lines.at(-1) as Result;
    expect(result.type).toBe("result");
    expect(result.adapter).toBeNull();
    expect(result.metrics.steps).toBe(3);
    expect(Number.isFinite(result.metrics.train_loss)).toBe(true);
    expect(result.metrics.max_weight_delta).toBeGreaterThan(0);
    expect(result.files).toEqual(expect.arrayContaining(["config.json", "tokenizer.json", "onnx/model.onnx", "onnx/model_quantized.onnx"]));
    expect(result.files.filter((f) => f.startsWith("adapter/"))).toEqual([]);
    expect(fs.existsSync(path.join(outDir, "adapter"))).toBe(false);
    for (const f of result.files) expect(fs.existsSync(path.join(outDir, f)), f).toBe(true);
    // tied embeddings: the graph's output projection is wte itself, no separate lm_head initializer
    const onnx = fs.readFileSync(path.join(outDir, "onnx/model.onnx"));
    expect(onnx.includes("transformer.wte.weight")).toBe(true);
    expect(onnx.includes("lm_head.weight")).toBe(false);
  });

  it("exports a model that Keel's serving decodes greedily to the trainer's own tokens", async () => {
    const result = run.lines.at(-1) as Result;
    expect(result.verify.map((v) => v.prompt)).toEqual(prompts);
    for (const v of result.verify) {
      const ids = await withPipeline("text-generation", outDir, async (p) => Array.from(p.tokenizer.encode(v.prompt)));
      expect(ids).toEqual(v.prompt_ids);
      const g = await generate(outDir, { prompt: v.prompt, maxTokens: 8 });
      expect(g.text).toBe(v.text);
    }
    expect(result.verify.some((v) => v.text.length > 0)).toBe(true);
  });

  it("fails with one error line naming method on a bad method", async () => {
    const config = {
      base_model_dir: base(),
      dataset_path: path.join(dir, "train.jsonl"),
      output_dir: path.join(dir, "bad"),
      method: "qlora",
    };
    fs.writeFileSync(path.join(dir, "bad.json"), JSON.stringify(config));
    const bad = await runTrainer(path.join(dir, "bad.json"));
    expect(bad.code).toBe(1);
    expect(bad.lines).toHaveLength(1);
    expect(bad.lines[0]).toMatchObject({ type: "error", message: expect.stringContaining("method") });
    expect(fs.existsSync(path.join(dir, "bad"))).toBe(false);
  });
});
