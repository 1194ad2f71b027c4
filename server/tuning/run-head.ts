import fsp from "node:fs/promises";
import path from "node:path";
import type { ModelSource } from "../serving";
import type { Trainer } from "./trainer";
import { trainHead } from "./trainers/head";

/** The `head` trainer on a worker: embeddings from the base version, a head trained in TypeScript, head.onnx + keel-head.json out. */
export const headTrainer: Trainer = async (run) => {
  // the base version from its materialized folder, named as the registry names it (keel-head.json records it)
  const embedder: ModelSource = {
    kind: "version",
    key: `version:${run.base.versionId}`,
    location: run.baseDir,
    format: run.base.format,
    versionId: run.base.versionId,
    task: run.base.task,
    model: run.base.model,
    version: run.base.version,
  };
  const epochs = Number(run.hyperparameters.epochs ?? 1);
  const result = await trainHead({
    embedder,
    rows: run.examples,
    hyper: run.hyperparameters,
    seed: run.job.seed,
    signal: run.signal,
    onLog: (line) => run.log(line),
    onMetric: (m) => {
      run.metric(m.step, { loss: m.loss, learning_rate: m.learningRate, examples_per_sec: m.examplesPerSec, epoch: m.epoch });
      run.progress(Math.min(0.99, m.epoch / epochs), `epoch ${m.epoch} of ${epochs}, loss ${m.loss.toFixed(4)}`);
    },
  });
  const dir = path.join(run.workDir, "out");
  await fsp.mkdir(dir, { recursive: true });
  for (const f of result.files) await fsp.writeFile(path.join(dir, f.path), f.bytes);
  const metrics: Record<string, number> = {};
  for (const [k, v] of Object.entries(result.metrics)) if (typeof v === "number" && Number.isFinite(v)) metrics[k] = v;
  run.log(`test accuracy ${result.metrics.test_accuracy ?? "n/a"}, train accuracy ${result.metrics.train_accuracy}`);
  return { dir, metrics, task: "text-classification", format: "keel-head", metadata: { labels: result.labels } };
};
