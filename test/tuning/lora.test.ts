import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { modelsDir } from "../../env";
import { generate, unloadModels } from "../../server/serving";
import { withPipeline } from "../../server/serving/pipelines";
import { missingPython, type Result, runTrainer, trainTiny, VERIFY_PROMPTS } from "./python-helpers";

/**
 * workers/trainers/sft.py (method lora, the default) on the CPU for a few steps on tiny-gpt2: the
 * JSON-lines protocol, a finite loss, the transformers.js layout, and Keel's serving
 * (transformers.js) decoding the exported model greedily to the same text the trainer's PyTorch model
 * produced. Needs Python with torch, transformers, peft, onnx and onnxruntime; skipped, saying which import failed, where they are missing.
 */
const skip = missingPython();

describe.skipIf(Boolean(skip))(`lora trainer on the CPU${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let dir: string;
  let outDir: string;
  let run: Awaited<ReturnType<typeof runTrainer>>;
  const prompts = VERIFY_PROMPTS;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-lora-"));
    outDir = path.join(dir, "out");
    run = await trainTiny(dir, 24, {
      hyperparameters: { r: 4, alpha: 8, learning_rate: 1e-3, max_steps: 4, batch_size: 6, max_length: 64, seed: 1 },
    });
  }, 120_000);

  afterAll(async () => {
    await unloadModels();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("speaks the JSON-lines protocol and trains with a finite loss", () => {
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    const types = new Set(run.lines.map((l) => l.type));
    expect([...types].every((t) => ["log", "metric", "result"].includes(t))).toBe(true);
    const metrics = run.lines.filter((l) => l.type === "metric");
    expect(metrics.map((m) => m.step)).toEqual([1, 2, 3, 4]);
    for (const m of metrics) {
      expect(Number.isFinite(m.loss)).toBe(true);
      expect(m.learning_rate).toBeGreaterThan(0);
      expect(m.tokens_per_sec).toBeGreaterThan(0);
      expect(m.gpu_memory_mb).toBeNull();
    }
    const result = run.lines.at(-1) as Result;
    expect(result.type).toBe("result");
    expect(result.metrics.steps).toBe(4);
    expect(result.adapter).toBe("peft");
    expect(result.files.some((f) => f.startsWith("adapter/"))).toBe(true);
    expect(Number.isFinite(result.metrics.train_loss)).toBe(true);
    expect(result.files).toEqual(
      expect.arrayContaining(["config.json", "generation_config.json", "tokenizer.json", "onnx/model.onnx", "onnx/model_quantized.onnx"]),
    );
    for (const f of result.files) expect(fs.existsSync(path.join(outDir, f)), f).toBe(true);
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
    // together, so serving may batch them: left padding, attention mask and position ids through the cache
    const together = await Promise.all(result.verify.map((v) => generate(outDir, { prompt: v.prompt, maxTokens: 8 })));
    expect(together.map((g) => g.text)).toEqual(result.verify.map((v) => v.text));
    const q8 = await generate(
      { kind: "path", key: `path:${outDir}#q8`, location: outDir, format: "transformers.js", dtype: "q8" },
      { prompt: prompts[0] as string, maxTokens: 8 },
    );
    expect(q8.completionTokens).toBeGreaterThan(0);
  });

  it("fails with one error line and a non-zero exit on a bad dataset", async () => {
    fs.writeFileSync(path.join(dir, "bad.jsonl"), '{"text": "no prompt here"}\n');
    const config = {
      base_model_dir: path.join(modelsDir(), "tiny-gpt2"),
      dataset_path: path.join(dir, "bad.jsonl"),
      output_dir: path.join(dir, "bad"),
    };
    fs.writeFileSync(path.join(dir, "bad.json"), JSON.stringify(config));
    const bad = await runTrainer(path.join(dir, "bad.json"));
    expect(bad.code).toBe(1);
    expect(bad.lines.at(-1)).toMatchObject({ type: "error", message: expect.stringContaining("bad.jsonl line 1") });
  });
});
