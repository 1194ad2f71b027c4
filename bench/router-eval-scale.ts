/**
 * `keel router eval` at scale (issue 17): wall time and peak RSS of one evaluation of a 14,000-line
 * file, read as a stream, with the learned router on tiny-bert-embed embeddings and with text
 * features only (`embedding: "none"`); the tfidf router is trained in both.
 *
 * The file: 14,000 lines {"prompt", "small_quality", "large_quality"}, each prompt 6 texts of
 * shared/datasets/sentiment.tsv.gz (seeded shuffle, seed 17) so that the file is about the size of
 * the real routing set (7.4 MB for 14,037 prompts). The labels are synthetic, for a scale measurement,
 * not a quality one: the large model is always right; the small one is right with probability 0.9,
 * or 0.35 when the prompt's last text turns ("but", "however", "although", "expected", "though"), from a seeded PRNG.
 *
 * Each mode runs in a child process of its own, so its peak RSS is its own.
 * Usage: npx tsx bench/router-eval-scale.ts [--n 14000] [--modes tiny-bert-embed,none]
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { gunzipSync } from "node:zlib";
import { seededRandom, shuffled } from "../server/routing/split";

const ROOT = path.resolve(import.meta.dirname, "..");
const { values } = parseArgs({
  options: {
    n: { type: "string", default: "14000" },
    modes: { type: "string", default: "tiny-bert-embed,none" },
    child: { type: "boolean", default: false },
    data: { type: "string" },
    embedding: { type: "string" },
  },
});

/** Texts per prompt: about 520 bytes a line, as the 7.4 MB, 14,037-prompt set of the issue. */
const PER_PROMPT = 6;
const TURN = /\b(but|however|although|expected|though)\b/i;

/** The benchmark file (see the header); returns its path. */
export function buildFile(n: number, out: string): string {
  const src = [path.join(ROOT, "../shared/datasets/sentiment.tsv.gz"), path.join(ROOT, "bench/data/sentiment.tsv.gz")].find((p) =>
    fs.existsSync(p),
  );
  if (!src) throw new Error("sentiment.tsv.gz not found (../shared/datasets or bench/data)");
  const texts = gunzipSync(fs.readFileSync(src))
    .toString("utf8")
    .split("\n")
    .map((l) => l.split("\t")[2])
    .filter((t): t is string => !!t);
  if (texts.length < n) throw new Error(`the sentiment set has ${texts.length} texts, fewer than ${n}`);
  const rand = seededRandom(17);
  const order = shuffled(texts, rand);
  // PER_PROMPT texts each (wrapping around the set), for prompts of the real routing set's size
  const lines = Array.from({ length: n }, (_, i) => {
    const parts = Array.from({ length: PER_PROMPT }, (_, k) => order[(i * PER_PROMPT + k) % order.length] as string);
    const prompt = parts.join(" ");
    // the small model is judged on the last review, the one a prompt asks about
    const turn = TURN.test(parts[PER_PROMPT - 1] as string);
    return JSON.stringify({ prompt, small_quality: rand() < (turn ? 0.35 : 0.9) ? 1 : 0, large_quality: 1 });
  });
  fs.writeFileSync(out, `${lines.join("\n")}\n`);
  return out;
}

async function child(data: string, embedding: string) {
  const { routerCommand } = await import("../cli/router");
  const t0 = performance.now();
  let result: unknown;
  await routerCommand("eval", { data, seed: "1", embedding }, (_h, d) => {
    result = d;
  });
  const wallS = (performance.now() - t0) / 1000;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ embedding, wall_s: wallS, peak_rss_mb: peakRssMb, result }));
}

if (values.child) {
  await child(values.data as string, values.embedding as string);
  process.exit(0);
}

const n = Number(values.n);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-router-scale-"));
const file = buildFile(n, path.join(dir, `routing-${n}.jsonl`));
console.log(`${n} lines, ${(fs.statSync(file).size / 1e6).toFixed(2)} MB; ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? "cpu"}`);
for (const mode of (values.modes as string).split(",")) {
  const res = spawnSync(process.execPath, ["--import", "tsx", import.meta.filename, "--child", "--data", file, "--embedding", mode], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: "silent" },
    encoding: "utf8",
  });
  const line = res.stdout.trim().split("\n").pop() ?? "";
  if (res.status !== 0 || !line) throw new Error(`mode ${mode} failed: ${res.stderr}`);
  const r = JSON.parse(line) as { wall_s: number; peak_rss_mb: number; result: { routers: Array<{ kind: string; apgr: number }> } };
  const apgrs = r.result.routers.map((x) => `${x.kind} ${x.apgr.toFixed(3)}`).join(", ");
  console.log(`embedding ${mode.padEnd(15)} wall ${r.wall_s.toFixed(1)} s, peak RSS ${r.peak_rss_mb.toFixed(0)} MB; APGR ${apgrs}`);
}
fs.rmSync(dir, { recursive: true, force: true });
