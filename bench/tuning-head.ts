/**
 * Head trainer benchmark (figures go to BENCHMARKS.md, "Tuning: head trainer (issue 7)"): trains a
 * head over the bundled tiny-bert-embed on the whole train split of the sentiment set and reports
 * embedding throughput (distinct texts/s), head-training throughput (train examples × epochs / s)
 * and test accuracy on the whole test split.
 * Usage: npm run bench:tuning [-- --kind mlp --epochs 8 --hidden 256 --seed 0 --data <file.tsv.gz>]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { unloadModels } from "../server/serving";
import { type HeadRow, trainHead } from "../server/tuning/trainers/head";

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const num = (name: string) => (arg(name) === undefined ? undefined : Number(arg(name)));

const candidates = [
  arg("data"),
  path.join(import.meta.dirname, "..", "test", "fixtures", "tuning", "sentiment.tsv.gz"),
  path.resolve(import.meta.dirname, "..", "..", "shared", "datasets", "sentiment.tsv.gz"),
].filter((p): p is string => !!p);
const data = candidates.find((p) => fs.existsSync(p));
if (!data) {
  console.error(`no sentiment.tsv.gz (looked at ${candidates.join(", ")})`);
  process.exit(1);
}

const rows: HeadRow[] = zlib
  .gunzipSync(fs.readFileSync(data))
  .toString("utf8")
  .split("\n")
  .filter(Boolean)
  .map((line) => {
    const [label = "", split = "", ...text] = line.split("\t");
    return { label: label === "1" ? "POSITIVE" : "NEGATIVE", split: split as HeadRow["split"], text: text.join("\t") };
  });

const hyper = {
  kind: arg("kind") as "logistic" | "mlp" | undefined,
  epochs: num("epochs"),
  hidden: num("hidden"),
  learningRate: num("lr"),
  batchSize: num("batch"),
  l2: num("l2"),
};
async function main() {
  const started = performance.now();
  const r = await trainHead({
    embedder: "tiny-bert-embed",
    rows,
    hyper,
    seed: num("seed") ?? 0,
    onLog: (l) => console.log(`  ${l}`),
  });
  const total = (performance.now() - started) / 1000;
  const m = r.metrics;
  const h = (r.config.training as { hyper: Record<string, unknown> }).hyper;
  console.log(
    `\nmachine: ${os.cpus()[0]?.model ?? "?"} x${os.cpus().length}, load ${os.loadavg()[0]?.toFixed(2)}, node ${process.version}`,
  );
  console.log(`data: ${data} (${m.train_examples} train, ${m.test_examples} test)`);
  console.log(`head: ${JSON.stringify(h)}`);
  console.log(`| embedding (texts/s) | head training (examples/s) | train accuracy | test accuracy | total s |`);
  console.log(
    `| ${m.embed_examples_per_sec.toFixed(0)} | ${m.examples_per_sec.toFixed(0)} | ${(m.train_accuracy * 100).toFixed(2)}% | ${((m.test_accuracy ?? 0) * 100).toFixed(2)}% | ${total.toFixed(1)} |`,
  );
  console.log(`head.onnx ${r.files[0]?.bytes.length} bytes`);
  await unloadModels();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
