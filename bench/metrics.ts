/**
 * Metrics benchmark (figures go to BENCHMARKS.md): Keel's BLEU and ROUGE against the most used
 * JavaScript packages on npm, side by side on the same inputs (10,000 sentence pairs and a
 * 1,000-sentence corpus made from shared/datasets/sentiment.tsv.gz), with how often each package's
 * score agrees with Keel's (which equals sacrebleu / rouge-score on every peer vector). Then
 * `keel score` over 100,000 lines with all metrics: lines/s and peak memory.
 * Usage: npm run bench:metrics
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import * as jsRouge from "js-rouge";
import { corpusBleu, rougeScore, sentenceBleu, sentenceChrf } from "../server/evals";

const require_ = (await import("node:module")).createRequire(import.meta.url);
const bleuScore = require_("bleu-score") as { bleu: (ref: string, cand: string, n: number) => number };
const rougePkg = require_("rouge") as { n: (c: string, r: string, n: number) => number; l: (c: string, r: string) => number };

const ROOT = path.resolve(import.meta.dirname, "..");
const DATA = [path.join(ROOT, "../shared/datasets/sentiment.tsv.gz"), path.join(ROOT, "bench/data/sentiment.tsv.gz")].find((p) =>
  fs.existsSync(p),
);
if (!DATA) throw new Error("sentiment.tsv.gz not found (../shared/datasets or bench/data)");
const texts = gunzipSync(fs.readFileSync(DATA))
  .toString("utf8")
  .split("\n")
  .map((l) => l.split("\t")[2])
  .filter((t): t is string => Boolean(t));

/** A deterministic "system output": drop one word and swap two neighbours. */
function perturb(s: string, i: number): string {
  const w = s.split(" ");
  if (w.length > 4) w.splice(i % w.length, 1);
  const j = (i * 7) % Math.max(1, w.length - 1);
  [w[j], w[j + 1]] = [w[j + 1] as string, w[j] as string];
  return w.join(" ");
}
const pairs = Array.from({ length: 10_000 }, (_, i) => {
  const ref = texts[i % texts.length] as string;
  return { hyp: perturb(ref, i), ref };
});

function time<T>(fn: () => T): { ms: number; out: T } {
  fn(); // warm up (JIT, caches)
  const t0 = performance.now();
  const out = fn();
  return { ms: performance.now() - t0, out };
}
const agree = (a: number[], b: number[], tol = 1e-9) => a.filter((x, i) => Math.abs(x - (b[i] as number)) <= tol).length / a.length;

const rows: string[] = [];
const row = (...cells: (string | number)[]) => rows.push(`| ${cells.join(" | ")} |`);

// BLEU, sentence level, 10,000 pairs
const kb = time(() => pairs.map((p) => sentenceBleu(p.hyp, [p.ref]).score / 100));
const bs = time(() => pairs.map((p) => bleuScore.bleu(p.ref, p.hyp, 4)));
row("BLEU, sentence, 10,000 pairs", "Keel `sentenceBleu` (sacrebleu `sentence_bleu`)", kb.ms.toFixed(0), "1.00x", "reference");
row("", "bleu-score 1.0.4", bs.ms.toFixed(0), `${(bs.ms / kb.ms).toFixed(2)}x`, `${(100 * agree(bs.out, kb.out)).toFixed(1)}% agree`);

// BLEU, corpus level, 1,000 sentences (no npm package computes corpus BLEU)
const hyps = pairs.slice(0, 1000).map((p) => p.hyp);
const refs = [pairs.slice(0, 1000).map((p) => p.ref)];
const kc = time(() => corpusBleu(hyps, refs));
row(
  "BLEU, corpus, 1,000 sentences",
  "Keel `corpusBleu` (sacrebleu `corpus_bleu`)",
  kc.ms.toFixed(1),
  "-",
  `score ${kc.out.score.toFixed(4)}`,
);

// chrF (no npm package)
const kch = time(() => pairs.map((p) => sentenceChrf(p.hyp, [p.ref]).score));
row("chrF, sentence, 10,000 pairs", "Keel `sentenceChrf` (sacrebleu `sentence_chrf`)", kch.ms.toFixed(0), "-", "-");

// ROUGE-1 and ROUGE-L F-measure, 10,000 pairs
for (const [label, type, js, rg] of [
  [
    "ROUGE-1 F",
    "rouge1",
    (h: string, r: string) => jsRouge.n(h, r, { n: 1, caseSensitive: false }),
    (h: string, r: string) => rougePkg.n(h, r, 1),
  ],
  ["ROUGE-L F", "rougeL", (h: string, r: string) => jsRouge.l(h, r, { caseSensitive: false }), (h: string, r: string) => rougePkg.l(h, r)],
] as const) {
  const k = time(() => pairs.map((p) => rougeScore(p.ref, p.hyp, { rougeTypes: [type] })[type]?.fmeasure ?? 0));
  const j = time(() => pairs.map((p) => js(p.hyp, p.ref)));
  let r: { ms: number; out: number[] } | null = null;
  let rErr = "";
  try {
    r = time(() => pairs.map((p) => rg(p.hyp, p.ref)));
  } catch (err) {
    rErr = (err as Error).message.slice(0, 60);
  }
  row(`${label}, 10,000 pairs`, "Keel `rougeScore` (rouge-score)", k.ms.toFixed(0), "1.00x", "reference");
  row("", "js-rouge 3.2.3", j.ms.toFixed(0), `${(j.ms / k.ms).toFixed(2)}x`, `${(100 * agree(j.out, k.out, 1e-6)).toFixed(1)}% agree`);
  row(
    "",
    "rouge 1.0.3",
    r ? r.ms.toFixed(0) : "-",
    r ? `${(r.ms / k.ms).toFixed(2)}x` : "-",
    r ? `${(100 * agree(r.out, k.out, 1e-6)).toFixed(1)}% agree` : `fails: ${rErr}`,
  );
}

// keel score over 100,000 lines, all metrics (fresh process; /usr/bin/time for peak RSS)
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-bench-score-"));
const input = path.join(dir, "in.jsonl");
const fd = fs.openSync(input, "w");
for (let i = 0; i < 100_000; i++) {
  const p = pairs[i % pairs.length] as { hyp: string; ref: string };
  fs.writeSync(fd, `${JSON.stringify({ id: i, prediction: p.hyp, references: [p.ref, perturb(p.ref, i + 3)] })}\n`);
}
fs.closeSync(fd);
const mb = (fs.statSync(input).size / 2 ** 20).toFixed(1);
const t0 = performance.now();
const run = spawnSync(
  "/usr/bin/time",
  ["-f", "%M", process.execPath, path.join(ROOT, "bin/keel.mjs"), "score", "--input", input, "--output", path.join(dir, "out.jsonl")],
  {
    encoding: "utf8",
    env: { ...process.env, LOG_LEVEL: "silent" },
  },
);
const secs = (performance.now() - t0) / 1000;
if (run.status !== 0) throw new Error(`keel score failed: ${run.stderr}`);
const peakMiB = Number(run.stderr.trim().split("\n").pop()) / 1024; // GNU time %M: max RSS in KiB
const outLines = fs.readFileSync(path.join(dir, "out.jsonl"), "utf8").split("\n").length - 1;
fs.rmSync(dir, { recursive: true, force: true });

console.log("| task | implementation | ms | time vs Keel | scores |");
console.log("| --- | --- | --- | --- | --- |");
for (const r of rows) console.log(r);
console.log(
  `\nkeel score, 100,000 lines (${mb} MB, 2 references each, BLEU + chrF + ROUGE 1/2/L/Lsum): ${secs.toFixed(1)} s, ${(100_000 / secs).toFixed(0)} lines/s, peak RSS ${peakMiB.toFixed(0)} MiB, ${outLines} output lines`,
);
console.log(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model}, node ${process.version}`);
