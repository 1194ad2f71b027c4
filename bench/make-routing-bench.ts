/**
 * Builds test/fixtures/routing/sentiment-routing-bench.jsonl: the router benchmark set of issue 17
 * (`keel router eval`, BENCHMARKS.md "Learned router kinds on the sentiment benchmark set"), from the
 * bundled sentiment data and model, offline. Not built from RouteLLM's MMLU/GSM8K data.
 *
 * Items: every text of the test split of shared/datasets/sentiment.tsv.gz (2,415; held out from the
 * bundled classifier's training), in file order. Each line is
 * {"prompt": text, "small_quality": 0|1, "large_quality": 0|1}: 1 when that model's label is right.
 *
 * The two models are real classifiers of different strength, both run here:
 * - large: models/tiny-bert-sentiment on the whole text (transformers.js, no network).
 * - small: a multinomial naive Bayes classifier over lowercased words (Laplace smoothing 1, class
 *   priors), trained here on SMALL_TRAIN texts of the train split drawn by a seeded shuffle (seed 17).
 *   A cheap model of the ordinary kind: it sees a bag of words, so word order, negation ("not
 *   reliable at all") and turns ("I expected it to be brilliant, but ... turned out disappointing")
 *   defeat it, and words it never saw in its small slice carry nothing. Why this is honest: its
 *   errors come from how it was built, not from anything fitted to the benchmark; it never sees the
 *   test split, its training slice and size were fixed before any router was evaluated on the set,
 *   and no router hyper-parameter was chosen on this file (they are the defaults of the router
 *   modules, chosen inside each training split). The earlier 400-line set's small model (the same
 *   BERT shown the first 4 words) is kept for issue 6's figures; this one is a different model
 *   family, weaker in a different way.
 *
 * Usage: npx tsx bench/make-routing-bench.ts [--small-train 200] [--out test/fixtures/routing/sentiment-routing-bench.jsonl]
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
    "small-train": { type: "string", default: "200" },
    out: { type: "string", default: path.join(ROOT, "test/fixtures/routing/sentiment-routing-bench.jsonl") },
  },
});
const SMALL_TRAIN = Number(values["small-train"]);

const DATA = [path.join(ROOT, "../shared/datasets/sentiment.tsv.gz"), path.join(ROOT, "bench/data/sentiment.tsv.gz")].find((p) =>
  fs.existsSync(p),
);
if (!DATA) throw new Error("sentiment.tsv.gz not found (../shared/datasets or bench/data)");
const all = gunzipSync(fs.readFileSync(DATA))
  .toString("utf8")
  .split("\n")
  .map((l) => l.split("\t"))
  .filter((r) => r[2])
  .map((r) => ({ label: r[0] === "1" ? "POSITIVE" : "NEGATIVE", split: r[1], text: r[2] as string }));
const test = all.filter((r) => r.split === "test");
const smallTrain = shuffled(
  all.filter((r) => r.split === "train"),
  seededRandom(17),
).slice(0, SMALL_TRAIN);

// ---- small: multinomial naive Bayes over words ----
const words = (t: string) => t.toLowerCase().match(/[a-z0-9']+/g) ?? [];
const counts = { POSITIVE: new Map<string, number>(), NEGATIVE: new Map<string, number>() };
const totals = { POSITIVE: 0, NEGATIVE: 0 };
const docs = { POSITIVE: 0, NEGATIVE: 0 };
const vocab = new Set<string>();
for (const r of smallTrain) {
  const c = r.label as keyof typeof counts;
  docs[c]++;
  for (const w of words(r.text)) {
    counts[c].set(w, (counts[c].get(w) ?? 0) + 1);
    totals[c]++;
    vocab.add(w);
  }
}
function naiveBayes(text: string): string {
  const score = (c: keyof typeof counts) =>
    Math.log(docs[c] / smallTrain.length) +
    words(text)
      .filter((w) => vocab.has(w))
      .reduce((a, w) => a + Math.log(((counts[c].get(w) ?? 0) + 1) / (totals[c] + vocab.size)), 0);
  // ties (no known word) go to the majority class of the slice, then POSITIVE
  return score("POSITIVE") >= score("NEGATIVE") ? "POSITIVE" : "NEGATIVE";
}

// ---- large: the bundled BERT classifier ----
env.localModelPath = path.join(ROOT, "models/");
env.allowRemoteModels = false;
type Classifier = (texts: string[]) => Promise<Array<{ label: string; score: number }>>;
const classify = (await pipeline("text-classification", "tiny-bert-sentiment", { dtype: "fp32" })) as unknown as Classifier;
const large: string[] = [];
for (let i = 0; i < test.length; i += 64) large.push(...(await classify(test.slice(i, i + 64).map((r) => r.text))).map((r) => r.label));
const small = test.map((r) => naiveBayes(r.text));

const lines = test.map((it, i) =>
  JSON.stringify({ prompt: it.text, small_quality: small[i] === it.label ? 1 : 0, large_quality: large[i] === it.label ? 1 : 0 }),
);
fs.mkdirSync(path.dirname(values.out), { recursive: true });
fs.writeFileSync(values.out, `${lines.join("\n")}\n`);
const acc = (xs: string[]) => xs.filter((l, i) => l === test[i]?.label).length / test.length;
console.log(
  `${test.length} lines -> ${path.relative(ROOT, values.out)}; small (naive Bayes on ${SMALL_TRAIN} train texts) accuracy ${acc(small).toFixed(3)}, large (tiny-bert-sentiment) ${acc(large).toFixed(3)}`,
);
