import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { modelsDir } from "../../env";
import { addVersion, parseDataset } from "../../server/datasets";
import { registerLocal, resolveVersion } from "../../server/registry";
import { createDeployment, unloadModels } from "../../server/serving";
import { type AgentHandle, createJob, getJob, startTuningAgent } from "../../server/tuning";
import { pythonTrainer } from "../../server/tuning/run-python";
import { SYSTEM_ACTOR } from "../../server/workspace";
import { makeKey, makeProject } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";
import { waitFor } from "../helpers/wait";
import { type KeelServer, startKeel } from "../sdk/helpers";
import { missingPython, repo, runTrainer, sentimentRows, type Verify } from "./python-helpers";

/**
 * Fine-tuning beyond GPT-2: for each Llama-family shape (Llama, Qwen2 with q/k/v biases and an untied
 * head, Mistral), a tiny random-initialised model is built here (2 layers, hidden 64, grouped-query
 * attention, tiny-gpt2's tokenizer; nothing downloaded) and saved in the transformers.js layout by the
 * trainer's own exporter (workers/trainers/make_tiny.py), registered in Keel, fine-tuned a few LoRA
 * steps on the CPU by a tuning job, and the new version served by Keel's gateway (transformers.js)
 * must decode the trainer's own greedy tokens, which the trainer checked against onnxruntime and
 * left on the version (metadata.exportCheck). A base of an architecture the trainer does not know
 * is refused with a 400 naming it, and the trainer itself fails naming it.
 */
const skip = missingPython();
/** make_tiny.py specs: Qwen2 with its own lm_head (its checkpoints of 7B and up do not tie it) */
const FAMILIES = [
  { type: "llama", spec: "llama" },
  { type: "qwen2", spec: "qwen2:untied" },
  { type: "mistral", spec: "mistral" },
] as const;

describe.skipIf(Boolean(skip))(`lora on Llama-family models${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let d: TestDatabase;
  let keel: KeelServer;
  let agent: AgentHandle;
  let projectId: string;
  let key: string;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "keel-decoders-"));

  beforeAll(async () => {
    // workers/trainers/make_tiny.py: tmp/tiny-<type>, each a tiny random model in the transformers.js layout
    const made = spawnSync(
      "python3",
      [
        path.join(repo, "workers/trainers/make_tiny.py"),
        tmp,
        ...FAMILIES.map((f) => f.spec),
        "--tokenizer-from",
        path.join(modelsDir(), "tiny-gpt2"),
      ],
      { encoding: "utf8", timeout: 180_000 },
    );
    if (made.status !== 0) throw new Error(`make_tiny.py failed: ${made.stderr.slice(-2000)}`);
    d = await freshRuntimeDatabase();
    keel = await startKeel();
    const p = await makeProject(d.db);
    projectId = p.project.id;
    key = (await makeKey(d.db, projectId, p.owner.user.id, "engineer")).key;
    const rows = sentimentRows(16)
      .split("\n")
      .map((l) => JSON.parse(l) as { prompt: string; completion: string })
      .map((r) => JSON.stringify({ input: r.prompt, references: [r.completion.trim()], metadata: { split: "train" } }))
      .join("\n");
    await addVersion(d.db, SYSTEM_ACTOR, projectId, "reviews", parseDataset(Buffer.from(rows), "jsonl"), {
      kind: "upload",
      format: "jsonl",
      filename: "reviews.jsonl",
    });
    agent = await startTuningAgent({ db: d.db, trainers: { lora: pythonTrainer("lora") }, capabilities: { gpus: [] }, pollMs: 200 });
  }, 240_000);

  afterAll(async () => {
    await agent?.stop();
    await keel?.close();
    await unloadModels();
    await d?.drop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  for (const family of FAMILIES) {
    it(`fine-tunes a tiny ${family.type} with lora and the gateway decodes the export to the trainer's tokens`, async () => {
      const name = `tiny-${family.type}`;
      await registerLocal(d.db, SYSTEM_ACTOR, projectId, name, { path: path.join(tmp, name) });
      const job = await createJob(d.db, SYSTEM_ACTOR, projectId, {
        method: "lora",
        base: { model: name, version: 1 },
        dataset: { name: "reviews" },
        hyperparameters: { r: 4, alpha: 8, learningRate: 1e-3, maxSteps: 3, batchSize: 4, maxLength: 48 },
        outputModel: `${name}-sft`,
        seed: 1,
      });
      const done = await waitFor(
        `the ${family.type} lora job`,
        async () => {
          const j = await getJob(d.db, projectId, job.id);
          return j.status === "failed" || j.status === "succeeded" ? j : null;
        },
        180_000,
      );
      expect(done.error).toBeNull();
      expect(done.status).toBe("succeeded");
      expect(done.metrics?.steps).toBe(3);
      expect(done.metrics?.max_weight_delta).toBeGreaterThan(0);

      const version = await resolveVersion(d.db, projectId, `${name}-sft`, 1);
      expect(version.format).toBe("transformers.js");
      const check = (version.metadata as { exportCheck?: Verify[] }).exportCheck ?? [];
      expect(check.length).toBeGreaterThan(0);
      await createDeployment(d.db, SYSTEM_ACTOR, projectId, {
        name: `${name}-sft`,
        kind: "local",
        task: "completion",
        modelName: `${name}-sft`,
        modelRef: "1",
        inputPricePer1k: 0,
        outputPricePer1k: 0,
        defaults: {},
        batching: { windowMs: 5, maxBatch: 16 },
      });
      const openai = new OpenAI({ apiKey: key, baseURL: `${keel.url}/api/v1`, maxRetries: 0 });
      for (const v of check) {
        const res = await openai.completions.create({ model: `${name}-sft`, prompt: v.prompt, max_tokens: 8, temperature: 0 });
        expect(res.choices[0]?.text, v.prompt).toBe(v.text);
        expect(res.usage?.completion_tokens).toBe(v.tokens.length);
      }
    }, 240_000);
  }

  it("refuses a base model of an architecture the trainer does not know, naming it", async () => {
    const src = path.join(tmp, "tiny-llama");
    const odd = path.join(tmp, "tiny-falcon");
    fs.cpSync(src, odd, { recursive: true });
    const config = JSON.parse(fs.readFileSync(path.join(odd, "config.json"), "utf8"));
    fs.writeFileSync(
      path.join(odd, "config.json"),
      JSON.stringify({ ...config, model_type: "falcon", architectures: ["FalconForCausalLM"] }),
    );
    await registerLocal(d.db, SYSTEM_ACTOR, projectId, "tiny-falcon", { path: odd });
    const launch = createJob(d.db, SYSTEM_ACTOR, projectId, {
      method: "lora",
      base: { model: "tiny-falcon", version: 1 },
      dataset: { name: "reviews" },
    });
    await expect(launch).rejects.toMatchObject({ code: "BAD_REQUEST", field: "base" });
    await expect(launch).rejects.toThrow(/falcon \(FalconForCausalLM\) is not supported.*gpt2, llama, mistral, qwen2/);

    // the trainer itself, given such a folder directly: one error line naming it, before any training
    fs.writeFileSync(path.join(tmp, "rows.jsonl"), `${sentimentRows(2)}\n`);
    const cfg = path.join(tmp, "falcon.json");
    fs.writeFileSync(
      cfg,
      JSON.stringify({ base_model_dir: odd, dataset_path: path.join(tmp, "rows.jsonl"), output_dir: path.join(tmp, "x") }),
    );
    const run = await runTrainer(cfg);
    expect(run.code).toBe(1);
    expect(run.lines.at(-1)).toMatchObject({
      type: "error",
      message: expect.stringMatching(/'falcon' \(FalconForCausalLM\) is not supported/),
    });
  }, 120_000);
});
