/**
 * Builds test/fixtures/routing/sentiment-routing.jsonl: a labelled set for router evaluation
 * (`keel router eval`, issue 6) from the bundled sentiment data and models, offline.
 *
 * Items: 400 texts of the test split of shared/datasets/sentiment.tsv.gz (label, split, text; held
 * out from the bundled classifier's training), drawn by a seeded shuffle (seed 6). Each line is
 * {"prompt": text, "small_quality": 0|1, "large_quality": 0|1}: 1 when that model's label is right.
 *
 * The two models are real classifiers run here through transformers.js, with no network:
 * - large: models/tiny-bert-sentiment on the whole text.
 * - small: the same model shown only the text's first 4 words. It stands for a cheap model with a
 *   short reach: right when the sentiment cue comes early ("I love the headphones."), guessing when
 *   the cue comes late or after a turn ("I expected it to be weak, but the dashboard turned out
 *   solid."). That makes its errors depend on the prompt, which is what a router can learn; a random
 *   label-noise "small model" would leave nothing to learn. (A keyword lexicon was the other option;
 *   we would have written its word list after reading this data, so it would know the set too well.)
 * On the test split the small model is right about 69% of the time, the large one 100%.
 *
 * Usage: npx tsx bench/make-routing-set.ts [--n 400] [--out test/fixtures/routing/sentiment-routing.jsonl]
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { gunzipSync } from "node:zlib";
import { env, pipeline } from "@huggingface/transformers";
import { seededRandom, shuffled } from "../server/routing";

const ROOT = path.resolve(import.meta.dirname, "..");
const { values } = parseArgs({
  options: {
    n: { type: "string", default: "400" },
    out: { type: "string", default: path.join(ROOT, "test/fixtures/routing/sentiment-routing.jsonl") },
  },
});
const N = Number(values.n);
const SMALL_WORDS = 4;

const DATA = [path.join(ROOT, "../shared/datasets/sentiment.tsv.gz"), path.join(ROOT, "bench/data/sentiment.tsv.gz")].find((p) =>
  fs.existsSync(p),
);
if (!DATA) throw new Error("sentiment.tsv.gz not found (../shared/datasets or bench/data)");
const rows = gunzipSync(fs.readFileSync(DATA))
  .toString("utf8")
  .split("\n")
  .map((l) => l.split("\t"))
  .filter((r) => r[1] === "test" && r[2])
  .map((r) => ({ label: r[0] === "1" ? "POSITIVE" : "NEGATIVE", text: r[2] as string }));
const items = shuffled(rows, seededRandom(6)).slice(0, N);

env.localModelPath = path.join(ROOT, "models/");
env.allowRemoteModels = false;
type Classifier = (texts: string[]) => Promise<Array<{ label: string; score: number }>>;
const classify = (await pipeline("text-classification", "tiny-bert-sentiment", { dtype: "fp32" })) as unknown as Classifier;

async function labels(texts: string[]): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < texts.length; i += 64) out.push(...(await classify(texts.slice(i, i + 64))).map((r) => r.label));
  return out;
}

const large = await labels(items.map((it) => it.text));
const small = await labels(items.map((it) => it.text.split(/\s+/).slice(0, SMALL_WORDS).join(" ")));
const lines = items.map((it, i) =>
  JSON.stringify({ prompt: it.text, small_quality: small[i] === it.label ? 1 : 0, large_quality: large[i] === it.label ? 1 : 0 }),
);
fs.mkdirSync(path.dirname(values.out), { recursive: true });
fs.writeFileSync(values.out, `${lines.join("\n")}\n`);
const acc = (xs: string[]) => xs.filter((l, i) => l === items[i]?.label).length / items.length;
console.log(
  `${items.length} lines -> ${path.relative(ROOT, values.out)}; small accuracy ${acc(small).toFixed(3)}, large ${acc(large).toFixed(3)}`,
);
