/**
 * CLI start-up benchmark (figures go to BENCHMARKS.md). Every figure is a fresh process of
 * `node bin/keel.mjs` (the path package.json's "bin" names), median of RUNS:
 * - `--help` from the prebuilt bundle (cli/build.mjs) and from the TypeScript sources through tsx
 *   (KEEL_CLI=tsx: the fallback), beside a bare `node -e ""`; with `--before REF`, also the CLI of
 *   that git revision (exported with `git archive`, this checkout's node_modules linked in), e.g. the
 *   last commit where bin/keel.mjs ran cli/main.ts through tsx with every module imported up front;
 * - the first run after a source change: the bundle built first, into an empty KEEL_CLI_DIR;
 * - `keel score` end to end on 10,000 pairs with all metrics (BLEU, chrF, ROUGE 1/2/L/Lsum), the same
 *   ways, and sacrebleu + rouge-score doing the same in Python where both are importable.
 * Usage: npm run bench:cli [-- --runs N] [--before REF]
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { gunzipSync } from "node:zlib";

const ROOT = path.resolve(import.meta.dirname, "..");
const BIN = path.join(ROOT, "bin", "keel.mjs");
const { values } = parseArgs({ options: { runs: { type: "string", default: "10" }, before: { type: "string" } } });
const RUNS = Number(values.runs);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

interface RunOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** before each run, untimed */
  setup?: () => void;
}

/** Wall time of one process, ms; throws with its stderr when it fails. */
function timed(cmd: string, args: string[], o: RunOptions): number {
  o.setup?.();
  const t0 = performance.now();
  const res = spawnSync(cmd, args, {
    cwd: o.cwd ?? ROOT,
    env: { ...process.env, LOG_LEVEL: "silent", ...o.env },
    encoding: "utf8",
    maxBuffer: 2 ** 28,
  });
  const ms = performance.now() - t0;
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${res.status}): ${res.stderr}`);
  return ms;
}

const rows: string[] = [];
function measure(label: string, cmd: string, args: string[], o: RunOptions = {}): number {
  timed(cmd, args, o); // warm-up: page cache, and a bundle built where one is due
  const times = Array.from({ length: RUNS }, () => timed(cmd, args, o));
  const m = median(times);
  rows.push(`| ${label} | ${m.toFixed(0)} | ${Math.min(...times).toFixed(0)} / ${Math.max(...times).toFixed(0)} |`);
  return m;
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "keel-bench-cli-"));

/** The CLI of another revision, runnable: its sources exported (git archive: no checkout), node_modules linked. */
function exportRevision(ref: string): string {
  const dir = path.join(scratch, "before");
  fs.mkdirSync(dir);
  const paths = ["bin", "cli", "server", "db", "workers", "env.ts", "tsconfig.json", "package.json"];
  const tar = spawnSync("git", ["archive", "--format=tar", ref, ...paths], { cwd: ROOT, maxBuffer: 2 ** 30 });
  if (tar.status !== 0) throw new Error(`git archive ${ref} failed: ${tar.stderr}`);
  const untar = spawnSync("tar", ["-x", "-C", dir], { input: tar.stdout });
  if (untar.status !== 0) throw new Error(`tar failed: ${untar.stderr}`);
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
  return dir;
}
const beforeDir = values.before ? exportRevision(values.before) : null;
const beforeBin = beforeDir ? path.join(beforeDir, "bin", "keel.mjs") : "";
const atBefore = `at ${values.before} (before)`;

// `--help`
const bare = measure('`node -e ""` (Node alone)', process.execPath, ["-e", ""]);
const bundled = measure("`node bin/keel.mjs --help`, bundle", process.execPath, [BIN, "--help"]);
const tsx = measure("`node bin/keel.mjs --help`, sources through tsx (`KEEL_CLI=tsx`)", process.execPath, [BIN, "--help"], {
  env: { KEEL_CLI: "tsx" },
});
const before = beforeDir
  ? measure(`\`node bin/keel.mjs --help\` ${atBefore}`, process.execPath, [beforeBin, "--help"], { cwd: beforeDir })
  : null;
const coldDir = path.join(scratch, "cold");
const cold = measure("`node bin/keel.mjs --help`, first run after a change (bundle built first)", process.execPath, [BIN, "--help"], {
  env: { KEEL_CLI_DIR: coldDir },
  setup: () => fs.rmSync(coldDir, { recursive: true, force: true }),
});

// `keel score` on 10,000 pairs: bench/metrics.ts's pairs (a sentence, and the same with one word dropped and two swapped)
const DATA = [path.join(ROOT, "../shared/datasets/sentiment.tsv.gz"), path.join(ROOT, "bench/data/sentiment.tsv.gz")].find((p) =>
  fs.existsSync(p),
);
if (!DATA) throw new Error("sentiment.tsv.gz not found (../shared/datasets or bench/data)");
const texts = gunzipSync(fs.readFileSync(DATA))
  .toString("utf8")
  .split("\n")
  .map((l) => l.split("\t")[2])
  .filter((t): t is string => Boolean(t));
function perturb(s: string, i: number): string {
  const w = s.split(" ");
  if (w.length > 4) w.splice(i % w.length, 1);
  const j = (i * 7) % Math.max(1, w.length - 1);
  [w[j], w[j + 1]] = [w[j + 1] as string, w[j] as string];
  return w.join(" ");
}
const input = path.join(scratch, "pairs.jsonl");
const output = path.join(scratch, "scores.jsonl");
fs.writeFileSync(
  input,
  Array.from({ length: 10_000 }, (_, i) => {
    const ref = texts[i % texts.length] as string;
    return `${JSON.stringify({ id: i, prediction: perturb(ref, i), references: [ref] })}\n`;
  }).join(""),
);
const score = ["score", "--input", input, "--output", output];
const scoreBundled = measure("`keel score`, 10,000 pairs, all metrics, bundle", process.execPath, [BIN, ...score]);
const lines = fs.readFileSync(output, "utf8").trimEnd().split("\n").length;
const scoreTsx = measure(
  "`keel score`, 10,000 pairs, all metrics, sources through tsx (`KEEL_CLI=tsx`)",
  process.execPath,
  [BIN, ...score],
  {
    env: { KEEL_CLI: "tsx" },
  },
);
const scoreBefore = beforeDir
  ? measure(`\`keel score\`, 10,000 pairs, all metrics, ${atBefore}`, process.execPath, [beforeBin, ...score], { cwd: beforeDir })
  : null;

// The same work in Python, where sacrebleu and rouge-score are installed
const PY = `
import json, sys
from sacrebleu.metrics import BLEU, CHRF
from rouge_score import rouge_scorer
bleu, chrf = BLEU(effective_order=True), CHRF()
rouge = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"], use_stemmer=False)
with open(sys.argv[1]) as f, open(sys.argv[2], "w") as out:
    for line in f:
        o = json.loads(line)
        b = bleu.sentence_score(o["prediction"], o["references"])
        c = chrf.sentence_score(o["prediction"], o["references"])
        r = rouge.score_multi(o["references"], o["prediction"])
        out.write(json.dumps({"id": o["id"], "bleu": {"score": b.score}, "chrf": {"score": c.score},
                              "rouge": {k: {"precision": v.precision, "recall": v.recall, "fmeasure": v.fmeasure} for k, v in r.items()}}) + "\\n")
`;
const python = process.env.KEEL_PYTHON ?? "python3";
const probe = spawnSync(python, ["-c", "import sacrebleu, rouge_score"], { encoding: "utf8" });
let pyNote: string;
if (probe.status === 0) {
  const script = path.join(scratch, "score.py");
  fs.writeFileSync(script, PY);
  const py = measure("sacrebleu + rouge-score (Python), same 10,000 pairs", python, [script, input, path.join(scratch, "py.jsonl")]);
  pyNote = `keel score (bundle) takes ${((100 * scoreBundled) / py).toFixed(0)}% of the Python tools' time (goal: under 50%)`;
} else pyNote = `sacrebleu + rouge-score: not importable by ${python} here (${probe.stderr.trim().split("\n").pop()}); no Python figure`;
fs.rmSync(scratch, { recursive: true, force: true });

console.log(`| command | median ms (${RUNS} runs) | min / max ms |`);
console.log("| --- | --- | --- |");
for (const r of rows) console.log(r);
const vs = (x: number | null, bundle: number) => (x === null ? "" : `, ${atBefore} ${x.toFixed(0)} ms (${(x / bundle).toFixed(1)}x)`);
console.log(
  `\n--help: bundle ${bundled.toFixed(0)} ms (${(bundled - bare).toFixed(0)} ms over Node alone), tsx ${tsx.toFixed(0)} ms${vs(before, bundled)}; goal under 300 ms: ${bundled < 300 ? "met" : "missed"}`,
);
console.log(`first run after a source change: ${cold.toFixed(0)} ms (the build, once)`);
console.log(
  `keel score: bundle ${scoreBundled.toFixed(0)} ms, tsx ${scoreTsx.toFixed(0)} ms${vs(scoreBefore, scoreBundled)}, ${lines} output lines`,
);
console.log(pyNote);
console.log(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
